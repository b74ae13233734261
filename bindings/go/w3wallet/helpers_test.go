package w3wallet_test

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/libw3wallet/libw3wallet/bindings/go/w3wallet"
)

var bg = context.Background()

// backends: SQLite always (a fresh file per test); PostgreSQL too when
// W3W_TEST_PG_URL is set (tests use fresh users and currencies, so a shared
// database is fine).
func backends(t *testing.T) map[string]string {
	t.Helper()
	b := map[string]string{"sqlite": "sqlite:" + filepath.Join(t.TempDir(), "w3w.db")}
	if pg := os.Getenv("W3W_TEST_PG_URL"); pg != "" {
		b["postgres"] = pg
	}
	return b
}

// eachBackend runs f as a subtest on an open Context of every backend.
func eachBackend(t *testing.T, opts w3wallet.Options, f func(t *testing.T, c *w3wallet.Context)) {
	for name, url := range backends(t) {
		t.Run(name, func(t *testing.T) {
			o := opts
			o.StorageURL = url
			c, err := w3wallet.Open(o)
			if err != nil {
				t.Fatalf("Open(%s): %v", url, err)
			}
			defer c.Close()
			f(t, c)
		})
	}
}

func openSQLite(t *testing.T) *w3wallet.Context {
	t.Helper()
	c, err := w3wallet.Open(w3wallet.Options{StorageURL: "sqlite:" + filepath.Join(t.TempDir(), "w3w.db")})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

func actor(roles w3wallet.Role) w3wallet.Actor {
	return w3wallet.Actor{UserID: w3wallet.NewID(), Roles: roles}
}

// freshCurrency is a currency no other test uses: 10 characters of [A-Z0-9].
func freshCurrency() string {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
	b := make([]byte, 9)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	out := []byte{'G'}
	for _, x := range b {
		out = append(out, alphabet[int(x)%len(alphabet)])
	}
	return string(out)
}

func amt(s string) w3wallet.Amount { return w3wallet.MustParseAmount(s) }

func item(price string, qty int64) w3wallet.OrderItem {
	return w3wallet.OrderItem{ProductID: w3wallet.NewID(), ProductName: "Thing", Price: amt(price), Quantity: qty}
}

func fund(t *testing.T, c *w3wallet.Context, service w3wallet.Actor, user w3wallet.Actor, cur, amount string) {
	t.Helper()
	if _, err := c.Deposit(bg, service, user.UserID, cur, amt(amount), "ref-"+w3wallet.NewID(), ""); err != nil {
		t.Fatalf("Deposit: %v", err)
	}
}

// loadVector reads a shared vector file from W3W_VECTORS_DIR, else the repository's tests/vectors.
func loadVector(t *testing.T, name string, v any) {
	t.Helper()
	dir := os.Getenv("W3W_VECTORS_DIR")
	if dir == "" {
		dir = filepath.Join("..", "..", "..", "tests", "vectors")
	}
	data, err := os.ReadFile(filepath.Join(dir, name))
	if err != nil {
		t.Fatalf("vectors: %v", err)
	}
	if err := json.Unmarshal(data, v); err != nil {
		t.Fatalf("vectors %s: %v", name, err)
	}
}

// must(f())(t) is f's value, failing the test on f's error.
func must[T any](v T, err error) func(t *testing.T) T {
	return func(t *testing.T) T {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
}
