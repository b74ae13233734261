package w3wallet

import (
	"context"

	"github.com/libw3wallet/libw3wallet/bindings/go/w3wallet/internal/capi"
)

// SupplyQuery filters and pages SupplyList.
type SupplyQuery struct {
	UserID string       // "" = the actor's own; another user's needs admin
	Status SupplyStatus // 0 = any
	Limit  int          // 1..500; 0 = 50
	Cursor string       // "" = first page, else the previous page's NextCursor
}

// SupplyPatch says what SupplyUpdate changes.
type SupplyPatch struct {
	Amount *Amount      // nil = unchanged
	Status SupplyStatus // 0 = unchanged, SupplyActive or SupplyPaused
}

func (c *Context) supplyCall(ctx context.Context, op string, actor Actor, text []string,
	fn func(out capi.W3w_supply, p capi.Struct_SS_w3w_ctx, a capi.W3w_actor) error) (Supply, error) {
	out := capi.NewW3w_supply()
	defer capi.DeleteW3w_supply(out)
	err := c.call(ctx, op, &actor, text, func(p capi.Struct_SS_w3w_ctx, a capi.W3w_actor) error {
		return fn(out, p, a)
	})
	if err != nil {
		return Supply{}, err
	}
	return supplyFromC(out), nil
}

// SupplyCreate declares the actor's capacity in currency (amount > 0).
func (c *Context) SupplyCreate(ctx context.Context, actor Actor, currency string, amount Amount,
	idempotencyKey string) (Supply, error) {
	return c.supplyCall(ctx, "SupplyCreate", actor, []string{"currency", currency, "idempotency_key", idempotencyKey},
		func(out capi.W3w_supply, p capi.Struct_SS_w3w_ctx, a capi.W3w_actor) error {
			return capi.W3w_supply_create(out, p, a, currency, int64(amount), idempotencyKey)
		})
}

// SupplyGet reads one supply: its owner or an admin (others get ErrNotFound).
func (c *Context) SupplyGet(ctx context.Context, actor Actor, supplyID string) (Supply, error) {
	return c.supplyCall(ctx, "SupplyGet", actor, []string{"supply_id", supplyID},
		func(out capi.W3w_supply, p capi.Struct_SS_w3w_ctx, a capi.W3w_actor) error {
			return capi.W3w_supply_get(out, p, a, supplyID)
		})
}

// SupplyUpdate changes amount and/or status (owner). Lowering the amount below
// reserved is ErrConflict; a deleted supply is ErrInvalidState.
func (c *Context) SupplyUpdate(ctx context.Context, actor Actor, supplyID string, patch SupplyPatch,
	idempotencyKey string) (Supply, error) {
	cp := capi.NewW3w_supply_patch() // zeroed: W3W_SUPPLY_PATCH_INIT
	defer capi.DeleteW3w_supply_patch(cp)
	if patch.Amount != nil {
		cp.SetSet_amount(1)
		cp.SetAmount(int64(*patch.Amount))
	}
	cp.SetStatus(int(patch.Status))
	return c.supplyCall(ctx, "SupplyUpdate", actor, []string{"supply_id", supplyID, "idempotency_key", idempotencyKey},
		func(out capi.W3w_supply, p capi.Struct_SS_w3w_ctx, a capi.W3w_actor) error {
			return capi.W3w_supply_update(out, p, a, supplyID, cp, idempotencyKey)
		})
}

// SupplyDelete marks a supply deleted (owner). ErrConflict while claims hold reservations.
func (c *Context) SupplyDelete(ctx context.Context, actor Actor, supplyID, idempotencyKey string) (Supply, error) {
	return c.supplyCall(ctx, "SupplyDelete", actor, []string{"supply_id", supplyID, "idempotency_key", idempotencyKey},
		func(out capi.W3w_supply, p capi.Struct_SS_w3w_ctx, a capi.W3w_actor) error {
			return capi.W3w_supply_delete(out, p, a, supplyID, idempotencyKey)
		})
}

// SupplyList is a page of supplies, oldest first.
func (c *Context) SupplyList(ctx context.Context, actor Actor, q SupplyQuery) (SupplyPage, error) {
	var page SupplyPage
	cq, err := listQuery("SupplyList", q.UserID, int(q.Status), q.Limit, q.Cursor)
	if err != nil {
		return page, err
	}
	defer capi.DeleteW3w_list_query(cq)
	err = c.call(ctx, "SupplyList", &actor, nil, func(p capi.Struct_SS_w3w_ctx, a capi.W3w_actor) error {
		var pp uintptr
		if err := capi.W3w_supply_list(&pp, p, a, cq); err != nil {
			return err
		}
		cpage := capi.SwigcptrW3w_supply_page(pp)
		defer capi.W3w_supply_page_free(cpage)
		n := cpage.GetCount()
		page.Items = make([]Supply, 0, n)
		for i := int64(0); i < n; i++ {
			page.Items = append(page.Items, supplyFromC(capi.W3wb_supply_page_at(cpage, i)))
		}
		page.NextCursor = cpage.GetNext_cursor()
		return nil
	})
	return page, err
}

func listQuery(op, userID string, status, limit int, cursor string) (capi.W3w_list_query, error) {
	if err := noNUL(op, "user_id", userID, "cursor", cursor); err != nil {
		return nil, err
	}
	cq := capi.NewW3w_list_query()
	for _, step := range []func() error{
		func() error { return capi.W3wb_list_query_init(cq, uint(capi.W3W_LIST_QUERY_VERSION)) },
		func() error { return capi.W3wb_list_query_set_text(cq, "user_id", userID) },
		func() error { return capi.W3wb_list_query_set_text(cq, "cursor", cursor) },
	} {
		if err := step(); err != nil {
			capi.DeleteW3w_list_query(cq)
			return nil, wrap(op, err)
		}
	}
	cq.SetStatus(status)
	cq.SetLimit(limit)
	return cq, nil
}
