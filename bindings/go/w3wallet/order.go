package w3wallet

import (
	"context"
	"fmt"

	"github.com/libw3wallet/libw3wallet/bindings/go/w3wallet/internal/capi"
)

// OrderQuery filters and pages OrderList.
type OrderQuery struct {
	UserID string      // "" = everyone's orders
	Status OrderStatus // 0 = any
	Limit  int         // 1..500; 0 = 50
	Cursor string      // "" = first page, else the previous page's NextCursor
}

// orderCall runs a command whose result is a library-allocated order.
func (c *Context) orderCall(ctx context.Context, op string, actor Actor, text []string,
	fn func(out *uintptr, p capi.Struct_SS_w3w_ctx, a capi.W3w_actor) error) (Order, error) {
	var order Order
	err := c.call(ctx, op, &actor, text, func(p capi.Struct_SS_w3w_ctx, a capi.W3w_actor) error {
		var ptr uintptr
		if err := fn(&ptr, p, a); err != nil {
			return err
		}
		co := capi.SwigcptrW3w_order(ptr)
		defer capi.W3w_order_free(co)
		order = orderFromC(co)
		return nil
	})
	return order, err
}

// OrderCreate places an order of 1..100 items for the actor and holds its
// amount as escrow (ErrInsufficientFunds when the actor's available funds
// are short; ErrInvalid names the bad item field, "items[2].price: ...").
func (c *Context) OrderCreate(ctx context.Context, actor Actor, currency string, items []OrderItem,
	idempotencyKey string) (Order, error) {
	const op = "OrderCreate"
	text := []string{"currency", currency, "idempotency_key", idempotencyKey}
	for i, it := range items {
		text = append(text, fmt.Sprintf("items[%d].product_id", i), it.ProductID,
			fmt.Sprintf("items[%d].product_name", i), it.ProductName)
	}
	if err := noNUL(op, text...); err != nil {
		return Order{}, err
	}
	arr := capi.W3wb_order_items_new(int64(len(items)))
	if arr.Swigcptr() == 0 {
		return Order{}, &Error{Status: StatusNoMemory, Op: op, Message: "items: out of memory"}
	}
	defer capi.W3wb_order_items_free(arr)
	for i, it := range items {
		if err := capi.W3wb_order_items_set(arr, int64(i), it.ProductID, it.ProductName, int64(it.Price), it.Quantity); err != nil {
			return Order{}, wrap(op, err)
		}
	}
	return c.orderCall(ctx, op, actor, nil, func(out *uintptr, p capi.Struct_SS_w3w_ctx, a capi.W3w_actor) error {
		return capi.W3w_order_create(out, p, a, currency, arr, int64(len(items)), idempotencyKey)
	})
}

// OrderGet reads one order with its items (any user may read orders).
func (c *Context) OrderGet(ctx context.Context, actor Actor, orderID string) (Order, error) {
	return c.orderCall(ctx, "OrderGet", actor, []string{"order_id", orderID},
		func(out *uintptr, p capi.Struct_SS_w3w_ctx, a capi.W3w_actor) error {
			return capi.W3w_order_get(out, p, a, orderID)
		})
}

// OrderCancel cancels an open order (owner or admin) and releases its escrow.
// A claimed order is ErrConflict; completed or cancelled is ErrInvalidState.
func (c *Context) OrderCancel(ctx context.Context, actor Actor, orderID, idempotencyKey string) (Order, error) {
	return c.orderCall(ctx, "OrderCancel", actor, []string{"order_id", orderID, "idempotency_key", idempotencyKey},
		func(out *uintptr, p capi.Struct_SS_w3w_ctx, a capi.W3w_actor) error {
			return capi.W3w_order_cancel(out, p, a, orderID, idempotencyKey)
		})
}

// OrderList is a page of orders (without items), oldest first.
func (c *Context) OrderList(ctx context.Context, actor Actor, q OrderQuery) (OrderPage, error) {
	var page OrderPage
	cq, err := listQuery("OrderList", q.UserID, int(q.Status), q.Limit, q.Cursor)
	if err != nil {
		return page, err
	}
	defer capi.DeleteW3w_list_query(cq)
	err = c.call(ctx, "OrderList", &actor, nil, func(p capi.Struct_SS_w3w_ctx, a capi.W3w_actor) error {
		var pp uintptr
		if err := capi.W3w_order_list(&pp, p, a, cq); err != nil {
			return err
		}
		cpage := capi.SwigcptrW3w_order_page(pp)
		defer capi.W3w_order_page_free(cpage)
		n := cpage.GetCount()
		page.Items = make([]Order, 0, n)
		for i := int64(0); i < n; i++ {
			page.Items = append(page.Items, orderFromC(capi.W3wb_order_page_at(cpage, i)))
		}
		page.NextCursor = cpage.GetNext_cursor()
		return nil
	})
	return page, err
}
