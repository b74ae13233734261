package w3wallet

import (
	"context"

	"github.com/libw3wallet/libw3wallet/bindings/go/w3wallet/internal/capi"
)

func (c *Context) claimCall(ctx context.Context, op string, actor Actor, text []string,
	fn func(out capi.W3w_claim, p capi.Struct_SS_w3w_ctx, a capi.W3w_actor) error) (Claim, error) {
	out := capi.NewW3w_claim()
	defer capi.DeleteW3w_claim(out)
	err := c.call(ctx, op, &actor, text, func(p capi.Struct_SS_w3w_ctx, a capi.W3w_actor) error {
		return fn(out, p, a)
	})
	if err != nil {
		return Claim{}, err
	}
	return claimFromC(out), nil
}

// ClaimOrder claims an open order of someone else for the actor. Of many
// concurrent claimers exactly one wins; the others get ErrConflict.
// ErrNotFound: no such order; ErrForbidden: own order; ErrInvalidState:
// cancelled; ErrInsufficientFunds: no supply with enough capacity.
func (c *Context) ClaimOrder(ctx context.Context, actor Actor, orderID, idempotencyKey string) (Claim, error) {
	return c.claimCall(ctx, "ClaimOrder", actor, []string{"order_id", orderID, "idempotency_key", idempotencyKey},
		func(out capi.W3w_claim, p capi.Struct_SS_w3w_ctx, a capi.W3w_actor) error {
			return capi.W3w_claim_order(out, p, a, orderID, idempotencyKey)
		})
}

// ClaimGet reads one claim: the claimer, the order's owner, admin or service.
func (c *Context) ClaimGet(ctx context.Context, actor Actor, claimID string) (Claim, error) {
	return c.claimCall(ctx, "ClaimGet", actor, []string{"claim_id", claimID},
		func(out capi.W3w_claim, p capi.Struct_SS_w3w_ctx, a capi.W3w_actor) error {
			return capi.W3w_claim_get(out, p, a, claimID)
		})
}

// ClaimGetByOrder reads the live (pending or processed) claim of an order; ErrNotFound if none.
func (c *Context) ClaimGetByOrder(ctx context.Context, actor Actor, orderID string) (Claim, error) {
	return c.claimCall(ctx, "ClaimGetByOrder", actor, []string{"order_id", orderID},
		func(out capi.W3w_claim, p capi.Struct_SS_w3w_ctx, a capi.W3w_actor) error {
			return capi.W3w_claim_get_by_order(out, p, a, orderID)
		})
}

// ClaimProcess settles a pending claim (order owner, admin or service): the
// escrow moves to the shopper, the order completes. Twice is ErrInvalidState.
func (c *Context) ClaimProcess(ctx context.Context, actor Actor, claimID, idempotencyKey string) (Claim, error) {
	return c.claimCall(ctx, "ClaimProcess", actor, []string{"claim_id", claimID, "idempotency_key", idempotencyKey},
		func(out capi.W3w_claim, p capi.Struct_SS_w3w_ctx, a capi.W3w_actor) error {
			return capi.W3w_claim_process(out, p, a, claimID, idempotencyKey)
		})
}

// ClaimRelease releases a pending claim (claimer or admin): the order is open
// again with its escrow still held.
func (c *Context) ClaimRelease(ctx context.Context, actor Actor, claimID, idempotencyKey string) (Claim, error) {
	return c.claimCall(ctx, "ClaimRelease", actor, []string{"claim_id", claimID, "idempotency_key", idempotencyKey},
		func(out capi.W3w_claim, p capi.Struct_SS_w3w_ctx, a capi.W3w_actor) error {
			return capi.W3w_claim_release(out, p, a, claimID, idempotencyKey)
		})
}
