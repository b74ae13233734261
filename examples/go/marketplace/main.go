// The marketplace story of docs/design.md through the Go binding, on the embedded
// default (a SQLite file, in-process cache and events):
//
//	a service deposits funds for a buyer; a shopper declares supply; the
//	buyer orders items (escrow held); the shopper claims the order; the
//	buyer confirms (processes the claim); escrow settles to the shopper.
//
// Exits non-zero if any result differs from the story.
// Usage: marketplace [STORAGE_URL]   (default sqlite:marketplace.db)
package main

import (
	"context"
	"errors"
	"fmt"
	"log"
	"os"
	"time"

	"github.com/libw3wallet/libw3wallet/bindings/go/w3wallet"
)

func expect(what string, got, want any) {
	if got != want {
		log.Fatalf("MISMATCH %s: got %v, want %v", what, got, want)
	}
}

func check[T any](v T, err error) T {
	if err != nil {
		log.Fatal(err)
	}
	return v
}

func main() {
	log.SetFlags(0)
	url := "sqlite:marketplace.db"
	if len(os.Args) > 1 {
		url = os.Args[1]
	}
	ctx := context.Background()
	fmt.Printf("libw3wallet %s (Go binding)\n", w3wallet.Version())
	// ManualRelay: this program pumps events itself, to print them in order.
	wctx := check(w3wallet.Open(w3wallet.Options{StorageURL: url, ManualRelay: true}))
	defer wctx.Close()
	events := check(wctx.Subscribe(0))
	defer events.Close()

	service := w3wallet.Actor{UserID: w3wallet.NewID(), Roles: w3wallet.RoleService}
	buyer := w3wallet.Actor{UserID: w3wallet.NewID(), Roles: w3wallet.RoleUser}
	shopper := w3wallet.Actor{UserID: w3wallet.NewID(), Roles: w3wallet.RoleUser}
	auditor := w3wallet.Actor{UserID: w3wallet.NewID(), Roles: w3wallet.RoleAuditor}
	usdc := w3wallet.MustParseAmount

	fmt.Println("1. deposit 100 USDC for the buyer")
	check(wctx.Deposit(ctx, service, buyer.UserID, "USDC", usdc("100"), "bank-transfer-"+buyer.UserID, ""))

	fmt.Println("2. the shopper declares 50 USDC of supply")
	supply := check(wctx.SupplyCreate(ctx, shopper, "USDC", usdc("50"), ""))

	fmt.Println("3. the buyer orders 2 x 12.5 + 1 x 0.25 USDC")
	order := check(wctx.OrderCreate(ctx, buyer, "USDC", []w3wallet.OrderItem{
		{ProductID: w3wallet.NewID(), ProductName: "Hardware wallet", Price: usdc("12.5"), Quantity: 2},
		{ProductID: w3wallet.NewID(), ProductName: "Sticker", Price: usdc("0.25"), Quantity: 1},
	}, "order-"+buyer.UserID))
	expect("order amount", order.Amount, usdc("25.25"))
	expect("buyer held", check(wctx.Account(ctx, buyer, "USDC", "")).Held, usdc("25.25"))

	fmt.Println("4. the shopper claims the order")
	claim := check(wctx.ClaimOrder(ctx, shopper, order.ID, ""))
	stranger := w3wallet.Actor{UserID: w3wallet.NewID(), Roles: w3wallet.RoleUser}
	if _, err := wctx.ClaimOrder(ctx, stranger, order.ID, ""); errors.Is(err, w3wallet.ErrConflict) || errors.Is(err, w3wallet.ErrInsufficientFunds) {
		fmt.Printf("   a second claimer is refused: %v\n", err)
	} else {
		log.Fatalf("MISMATCH: a second claim gave %v", err)
	}

	fmt.Println("5. the buyer confirms delivery: the claim is processed")
	claim = check(wctx.ClaimProcess(ctx, buyer, claim.ID, ""))
	expect("claim status", claim.Status, w3wallet.ClaimProcessed)

	fmt.Println("balances:")
	for _, who := range []struct {
		name  string
		actor w3wallet.Actor
	}{{"buyer", buyer}, {"shopper", shopper}} {
		for _, acc := range check(wctx.Accounts(ctx, who.actor, "")) {
			fmt.Printf("  %-8s %s balance=%s held=%s available=%s\n", who.name, acc.Currency, acc.Balance, acc.Held, acc.Available)
		}
	}
	b := check(wctx.Account(ctx, buyer, "USDC", ""))
	s := check(wctx.Account(ctx, shopper, "USDC", ""))
	expect("buyer balance", b.Balance, usdc("74.75"))
	expect("buyer held", b.Held, usdc("0"))
	expect("shopper balance", s.Balance, usdc("25.25"))
	supply = check(wctx.SupplyGet(ctx, shopper, supply.ID))
	fmt.Printf("  supply   amount=%s reserved=%s status=%s\n", supply.Amount, supply.Reserved, supply.Status)
	expect("supply amount", supply.Amount, usdc("24.75"))
	expect("supply reserved", supply.Reserved, usdc("0"))

	fmt.Println("events:")
	check(wctx.EventsPump(ctx, 0))
	want := []string{"wallet.deposited", "supply.created", "order.created", "order.claimed", "claim.processed"}
	for i, typ := range want {
		wait, cancel := context.WithTimeout(ctx, 2*time.Second)
		ev, err := events.Next(wait)
		cancel()
		if err != nil {
			log.Fatalf("MISMATCH event %d: %v", i, err)
		}
		fmt.Printf("  event %-18s %-14s key=%s at %s\n", ev.Type, ev.Topic, ev.AggregateID, ev.CreatedAt.Format(time.RFC3339Nano))
		expect(fmt.Sprintf("event %d", i), ev.Type, typ)
	}

	report := check(wctx.AuditVerify(ctx, auditor))
	expect("audit chain ok", report.OK, true)
	fmt.Printf("audit chain: %d records, ok\n", report.Records)
}
