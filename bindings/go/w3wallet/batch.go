package w3wallet

import (
	"context"
	"fmt"

	"github.com/libw3wallet/libw3wallet/bindings/go/w3wallet/internal/capi"
)

// Batches (w3wallet/batch.h): many commands of one actor in one storage
// transaction and commit. Each element is its single command with its own
// outcome (a BatchResult, in request order): a refused element changes
// nothing and does not fail the others. 1..BatchMax elements (else
// ErrInvalid, nothing run); a failure of the whole transaction is the
// call's error (ErrUnavailable: nothing applied). IdempotencyKey is per
// element, the single command's key.

// BatchMax is the most elements of one batch.
const BatchMax = 8190

// BatchResult is one element's outcome.
type BatchResult struct {
	Status   Status // StatusOK or the element's refusal
	ID       string // on success: the claim, transfer or order made (or replayed)
	Replayed bool   // the element's idempotency key returned a first execution's result
	Message  string // "" on success, else why
}

// Err is the error the single command would have returned, nil on success.
func (r BatchResult) Err(op string) error {
	if r.Status == StatusOK {
		return nil
	}
	return &Error{Status: r.Status, Op: op, Message: r.Message}
}

// ClaimRequest claims one order (ClaimOrder).
type ClaimRequest struct {
	OrderID        string
	IdempotencyKey string
}

// ProcessRequest settles one pending claim (ClaimProcess).
type ProcessRequest struct {
	ClaimID        string
	IdempotencyKey string
}

// DepositRequest credits one user from outside (Deposit).
type DepositRequest struct {
	UserID, Currency string
	Amount           Amount
	Reference        string
	IdempotencyKey   string
}

// TransferRequest moves the actor's funds to one user (TransferFunds).
type TransferRequest struct {
	ToUserID, Currency string
	Amount             Amount
	IdempotencyKey     string
}

// OrderRequest places one order (OrderCreate).
type OrderRequest struct {
	Currency       string
	Items          []OrderItem
	IdempotencyKey string
}

// batch fills a request array made by the C helpers, runs the batch call and reads its results.
func (c *Context) batch(ctx context.Context, op string, actor Actor, text []string,
	fill func() (uintptr, error), run func(out *uintptr, p capi.Struct_SS_w3w_ctx, a capi.W3w_actor) error) ([]BatchResult, error) {
	if err := noNUL(op, text...); err != nil {
		return nil, err
	}
	arr, err := fill()
	if arr != 0 {
		defer capi.W3wb_requests_free(arr)
	}
	if err != nil {
		return nil, wrap(op, err)
	}
	var results []BatchResult
	err = c.call(ctx, op, &actor, nil, func(p capi.Struct_SS_w3w_ctx, a capi.W3w_actor) error {
		var ptr uintptr
		if err := run(&ptr, p, a); err != nil {
			return err
		}
		res := capi.SwigcptrW3w_batch_results(ptr)
		defer capi.W3w_batch_results_free(res)
		results = make([]BatchResult, res.GetCount())
		for i := range results {
			r := capi.W3wb_batch_result_at(res, int64(i))
			results[i] = BatchResult{Status: Status(capi.W3wb_batch_result_code(r)), ID: r.GetId(),
				Replayed: r.GetReplayed() != 0, Message: r.GetMessage()}
		}
		return nil
	})
	return results, err
}

// ClaimBatch claims many orders at once; one winner per order still (the losers' status is StatusConflict).
func (c *Context) ClaimBatch(ctx context.Context, actor Actor, reqs []ClaimRequest) ([]BatchResult, error) {
	arr := capi.W3wb_claim_requests_new(int64(len(reqs)))
	var text []string
	for _, r := range reqs {
		text = append(text, "order_id", r.OrderID, "idempotency_key", r.IdempotencyKey)
	}
	return c.batch(ctx, "ClaimBatch", actor, text, func() (uintptr, error) {
		for i, r := range reqs {
			if err := capi.W3wb_claim_request_set(arr, int64(i), r.OrderID, r.IdempotencyKey); err != nil {
				return arr.Swigcptr(), err
			}
		}
		return arr.Swigcptr(), nil
	}, func(out *uintptr, p capi.Struct_SS_w3w_ctx, a capi.W3w_actor) error {
		return capi.W3w_claim_batch(out, p, a, arr, int64(len(reqs)))
	})
}

// ClaimProcessBatch settles many pending claims at once.
func (c *Context) ClaimProcessBatch(ctx context.Context, actor Actor, reqs []ProcessRequest) ([]BatchResult, error) {
	arr := capi.W3wb_process_requests_new(int64(len(reqs)))
	var text []string
	for _, r := range reqs {
		text = append(text, "claim_id", r.ClaimID, "idempotency_key", r.IdempotencyKey)
	}
	return c.batch(ctx, "ClaimProcessBatch", actor, text, func() (uintptr, error) {
		for i, r := range reqs {
			if err := capi.W3wb_process_request_set(arr, int64(i), r.ClaimID, r.IdempotencyKey); err != nil {
				return arr.Swigcptr(), err
			}
		}
		return arr.Swigcptr(), nil
	}, func(out *uintptr, p capi.Struct_SS_w3w_ctx, a capi.W3w_actor) error {
		return capi.W3w_claim_process_batch(out, p, a, arr, int64(len(reqs)))
	})
}

// DepositBatch makes many deposits at once (roles: service or admin).
func (c *Context) DepositBatch(ctx context.Context, actor Actor, reqs []DepositRequest) ([]BatchResult, error) {
	arr := capi.W3wb_deposit_requests_new(int64(len(reqs)))
	var text []string
	for _, r := range reqs {
		text = append(text, "user_id", r.UserID, "currency", r.Currency, "reference", r.Reference,
			"idempotency_key", r.IdempotencyKey)
	}
	return c.batch(ctx, "DepositBatch", actor, text, func() (uintptr, error) {
		for i, r := range reqs {
			if err := capi.W3wb_deposit_request_set(arr, int64(i), r.UserID, r.Currency, int64(r.Amount),
				r.Reference, r.IdempotencyKey); err != nil {
				return arr.Swigcptr(), err
			}
		}
		return arr.Swigcptr(), nil
	}, func(out *uintptr, p capi.Struct_SS_w3w_ctx, a capi.W3w_actor) error {
		return capi.W3w_deposit_batch(out, p, a, arr, int64(len(reqs)))
	})
}

// TransferBatch makes many transfers of the actor's funds at once.
func (c *Context) TransferBatch(ctx context.Context, actor Actor, reqs []TransferRequest) ([]BatchResult, error) {
	arr := capi.W3wb_transfer_requests_new(int64(len(reqs)))
	var text []string
	for _, r := range reqs {
		text = append(text, "to_user_id", r.ToUserID, "currency", r.Currency, "idempotency_key", r.IdempotencyKey)
	}
	return c.batch(ctx, "TransferBatch", actor, text, func() (uintptr, error) {
		for i, r := range reqs {
			if err := capi.W3wb_transfer_request_set(arr, int64(i), r.ToUserID, r.Currency, int64(r.Amount),
				r.IdempotencyKey); err != nil {
				return arr.Swigcptr(), err
			}
		}
		return arr.Swigcptr(), nil
	}, func(out *uintptr, p capi.Struct_SS_w3w_ctx, a capi.W3w_actor) error {
		return capi.W3w_transfer_batch(out, p, a, arr, int64(len(reqs)))
	})
}

// OrderCreateBatch places many orders at once.
func (c *Context) OrderCreateBatch(ctx context.Context, actor Actor, reqs []OrderRequest) ([]BatchResult, error) {
	arr := capi.W3wb_order_requests_new(int64(len(reqs)))
	items := make([]capi.W3w_order_item, 0, len(reqs))
	defer func() {
		for _, it := range items {
			capi.W3wb_order_items_free(it)
		}
	}()
	var text []string
	for n, r := range reqs {
		text = append(text, "currency", r.Currency, "idempotency_key", r.IdempotencyKey)
		for i, it := range r.Items {
			text = append(text, fmt.Sprintf("orders[%d].items[%d].product_id", n, i), it.ProductID,
				fmt.Sprintf("orders[%d].items[%d].product_name", n, i), it.ProductName)
		}
	}
	return c.batch(ctx, "OrderCreateBatch", actor, text, func() (uintptr, error) {
		for n, r := range reqs {
			list := capi.W3wb_order_items_new(int64(len(r.Items)))
			if list.Swigcptr() == 0 {
				return arr.Swigcptr(), &Error{Status: StatusNoMemory, Op: "OrderCreateBatch", Message: "items: out of memory"}
			}
			items = append(items, list)
			for i, it := range r.Items {
				if err := capi.W3wb_order_items_set(list, int64(i), it.ProductID, it.ProductName, int64(it.Price),
					it.Quantity); err != nil {
					return arr.Swigcptr(), err
				}
			}
			if err := capi.W3wb_order_request_set(arr, int64(n), r.Currency, list, int64(len(r.Items)),
				r.IdempotencyKey); err != nil {
				return arr.Swigcptr(), err
			}
		}
		return arr.Swigcptr(), nil
	}, func(out *uintptr, p capi.Struct_SS_w3w_ctx, a capi.W3w_actor) error {
		return capi.W3w_order_create_batch(out, p, a, arr, int64(len(reqs)))
	})
}
