package w3wallet_test

import (
	"errors"
	"testing"

	"github.com/libw3wallet/libw3wallet/bindings/go/w3wallet"
)

func statuses(rs []w3wallet.BatchResult) []w3wallet.Status {
	out := make([]w3wallet.Status, len(rs))
	for i, r := range rs {
		out[i] = r.Status
	}
	return out
}

func wantStatuses(t *testing.T, rs []w3wallet.BatchResult, want ...w3wallet.Status) {
	t.Helper()
	got := statuses(rs)
	if len(got) != len(want) {
		t.Fatalf("statuses %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("element %d: %v (%s), want %v", i, got[i], rs[i].Message, want[i])
		}
	}
}

func TestBatches(t *testing.T) {
	eachBackend(t, w3wallet.Options{}, func(t *testing.T, c *w3wallet.Context) {
		cur := freshCurrency()
		service := actor(w3wallet.RoleService)
		buyer, shopper := actor(w3wallet.RoleUser), actor(w3wallet.RoleUser)
		ref := "go-batch-" + w3wallet.NewID()
		deps := must(c.DepositBatch(bg, service, []w3wallet.DepositRequest{
			{UserID: buyer.UserID, Currency: cur, Amount: amt("10"), Reference: ref},
			{UserID: shopper.UserID, Currency: cur, Amount: amt("1"), Reference: ref},
		}))(t)
		wantStatuses(t, deps, w3wallet.StatusOK, w3wallet.StatusConflict)
		if err := deps[1].Err("DepositBatch"); !errors.Is(err, w3wallet.ErrConflict) {
			t.Fatalf("Err: %v", err)
		}
		must(c.SupplyCreate(bg, shopper, cur, amt("10"), ""))(t)
		orders := must(c.OrderCreateBatch(bg, buyer, []w3wallet.OrderRequest{
			{Currency: cur, Items: []w3wallet.OrderItem{item("2", 1)}},
			{Currency: cur, Items: []w3wallet.OrderItem{item("3", 1)}},
			{Currency: cur, Items: []w3wallet.OrderItem{item("30", 1)}},
		}))(t)
		wantStatuses(t, orders, w3wallet.StatusOK, w3wallet.StatusOK, w3wallet.StatusInsufficient)
		claims := must(c.ClaimBatch(bg, shopper, []w3wallet.ClaimRequest{
			{OrderID: orders[0].ID, IdempotencyKey: "k1"}, {OrderID: orders[1].ID}, {OrderID: orders[0].ID},
		}))(t)
		wantStatuses(t, claims, w3wallet.StatusOK, w3wallet.StatusOK, w3wallet.StatusConflict)
		again := must(c.ClaimBatch(bg, shopper, []w3wallet.ClaimRequest{{OrderID: orders[0].ID, IdempotencyKey: "k1"}}))(t)
		if !again[0].Replayed || again[0].ID != claims[0].ID {
			t.Fatalf("replay: %+v, first %+v", again[0], claims[0])
		}
		done := must(c.ClaimProcessBatch(bg, buyer, []w3wallet.ProcessRequest{{ClaimID: claims[0].ID}, {ClaimID: claims[1].ID}}))(t)
		wantStatuses(t, done, w3wallet.StatusOK, w3wallet.StatusOK)
		moved := must(c.TransferBatch(bg, shopper, []w3wallet.TransferRequest{
			{ToUserID: buyer.UserID, Currency: cur, Amount: amt("5")},
			{ToUserID: buyer.UserID, Currency: cur, Amount: amt("5")},
		}))(t)
		wantStatuses(t, moved, w3wallet.StatusOK, w3wallet.StatusInsufficient)
		acc := must(c.Account(bg, shopper, cur, ""))(t)
		if acc.Balance != 0 { // 2 + 3 earned, 5 sent
			t.Fatalf("shopper balance %v, want 0", acc.Balance)
		}
		if _, err := c.ClaimBatch(bg, shopper, nil); !errors.Is(err, w3wallet.ErrInvalid) {
			t.Fatalf("empty batch: %v", err)
		}
		if _, err := c.ClaimBatch(bg, shopper, make([]w3wallet.ClaimRequest, w3wallet.BatchMax+1)); !errors.Is(err, w3wallet.ErrInvalid) {
			t.Fatalf("8191 elements: %v", err)
		}
	})
}
