package w3wallet_test

import (
	"errors"
	"math/rand"
	"sync"
	"testing"

	"github.com/libw3wallet/libw3wallet/bindings/go/w3wallet"
)

// 64 goroutines race to claim the same orders: exactly one winner each.
func TestGoroutinesRaceToClaim(t *testing.T) {
	const racers, orders = 64, 16
	eachBackend(t, w3wallet.Options{PoolSize: 8}, func(t *testing.T, c *w3wallet.Context) {
		cur := freshCurrency()
		service, admin, buyer := actor(w3wallet.RoleService), actor(w3wallet.RoleAdmin), actor(w3wallet.RoleUser)
		fund(t, c, service, buyer, cur, "1000")
		var os []w3wallet.Order
		for i := 0; i < orders; i++ {
			os = append(os, must(c.OrderCreate(bg, buyer, cur, []w3wallet.OrderItem{item("1.5", 1)}, ""))(t))
		}
		shoppers := make([]w3wallet.Actor, racers)
		for i := range shoppers {
			shoppers[i] = actor(w3wallet.RoleUser)
			must(c.SupplyCreate(bg, shoppers[i], cur, amt("1000"), ""))(t)
		}
		var mu sync.Mutex
		wins := map[string][]w3wallet.Claim{}
		conflicts := map[string]int{}
		var failures []error
		start := make(chan struct{})
		var wg sync.WaitGroup
		for g := 0; g < racers; g++ {
			wg.Add(1)
			go func(me w3wallet.Actor) {
				defer wg.Done()
				mine := append([]w3wallet.Order(nil), os...)
				rand.Shuffle(len(mine), func(i, j int) { mine[i], mine[j] = mine[j], mine[i] })
				<-start
				for _, o := range mine {
					cl, err := c.ClaimOrder(bg, me, o.ID, "")
					mu.Lock()
					switch {
					case err == nil:
						wins[o.ID] = append(wins[o.ID], cl)
					case errors.Is(err, w3wallet.ErrConflict):
						conflicts[o.ID]++
					default:
						failures = append(failures, err)
					}
					mu.Unlock()
				}
			}(shoppers[g])
		}
		close(start)
		wg.Wait()
		for _, err := range failures {
			t.Errorf("unexpected: %v", err)
		}
		for _, o := range os {
			if len(wins[o.ID]) != 1 || conflicts[o.ID] != racers-1 {
				t.Fatalf("order %s: %d winners, %d conflicts", o.ID, len(wins[o.ID]), conflicts[o.ID])
			}
			live := must(c.ClaimGetByOrder(bg, admin, o.ID))(t)
			if live.ID != wins[o.ID][0].ID {
				t.Fatalf("live claim %s, winner %s", live.ID, wins[o.ID][0].ID)
			}
		}
		if tot := must(c.LedgerTotals(bg, admin, cur))(t); !tot.Holds() || tot.Reserved != amt("24") {
			t.Fatalf("totals %+v", tot)
		}
	})
}
