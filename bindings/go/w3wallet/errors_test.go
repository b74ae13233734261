package w3wallet_test

import (
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/libw3wallet/libw3wallet/bindings/go/w3wallet"
)

func TestEveryStatusHasItsSentinel(t *testing.T) {
	cases := []struct {
		s    w3wallet.Status
		err  error
		name string
	}{
		{w3wallet.StatusInvalid, w3wallet.ErrInvalid, "invalid"},
		{w3wallet.StatusNoMemory, w3wallet.ErrNoMemory, "out_of_memory"},
		{w3wallet.StatusNotFound, w3wallet.ErrNotFound, "not_found"},
		{w3wallet.StatusConflict, w3wallet.ErrConflict, "conflict"},
		{w3wallet.StatusInsufficient, w3wallet.ErrInsufficientFunds, "insufficient_funds"},
		{w3wallet.StatusForbidden, w3wallet.ErrForbidden, "forbidden"},
		{w3wallet.StatusInvalidState, w3wallet.ErrInvalidState, "invalid_state"},
		{w3wallet.StatusIdempotency, w3wallet.ErrIdempotency, "idempotency_mismatch"},
		{w3wallet.StatusUnavailable, w3wallet.ErrUnavailable, "unavailable"},
		{w3wallet.StatusVersion, w3wallet.ErrVersion, "version_mismatch"},
		{w3wallet.StatusUnauthenticated, w3wallet.ErrUnauthenticated, "unauthenticated"},
		{w3wallet.StatusRateLimited, w3wallet.ErrRateLimited, "rate_limited"},
		{w3wallet.StatusCrypto, w3wallet.ErrCrypto, "crypto"},
		{w3wallet.StatusInternal, w3wallet.ErrInternal, "internal"},
		{w3wallet.StatusOutcomeUnknown, w3wallet.ErrOutcomeUnknown, "outcome_unknown"},
		{w3wallet.StatusLimitExceeded, w3wallet.ErrLimitExceeded, "limit_exceeded"},
	}
	for _, tc := range cases {
		var err error = &w3wallet.Error{Status: tc.s, Op: "Op", Message: "msg"}
		if !errors.Is(err, tc.err) || w3wallet.Sentinel(tc.s) != tc.err {
			t.Errorf("%v: not %v", tc.s, tc.err)
		}
		if tc.s.String() != tc.name {
			t.Errorf("%d: name %q, want %q", tc.s, tc.s.String(), tc.name)
		}
		for _, other := range cases {
			if other.s != tc.s && errors.Is(err, other.err) {
				t.Errorf("%v also matches %v", tc.s, other.err)
			}
		}
	}
	if !errors.Is(&w3wallet.Error{Status: -999}, w3wallet.ErrUnknown) {
		t.Error("unknown status")
	}
}

func TestErrorsFromRealCalls(t *testing.T) {
	eachBackend(t, w3wallet.Options{}, func(t *testing.T, c *w3wallet.Context) {
		cur := freshCurrency()
		service := actor(w3wallet.RoleService)
		buyer, shopper, stranger := actor(w3wallet.RoleUser), actor(w3wallet.RoleUser), actor(w3wallet.RoleUser)
		expect := func(err, want error, contains string) {
			t.Helper()
			if !errors.Is(err, want) {
				t.Fatalf("got %v, want %v", err, want)
			}
			var we *w3wallet.Error
			if !errors.As(err, &we) || we.Message == "" || !strings.Contains(we.Message, contains) {
				t.Fatalf("error %#v lacks %q", err, contains)
			}
		}
		_, err := c.Deposit(bg, service, buyer.UserID, "not a currency", amt("1"), "r1", "")
		expect(err, w3wallet.ErrInvalid, "currency")
		_, err = c.Deposit(bg, buyer, buyer.UserID, cur, amt("1"), "r2", "")
		expect(err, w3wallet.ErrForbidden, "")
		_, err = c.OrderCreate(bg, buyer, cur, []w3wallet.OrderItem{item("5", 1)}, "")
		expect(err, w3wallet.ErrInsufficientFunds, "")

		fund(t, c, service, buyer, cur, "100")
		order := must(c.OrderCreate(bg, buyer, cur, []w3wallet.OrderItem{item("10", 1)}, ""))(t)
		_, err = c.ClaimOrder(bg, buyer, order.ID, "")
		expect(err, w3wallet.ErrForbidden, "")
		_, err = c.ClaimOrder(bg, shopper, order.ID, "")
		expect(err, w3wallet.ErrInsufficientFunds, "")
		must(c.SupplyCreate(bg, shopper, cur, amt("50"), ""))(t)
		must(c.SupplyCreate(bg, stranger, cur, amt("50"), ""))(t)
		claim := must(c.ClaimOrder(bg, shopper, order.ID, ""))(t)
		_, err = c.ClaimOrder(bg, stranger, order.ID, "")
		expect(err, w3wallet.ErrConflict, order.ID)
		_, err = c.OrderGet(bg, buyer, w3wallet.NewID())
		expect(err, w3wallet.ErrNotFound, "")
		must(c.ClaimProcess(bg, buyer, claim.ID, ""))(t)
		_, err = c.ClaimProcess(bg, buyer, claim.ID, "")
		expect(err, w3wallet.ErrInvalidState, "")
		must(c.Deposit(bg, service, buyer.UserID, cur, amt("1"), "same-ref", "k1"))(t)
		_, err = c.Deposit(bg, service, buyer.UserID, cur, amt("2"), "same-ref", "k1")
		expect(err, w3wallet.ErrIdempotency, "")
		_, err = c.Deposit(bg, service, buyer.UserID, cur, amt("1"), "same-ref", "")
		expect(err, w3wallet.ErrConflict, "")
	})
}

func TestBadInputAndOpenErrors(t *testing.T) {
	c := openSQLite(t)
	if _, err := c.SupplyGet(bg, actor(w3wallet.RoleUser), "abc\x00def"); !errors.Is(err, w3wallet.ErrInvalid) {
		t.Fatalf("NUL: %v", err)
	}
	long := w3wallet.OrderItem{ProductID: w3wallet.NewID(), ProductName: strings.Repeat("x", 300), Price: amt("1"), Quantity: 1}
	if _, err := c.OrderCreate(bg, actor(w3wallet.RoleUser), "USD", []w3wallet.OrderItem{long}, ""); !errors.Is(err, w3wallet.ErrInvalid) ||
		!strings.Contains(err.Error(), "product_name") {
		t.Fatalf("long name: %v", err)
	}
	if _, err := c.SupplyList(bg, w3wallet.Actor{UserID: "nope", Roles: w3wallet.RoleUser}, w3wallet.SupplyQuery{}); !errors.Is(err, w3wallet.ErrInvalid) {
		t.Fatalf("bad actor: %v", err)
	}
	if _, err := w3wallet.Open(w3wallet.Options{StorageURL: "sqlite:" + strings.Repeat("x", 2000)}); !errors.Is(err, w3wallet.ErrInvalid) ||
		!strings.Contains(err.Error(), "storage_url") {
		t.Fatalf("long url: %v", err)
	}
	if _, err := w3wallet.Open(w3wallet.Options{StorageURL: "nosuchscheme://x"}); !errors.Is(err, w3wallet.ErrInvalid) {
		t.Fatalf("bad scheme: %v", err)
	}
	_, err := w3wallet.Open(w3wallet.Options{StorageURL: "postgres://u:p@127.0.0.1:1/db", Timeout: 500 * time.Millisecond})
	if !errors.Is(err, w3wallet.ErrUnavailable) && !errors.Is(err, w3wallet.ErrInvalid) {
		t.Fatalf("unreachable postgres: %v", err)
	}
	c2 := openSQLite(t)
	c2.Close()
	c2.Close()
	if _, err := c2.SupplyList(bg, actor(w3wallet.RoleUser), w3wallet.SupplyQuery{}); !errors.Is(err, w3wallet.ErrClosed) {
		t.Fatalf("closed: %v", err)
	}
}

func TestJWT(t *testing.T) {
	secret := []byte(strings.Repeat("s", 32))
	v := must(w3wallet.NewHS256Verifier(secret))(t)
	defer v.Close()
	who := w3wallet.NewID()
	tok := must(w3wallet.SignHS256(secret, who, w3wallet.RoleUser|w3wallet.RoleAdmin, time.Now(), time.Minute))(t)
	a := must(v.Verify(tok, time.Now(), 0))(t)
	if a.UserID != who || a.Roles != w3wallet.RoleUser|w3wallet.RoleAdmin {
		t.Fatalf("%+v", a)
	}
	if _, err := v.Verify(tok[:len(tok)-2]+"xx", time.Now(), 0); !errors.Is(err, w3wallet.ErrUnauthenticated) {
		t.Fatalf("forged: %v", err)
	}
	if _, err := v.Verify(tok, time.Now().Add(time.Hour), 0); !errors.Is(err, w3wallet.ErrUnauthenticated) {
		t.Fatalf("expired: %v", err)
	}
}

// Goroutines move between OS threads; the message of each failure must still
// be the one of its own call (captured inside the failing C call).
func TestMessagesBelongToTheirCallAcrossGoroutines(t *testing.T) {
	c := openSQLite(t)
	var wg sync.WaitGroup
	errs := make(chan string, 64)
	for g := 0; g < 32; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			me := actor(w3wallet.RoleUser)
			for i := 0; i < 100; i++ {
				missing := w3wallet.NewID()
				_, err := c.OrderGet(bg, me, missing)
				var we *w3wallet.Error
				if !errors.As(err, &we) || we.Status != w3wallet.StatusNotFound || !strings.Contains(we.Message, missing) {
					errs <- fmt.Sprintf("OrderGet(%s): %v", missing, err)
					return
				}
				bad := fmt.Sprintf("%d.%09d", g, i) // 9 decimals
				if _, err := w3wallet.ParseAmount(bad); !errors.As(err, &we) || !strings.Contains(we.Message, "8 decimals") {
					errs <- fmt.Sprintf("ParseAmount(%s): %v", bad, err)
					return
				}
			}
		}(g)
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}
}
