package w3wallet_test

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/libw3wallet/libw3wallet/bindings/go/w3wallet"
)

func TestMarketplaceStory(t *testing.T) {
	eachBackend(t, w3wallet.Options{ManualRelay: true}, func(t *testing.T, c *w3wallet.Context) {
		sub := must(c.Subscribe(0))(t)
		defer sub.Close()
		cur := freshCurrency()
		service, admin := actor(w3wallet.RoleService), actor(w3wallet.RoleAdmin)
		buyer, shopper := actor(w3wallet.RoleUser), actor(w3wallet.RoleUser)

		// 1. a service deposits 100 for the buyer
		dep := must(c.Deposit(bg, service, buyer.UserID, cur, amt("100"), "bank-"+buyer.UserID, ""))(t)
		if dep.Kind != w3wallet.TransferDeposit || dep.Amount != amt("100") || dep.ToUserID != buyer.UserID {
			t.Fatalf("deposit: %+v", dep)
		}
		// 2. the shopper declares 50 of supply
		sup := must(c.SupplyCreate(bg, shopper, cur, amt("50"), ""))(t)
		if sup.Status != w3wallet.SupplyActive || sup.Amount != amt("50") || sup.Reserved != 0 {
			t.Fatalf("supply: %+v", sup)
		}
		// 3. the buyer orders 2 x 12.5 + 1 x 0.25: escrow of 25.25 is held
		order := must(c.OrderCreate(bg, buyer, cur, []w3wallet.OrderItem{item("12.5", 2), item("0.25", 1)}, "order-1"))(t)
		if order.Amount != amt("25.25") || order.Status != w3wallet.OrderOpen || len(order.Items) != 2 || order.Items[0].ID == "" {
			t.Fatalf("order: %+v", order)
		}
		acc := must(c.Account(bg, buyer, cur, ""))(t)
		if acc.Balance != amt("100") || acc.Held != amt("25.25") || acc.Available != amt("74.75") {
			t.Fatalf("buyer after order: %+v", acc)
		}
		// 4. the shopper claims it
		claim := must(c.ClaimOrder(bg, shopper, order.ID, ""))(t)
		if claim.Status != w3wallet.ClaimPending || claim.SupplyID != sup.ID || !claim.ProcessedAt.IsZero() {
			t.Fatalf("claim: %+v", claim)
		}
		if s := must(c.SupplyGet(bg, shopper, sup.ID))(t); s.Reserved != amt("25.25") {
			t.Fatalf("reserved: %v", s.Reserved)
		}
		if live := must(c.ClaimGetByOrder(bg, buyer, order.ID))(t); live != claim {
			t.Fatalf("live claim %+v != %+v", live, claim)
		}
		// 5. the buyer confirms: escrow settles to the shopper
		done := must(c.ClaimProcess(bg, buyer, claim.ID, ""))(t)
		if done.Status != w3wallet.ClaimProcessed || done.ProcessedAt.IsZero() {
			t.Fatalf("processed: %+v", done)
		}
		if o := must(c.OrderGet(bg, admin, order.ID))(t); o.Status != w3wallet.OrderCompleted {
			t.Fatalf("order status %v", o.Status)
		}
		b := must(c.Account(bg, buyer, cur, ""))(t)
		s := must(c.Account(bg, admin, cur, shopper.UserID))(t)
		if b.Balance != amt("74.75") || b.Held != 0 || s.Balance != amt("25.25") || s.Available != amt("25.25") {
			t.Fatalf("balances: buyer %+v shopper %+v", b, s)
		}
		if s := must(c.SupplyGet(bg, shopper, sup.ID))(t); s.Amount != amt("24.75") || s.Reserved != 0 {
			t.Fatalf("supply after: %+v", s)
		}
		totals := must(c.LedgerTotals(bg, admin, cur))(t)
		if !totals.Holds() || totals.Deposits != amt("100") {
			t.Fatalf("totals: %+v", totals)
		}

		// the story's events, in commit order
		if _, err := c.EventsPump(bg, 0); err != nil {
			t.Fatal(err)
		}
		want := []string{"wallet.deposited", "supply.created", "order.created", "order.claimed", "claim.processed"}
		var got []string
		ours := map[string]bool{order.ID: true, sup.ID: true, claim.ID: true, dep.ID: true, buyer.UserID: true}
		for len(got) < len(want) {
			ctx, cancel := context.WithTimeout(bg, 2*time.Second)
			ev, err := sub.Next(ctx)
			cancel()
			if err != nil {
				t.Fatalf("events so far %v: %v", got, err)
			}
			var payload map[string]any
			if err := json.Unmarshal(ev.Payload, &payload); err != nil {
				t.Fatalf("payload %s: %v", ev.Payload, err)
			}
			if ours[ev.AggregateID] || payload["currency"] == cur {
				got = append(got, ev.Type)
			}
		}
		for i := range want {
			if got[i] != want[i] {
				t.Fatalf("events %v, want %v", got, want)
			}
		}
		report := must(c.AuditVerify(bg, actor(w3wallet.RoleAuditor)))(t)
		if !report.OK || report.Records == 0 {
			t.Fatalf("audit: %+v", report)
		}
	})
}

func TestListsPageThrough(t *testing.T) {
	c := openSQLite(t)
	cur := freshCurrency()
	service, buyer := actor(w3wallet.RoleService), actor(w3wallet.RoleUser)
	fund(t, c, service, buyer, cur, "100")
	var ids []string
	for i := 0; i < 5; i++ {
		ids = append(ids, must(c.OrderCreate(bg, buyer, cur, []w3wallet.OrderItem{item("1", 1)}, ""))(t).ID)
	}
	var seen []string
	q := w3wallet.OrderQuery{UserID: buyer.UserID, Limit: 2}
	for {
		page := must(c.OrderList(bg, buyer, q))(t)
		for _, o := range page.Items {
			seen = append(seen, o.ID)
			if o.Items != nil {
				t.Fatal("list pages carry no items")
			}
		}
		if page.NextCursor == "" {
			break
		}
		q.Cursor = page.NextCursor
	}
	if len(seen) != len(ids) {
		t.Fatalf("seen %v want %v", seen, ids)
	}
	for i := range ids {
		if seen[i] != ids[i] {
			t.Fatalf("seen %v want %v", seen, ids)
		}
	}
	shopper := actor(w3wallet.RoleUser)
	s := must(c.SupplyCreate(bg, shopper, cur, amt("3"), ""))(t)
	sp := must(c.SupplyList(bg, shopper, w3wallet.SupplyQuery{Status: w3wallet.SupplyActive}))(t)
	if len(sp.Items) != 1 || sp.Items[0] != s {
		t.Fatalf("supply page %+v", sp)
	}
	zero := w3wallet.Amount(0)
	if s := must(c.SupplyUpdate(bg, shopper, s.ID, w3wallet.SupplyPatch{Amount: &zero}, ""))(t); s.Status != w3wallet.SupplyExhausted {
		t.Fatalf("exhausted: %+v", s)
	}
	if s := must(c.SupplyDelete(bg, shopper, s.ID, ""))(t); s.Status.String() != "deleted" {
		t.Fatalf("deleted: %+v", s)
	}
}

func TestTransfersAndWithdrawals(t *testing.T) {
	c := openSQLite(t)
	cur := freshCurrency()
	service, admin := actor(w3wallet.RoleService), actor(w3wallet.RoleAdmin)
	a, b := actor(w3wallet.RoleUser), actor(w3wallet.RoleUser)
	fund(t, c, service, a, cur, "10")
	tr := must(c.TransferFunds(bg, a, b.UserID, cur, amt("2.5"), ""))(t)
	if tr.Kind != w3wallet.TransferTransfer || tr.Kind.String() != "transfer" {
		t.Fatalf("%+v", tr)
	}
	w := must(c.Withdraw(bg, b, cur, amt("1"), "evm", "0x000000000000000000000000000000000000dEaD", ""))(t)
	if w.Kind != w3wallet.TransferWithdrawal {
		t.Fatalf("%+v", w)
	}
	if acc := must(c.Account(bg, admin, cur, b.UserID))(t); acc.Balance != amt("1.5") {
		t.Fatalf("%+v", acc)
	}
	if tot := must(c.LedgerTotals(bg, admin, cur))(t); !tot.Holds() || tot.Withdrawals != amt("1") {
		t.Fatalf("%+v", tot)
	}
	st := must(c.OutboxStats(bg, service))(t)
	if st.Total < 3 || st.LastSeq < 3 {
		t.Fatalf("%+v", st)
	}
}

func TestCancelledContextStopsBeforeTheCall(t *testing.T) {
	c := openSQLite(t)
	ctx, cancel := context.WithCancel(bg)
	cancel()
	if _, err := c.SupplyCreate(ctx, actor(w3wallet.RoleUser), freshCurrency(), amt("1"), ""); err != context.Canceled {
		t.Fatalf("got %v", err)
	}
	sub := must(c.Subscribe(0))(t)
	ctx, cancel = context.WithTimeout(bg, 150*time.Millisecond)
	defer cancel()
	t0 := time.Now()
	if _, err := sub.Next(ctx); err != context.DeadlineExceeded {
		t.Fatalf("Next: %v", err)
	}
	if d := time.Since(t0); d > time.Second {
		t.Fatalf("Next took %v after its deadline", d)
	}
}
