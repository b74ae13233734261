package w3wallet_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"testing"

	"github.com/libw3wallet/libw3wallet/bindings/go/w3wallet"
)

type amountVectors struct {
	MaxUnits string `json:"max_units"`
	Parse    []struct {
		Input         string `json:"input"`
		OK            bool   `json:"ok"`
		Units         string `json:"units"`
		ErrorContains string `json:"error_contains"`
	} `json:"parse"`
	Format []struct {
		Units string `json:"units"`
		Text  string `json:"text"`
	} `json:"format"`
}

func TestAmountVectors(t *testing.T) {
	var v amountVectors
	loadVector(t, "amounts.json", &v)
	maxUnits, _ := strconv.ParseInt(v.MaxUnits, 10, 64)
	if w3wallet.MaxAmount != w3wallet.Amount(maxUnits) {
		t.Fatalf("MaxAmount %d, vectors %d", w3wallet.MaxAmount, maxUnits)
	}
	for _, c := range v.Parse {
		a, err := w3wallet.ParseAmount(c.Input)
		if c.OK {
			want, _ := strconv.ParseInt(c.Units, 10, 64)
			if err != nil || a.Units() != want {
				t.Errorf("ParseAmount(%q) = %d, %v; want %d", c.Input, a.Units(), err, want)
			}
			continue
		}
		var we *w3wallet.Error
		if !errors.Is(err, w3wallet.ErrInvalid) || !errors.As(err, &we) || we.Message == "" ||
			!strings.Contains(strings.ToLower(we.Message), strings.ToLower(c.ErrorContains)) {
			t.Errorf("ParseAmount(%q): %v; want invalid containing %q", c.Input, err, c.ErrorContains)
		}
	}
	for _, c := range v.Format {
		u, err := strconv.ParseInt(c.Units, 10, 64)
		if err != nil {
			t.Fatal(err)
		}
		a := w3wallet.Amount(u)
		if a.String() != c.Text {
			t.Errorf("Amount(%d).String() = %q, want %q", u, a.String(), c.Text)
		}
		if u >= 0 && u <= maxUnits {
			back, err := w3wallet.ParseAmount(c.Text)
			if err != nil || back != a {
				t.Errorf("round trip %q: %d, %v", c.Text, back, err)
			}
			js, _ := json.Marshal(a)
			var again w3wallet.Amount
			if err := json.Unmarshal(js, &again); err != nil || again != a || string(js) != strconv.Quote(c.Text) {
				t.Errorf("JSON round trip %s: %d, %v", js, again, err)
			}
		}
	}
}

func TestAmountArithmetic(t *testing.T) {
	if got := must(amt("0.1").Mul(3))(t); got != amt("0.3") {
		t.Fatalf("0.1*3 = %v", got)
	}
	if _, err := w3wallet.MaxAmount.Mul(2); !errors.Is(err, w3wallet.ErrInvalid) {
		t.Fatalf("overflow: %v", err)
	}
	if got := must(amt("1.5").Add(amt("0.00000001")))(t); got.String() != "1.50000001" {
		t.Fatalf("%v", got)
	}
	if _, err := w3wallet.MaxAmount.Add(1); !errors.Is(err, w3wallet.ErrInvalid) {
		t.Fatalf("overflow: %v", err)
	}
	var a w3wallet.Amount
	if err := json.Unmarshal([]byte("1.5"), &a); err == nil {
		t.Fatal("a JSON number must be refused (precision)")
	}
	if w3wallet.Amount(-150000000).String() != "-1.5" || w3wallet.Amount(-1<<63).String() != "-92233720368.54775808" {
		t.Fatal("negative formatting")
	}
}

// ---- state machine --------------------------------------------------------

type smVectors struct {
	ImplicitActors map[string][]string `json:"implicit_actors"`
	Scenarios      []struct {
		Name   string              `json:"name"`
		Actors map[string][]string `json:"actors"`
		Steps  []struct {
			Actor   string         `json:"actor"`
			Command string         `json:"command"`
			Args    map[string]any `json:"args"`
			Expect  string         `json:"expect"`
			Save    string         `json:"save"`
		} `json:"steps"`
	} `json:"scenarios"`
}

type scenario struct {
	c      *w3wallet.Context
	cur    string
	alt    string
	actors map[string]w3wallet.Actor
	saved  map[string]string
}

func (s *scenario) str(a map[string]any, k, def string) string {
	if v, ok := a[k].(string); ok {
		return v
	}
	return def
}

func (s *scenario) id(a map[string]any, k string) string {
	name := s.str(a, k, "")
	if name == "$NEW_ID" {
		return w3wallet.NewID()
	}
	return s.saved[name]
}

func (s *scenario) amount(a map[string]any) w3wallet.Amount {
	if v, ok := a["amount"].(string); ok {
		return w3wallet.MustParseAmount(v)
	}
	return 0
}

func (s *scenario) run(actor w3wallet.Actor, cmd string, a map[string]any) (string, error) {
	c, key := s.c, s.str(a, "idempotency_key", "")
	switch cmd {
	case "deposit":
		t, err := c.Deposit(bg, actor, s.actors[s.str(a, "user", "")].UserID, s.cur, s.amount(a),
			s.str(a, "reference", "ref-"+w3wallet.NewID()), key)
		return t.ID, err
	case "withdraw":
		t, err := c.Withdraw(bg, actor, s.cur, s.amount(a), s.str(a, "chain", "evm"),
			s.str(a, "to_address", "0x000000000000000000000000000000000000dead"), key)
		return t.ID, err
	case "transfer":
		t, err := c.TransferFunds(bg, actor, s.actors[s.str(a, "to", "")].UserID, s.cur, s.amount(a), key)
		return t.ID, err
	case "supply_create":
		cur := s.cur
		if s.str(a, "currency", "$CUR") == "$ALT" {
			cur = s.alt
		}
		r, err := c.SupplyCreate(bg, actor, cur, s.amount(a), key)
		return r.ID, err
	case "supply_update":
		var p w3wallet.SupplyPatch
		if _, ok := a["amount"]; ok {
			amount := s.amount(a)
			p.Amount = &amount
		}
		if st := s.str(a, "status", ""); st != "" {
			p.Status = must2(w3wallet.ParseSupplyStatus(st))
		}
		r, err := c.SupplyUpdate(bg, actor, s.id(a, "supply"), p, key)
		return r.ID, err
	case "supply_delete":
		r, err := c.SupplyDelete(bg, actor, s.id(a, "supply"), key)
		return r.ID, err
	case "supply_get":
		r, err := c.SupplyGet(bg, actor, s.id(a, "supply"))
		return r.ID, err
	case "order_create":
		var items []w3wallet.OrderItem
		if list, ok := a["items"].([]any); ok {
			for _, x := range list {
				m := x.(map[string]any)
				items = append(items, w3wallet.OrderItem{ProductID: w3wallet.NewID(), ProductName: "item",
					Price: w3wallet.MustParseAmount(m["price"].(string)), Quantity: int64(m["quantity"].(float64))})
			}
		} else {
			items = []w3wallet.OrderItem{{ProductID: w3wallet.NewID(), ProductName: "item", Price: s.amount(a), Quantity: 1}}
		}
		r, err := c.OrderCreate(bg, actor, s.cur, items, key)
		return r.ID, err
	case "order_cancel":
		r, err := c.OrderCancel(bg, actor, s.id(a, "order"), key)
		return r.ID, err
	case "order_get":
		r, err := c.OrderGet(bg, actor, s.id(a, "order"))
		return r.ID, err
	case "claim_order":
		r, err := c.ClaimOrder(bg, actor, s.id(a, "order"), key)
		return r.ID, err
	case "claim_process":
		r, err := c.ClaimProcess(bg, actor, s.id(a, "claim"), key)
		return r.ID, err
	case "claim_release":
		r, err := c.ClaimRelease(bg, actor, s.id(a, "claim"), key)
		return r.ID, err
	case "claim_get":
		r, err := c.ClaimGet(bg, actor, s.id(a, "claim"))
		return r.ID, err
	}
	return "", s.check(actor, cmd, a)
}

func must2[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

type checkFailed struct{ msg string }

func (e checkFailed) Error() string { return e.msg }

func (s *scenario) check(actor w3wallet.Actor, cmd string, a map[string]any) error {
	c := s.c
	cmp := func(field string, got fmt.Stringer) error {
		if want, ok := a[field].(string); ok && got.String() != w3wallet.MustParseAmount(want).String() {
			return checkFailed{fmt.Sprintf("%s: %v != %s", field, got, want)}
		}
		return nil
	}
	switch cmd {
	case "check_account":
		acc, err := c.Account(bg, actor, s.cur, s.actors[s.str(a, "user", "")].UserID)
		if err != nil {
			return err
		}
		return errors.Join(cmp("balance", acc.Balance), cmp("held", acc.Held), cmp("available", acc.Available))
	case "check_supply":
		sup, err := c.SupplyGet(bg, actor, s.id(a, "supply"))
		if err != nil {
			return err
		}
		if st := s.str(a, "status", ""); st != "" && sup.Status.String() != st {
			return checkFailed{"status " + sup.Status.String()}
		}
		return errors.Join(cmp("amount", sup.Amount), cmp("reserved", sup.Reserved))
	case "check_order":
		o, err := c.OrderGet(bg, actor, s.id(a, "order"))
		if err == nil && o.Status.String() != s.str(a, "status", "") {
			return checkFailed{"order status " + o.Status.String()}
		}
		return err
	case "check_claim":
		cl, err := c.ClaimGet(bg, actor, s.id(a, "claim"))
		if err != nil {
			return err
		}
		if st := s.str(a, "status", ""); st != "" && cl.Status.String() != st {
			return checkFailed{"claim status " + cl.Status.String()}
		}
		if _, ok := a["supply"]; ok && cl.SupplyID != s.id(a, "supply") {
			return checkFailed{"claim supply " + cl.SupplyID}
		}
		return nil
	case "check_live_claim":
		live, err := c.ClaimGetByOrder(bg, actor, s.id(a, "order"))
		if a["claim"] == nil {
			if !errors.Is(err, w3wallet.ErrNotFound) {
				return checkFailed{fmt.Sprintf("want no live claim, got %+v, %v", live, err)}
			}
			return nil
		}
		if err != nil {
			return err
		}
		if live.ID != s.id(a, "claim") {
			return checkFailed{"live claim " + live.ID}
		}
		return nil
	}
	return checkFailed{"unknown command " + cmd}
}

func statusOf(err error) string {
	var we *w3wallet.Error
	switch {
	case err == nil:
		return "ok"
	case errors.As(err, &we):
		return we.Status.String()
	default:
		return "error: " + err.Error()
	}
}

func TestStateMachineVectors(t *testing.T) {
	var v smVectors
	loadVector(t, "state_machine.json", &v)
	eachBackend(t, w3wallet.Options{}, func(t *testing.T, c *w3wallet.Context) {
		for _, sc := range v.Scenarios {
			sc := sc
			t.Run(sc.Name, func(t *testing.T) {
				s := &scenario{c: c, cur: freshCurrency(), alt: freshCurrency(),
					actors: map[string]w3wallet.Actor{}, saved: map[string]string{}}
				for _, roles := range []map[string][]string{v.ImplicitActors, sc.Actors} {
					for name, r := range roles {
						s.actors[name] = w3wallet.Actor{UserID: w3wallet.NewID(), Roles: must(w3wallet.ParseRoles(strings.Join(r, ",")))(t)}
					}
				}
				for n, step := range sc.Steps {
					id, err := s.run(s.actors[step.Actor], step.Command, step.Args)
					if got := statusOf(err); got != step.Expect {
						t.Fatalf("step %d %s %v: got %s, want %s", n, step.Command, step.Args, got, step.Expect)
					}
					if step.Save != "" && err == nil {
						if prev, ok := s.saved[step.Save]; ok && prev != id {
							t.Fatalf("step %d: retry returned %s, first %s", n, id, prev)
						}
						s.saved[step.Save] = id
					}
				}
				for _, cur := range []string{s.cur, s.alt} {
					if tot := must(c.LedgerTotals(bg, s.actors["admin"], cur))(t); !tot.Holds() {
						t.Fatalf("%s totals: %+v", cur, tot)
					}
				}
			})
		}
	})
}
