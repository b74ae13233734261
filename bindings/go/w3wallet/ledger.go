package w3wallet

import (
	"context"

	"github.com/libw3wallet/libw3wallet/bindings/go/w3wallet/internal/capi"
)

// Deposit credits amount of currency to userID from outside (roles: service
// or admin). reference is unique among deposits (ErrConflict on reuse);
// idempotencyKey ("" for none) makes a retry return the first result.
func (c *Context) Deposit(ctx context.Context, actor Actor, userID, currency string, amount Amount,
	reference, idempotencyKey string) (Transfer, error) {
	out := capi.NewW3w_transfer()
	defer capi.DeleteW3w_transfer(out)
	err := c.call(ctx, "Deposit", &actor, []string{"user_id", userID, "currency", currency, "reference", reference,
		"idempotency_key", idempotencyKey}, func(p capi.Struct_SS_w3w_ctx, a capi.W3w_actor) error {
		return capi.W3w_deposit(out, p, a, userID, currency, int64(amount), reference, idempotencyKey)
	})
	if err != nil {
		return Transfer{}, err
	}
	return transferFromC(out), nil
}

// Withdraw debits the actor's available funds to an external address (ErrInsufficientFunds when short).
func (c *Context) Withdraw(ctx context.Context, actor Actor, currency string, amount Amount,
	chain, toAddress, idempotencyKey string) (Transfer, error) {
	out := capi.NewW3w_transfer()
	defer capi.DeleteW3w_transfer(out)
	err := c.call(ctx, "Withdraw", &actor, []string{"currency", currency, "chain", chain, "to_address", toAddress,
		"idempotency_key", idempotencyKey}, func(p capi.Struct_SS_w3w_ctx, a capi.W3w_actor) error {
		return capi.W3w_withdraw(out, p, a, currency, int64(amount), chain, toAddress, idempotencyKey)
	})
	if err != nil {
		return Transfer{}, err
	}
	return transferFromC(out), nil
}

// TransferFunds moves the actor's available funds to another user.
func (c *Context) TransferFunds(ctx context.Context, actor Actor, toUserID, currency string, amount Amount,
	idempotencyKey string) (Transfer, error) {
	out := capi.NewW3w_transfer()
	defer capi.DeleteW3w_transfer(out)
	err := c.call(ctx, "TransferFunds", &actor, []string{"to_user_id", toUserID, "currency", currency,
		"idempotency_key", idempotencyKey}, func(p capi.Struct_SS_w3w_ctx, a capi.W3w_actor) error {
		return capi.W3w_transfer_funds(out, p, a, toUserID, currency, int64(amount), idempotencyKey)
	})
	if err != nil {
		return Transfer{}, err
	}
	return transferFromC(out), nil
}

// Accounts of userID ("" for the actor's own; another user's needs admin, service or auditor).
func (c *Context) Accounts(ctx context.Context, actor Actor, userID string) ([]Account, error) {
	var accounts []Account
	err := c.call(ctx, "Accounts", &actor, []string{"user_id", userID},
		func(p capi.Struct_SS_w3w_ctx, a capi.W3w_actor) error {
			var lp uintptr
			if err := capi.W3w_accounts(&lp, p, a, userID); err != nil {
				return err
			}
			list := capi.SwigcptrW3w_account_list(lp)
			defer capi.W3w_account_list_free(list)
			n := list.GetCount()
			accounts = make([]Account, 0, n)
			for i := int64(0); i < n; i++ {
				accounts = append(accounts, accountFromC(capi.W3wb_account_at(list, i)))
			}
			return nil
		})
	return accounts, err
}

// Account is one account of userID ("" for the actor's own); an account never
// credited counts as all zeros.
func (c *Context) Account(ctx context.Context, actor Actor, currency, userID string) (Account, error) {
	all, err := c.Accounts(ctx, actor, userID)
	if err != nil {
		return Account{}, err
	}
	for _, a := range all {
		if a.Currency == currency {
			return a, nil
		}
	}
	if userID == "" {
		userID = actor.UserID
	}
	return Account{UserID: userID, Currency: currency}, nil
}

// LedgerTotals are the reconciliation sums of currency (roles: admin, auditor or service).
func (c *Context) LedgerTotals(ctx context.Context, actor Actor, currency string) (LedgerTotals, error) {
	out := capi.NewW3w_ledger_totals()
	defer capi.DeleteW3w_ledger_totals(out)
	err := c.call(ctx, "LedgerTotals", &actor, []string{"currency", currency},
		func(p capi.Struct_SS_w3w_ctx, a capi.W3w_actor) error {
			return capi.W3w_ledger_totals_get(out, p, a, currency)
		})
	if err != nil {
		return LedgerTotals{}, err
	}
	return totalsFromC(out), nil
}
