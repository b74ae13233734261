package w3wallet_test

import (
	"os"
	"path/filepath"
	"runtime"
	"testing"
	"time"

	"github.com/libw3wallet/libw3wallet/bindings/go/w3wallet"
)

// Forgotten contexts and subscriptions are closed by their finalizers (a
// safety net: programs call Close). Opening many without Close must not
// exhaust anything, and the finalizers must not deadlock.
func TestFinalizersCloseForgottenHandles(t *testing.T) {
	dir := t.TempDir()
	before := openFDs(t)
	for i := 0; i < 20; i++ {
		c, err := w3wallet.Open(w3wallet.Options{StorageURL: "sqlite:" + filepath.Join(dir, "gc.db")})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := c.Subscribe(0); err != nil {
			t.Fatal(err)
		}
	}
	opened := openFDs(t)
	after := opened
	for i := 0; i < 50 && after > before+4; i++ {
		runtime.GC()
		time.Sleep(20 * time.Millisecond)
		after = openFDs(t)
	}
	t.Logf("file descriptors: %d before, %d with 20 forgotten contexts, %d after GC", before, opened, after)
	if opened <= before || after > before+4 {
		t.Fatalf("finalizers did not close the forgotten contexts: %d before, %d opened, %d after", before, opened, after)
	}
	// still usable afterwards
	c := openSQLite(t)
	if _, err := c.SupplyCreate(bg, actor(w3wallet.RoleUser), freshCurrency(), amt("1"), ""); err != nil {
		t.Fatal(err)
	}
}

func openFDs(t *testing.T) int {
	t.Helper()
	ents, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Skip("no /proc/self/fd")
	}
	return len(ents)
}
