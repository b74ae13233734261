package w3wallet

import (
	"context"
	"time"

	"github.com/libw3wallet/libw3wallet/bindings/go/w3wallet/internal/capi"
)

// LimitNone is a withdrawal limit that is not set (W3W_LIMIT_NONE).
const LimitNone Amount = -1

// WithdrawalLimit is the withdrawal limits of a user (or a currency's
// default) in one currency, and where the user stands now
// (include/w3wallet/limits.h). LimitNone means no limit.
type WithdrawalLimit struct {
	Currency          string
	UserID            string // "" for a currency's default
	Source            string // "user": the user's own values; "default": the currency's
	PerWithdrawal     Amount // largest single withdrawal
	Daily             Amount // most in any 24 hours (a rolling window)
	Used              Amount // withdrawn or held in the last 24 hours
	Remaining         Amount // the largest withdrawal allowed now; LimitNone: unlimited
	NextReleaseAt     time.Time
	NextReleaseAmount Amount
	UpdatedAt         time.Time
}

func withdrawalLimitFromC(c capi.W3w_withdrawal_limit) WithdrawalLimit {
	return WithdrawalLimit{Currency: c.GetCurrency(), UserID: c.GetUser_id(), Source: c.GetSource(),
		PerWithdrawal: Amount(c.GetPer_withdrawal()), Daily: Amount(c.GetDaily()), Used: Amount(c.GetUsed()),
		Remaining: Amount(c.GetRemaining()), NextReleaseAt: fromMicros(c.GetNext_release_at()),
		NextReleaseAmount: Amount(c.GetNext_release_amount()), UpdatedAt: fromMicros(c.GetUpdated_at())}
}

// WithdrawalLimitSet sets a currency's default limits (userID "") or a
// user's own, which replace the default as a whole (admin, audited).
// LimitNone is no limit; 0 stops withdrawals.
func (c *Context) WithdrawalLimitSet(ctx context.Context, actor Actor, userID, currency string,
	perWithdrawal, daily Amount) (WithdrawalLimit, error) {
	out := capi.NewW3w_withdrawal_limit()
	defer capi.DeleteW3w_withdrawal_limit(out)
	err := c.call(ctx, "WithdrawalLimitSet", &actor, []string{"user_id", userID, "currency", currency},
		func(p capi.Struct_SS_w3w_ctx, a capi.W3w_actor) error {
			return capi.W3w_withdrawal_limit_set(out, p, a, userID, currency, int64(perWithdrawal), int64(daily))
		})
	if err != nil {
		return WithdrawalLimit{}, err
	}
	return withdrawalLimitFromC(out), nil
}

// WithdrawalLimitClear removes the values set for userID ("" for the
// default) in currency (admin; ErrNotFound when none is set).
func (c *Context) WithdrawalLimitClear(ctx context.Context, actor Actor, userID, currency string) error {
	return c.call(ctx, "WithdrawalLimitClear", &actor, []string{"user_id", userID, "currency", currency},
		func(p capi.Struct_SS_w3w_ctx, a capi.W3w_actor) error {
			return capi.W3w_withdrawal_limit_clear(p, a, userID, currency)
		})
}

// WithdrawalLimits lists the limits in force for userID ("" for the
// actor) in currency ("" for every currency with limits): what remains
// now and when more frees up.
func (c *Context) WithdrawalLimits(ctx context.Context, actor Actor, userID, currency string) ([]WithdrawalLimit, error) {
	var limits []WithdrawalLimit
	err := c.call(ctx, "WithdrawalLimits", &actor, []string{"user_id", userID, "currency", currency},
		func(p capi.Struct_SS_w3w_ctx, a capi.W3w_actor) error {
			var lp uintptr
			if err := capi.W3w_withdrawal_limits_get(&lp, p, a, userID, currency); err != nil {
				return err
			}
			list := capi.SwigcptrW3w_withdrawal_limits(lp)
			defer capi.W3w_withdrawal_limits_free(list)
			n := list.GetCount()
			limits = make([]WithdrawalLimit, 0, n)
			for i := int64(0); i < n; i++ {
				limits = append(limits, withdrawalLimitFromC(capi.W3wb_withdrawal_limit_at(list, i)))
			}
			return nil
		})
	return limits, err
}
