package w3wallet_test

import (
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/libw3wallet/libw3wallet/bindings/go/w3wallet"
)

// Wallets run offline: a chain opened with its chain id given needs no
// node, and calls that need one fail cleanly (unavailable, nothing held).
const (
	testMnemonic = "abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about"
	evm0         = "0x9858EfFD232B4033E47d90003D41EC34EcaEda94"   // m/44'/60'/0'/0/0 of testMnemonic
	sol0         = "HAgk14JpMQLgt6rVgv7cBQFJWFto5Dqxi472uT3DKpqk" // m/44'/501'/0'/0'
	testKey      = "1111111111111111111111111111111111111111111111111111111111111111"
	deadNode     = "http://127.0.0.1:1"
)

func openWallet(t *testing.T) *w3wallet.Context {
	t.Helper()
	c, err := w3wallet.Open(w3wallet.Options{StorageURL: "sqlite:" + filepath.Join(t.TempDir(), "w.db"), MasterKeyHex: testKey})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

func TestKeyIDsAndAddresses(t *testing.T) {
	id := must(w3wallet.MasterKeyID(testKey))(t)
	if len(id) != 16 || id == must(w3wallet.MasterKeyID(strings.Repeat("22", 32)))(t) {
		t.Fatalf("key id %q", id)
	}
	if got := must(w3wallet.AddressNormalize("evm", strings.ToLower(evm0)))(t); got != evm0 {
		t.Fatalf("EIP-55: %s", got)
	}
	if _, err := w3wallet.AddressNormalize("evm", strings.Replace(evm0, "EfFD", "efFD", 1)); !errors.Is(err, w3wallet.ErrInvalid) ||
		!strings.Contains(strings.ToLower(err.Error()), "checksum") {
		t.Fatalf("bad checksum: %v", err)
	}
}

func TestMasterSeedAndWallets(t *testing.T) {
	c := openWallet(t)
	admin, auditor, user := actor(w3wallet.RoleAdmin), actor(w3wallet.RoleAuditor), actor(w3wallet.RoleUser)
	info := must(c.MasterSeedInfo(bg, auditor))(t)
	if info.Exists || info.ContextKeyID != must(w3wallet.MasterKeyID(testKey))(t) {
		t.Fatalf("%+v", info)
	}
	if err := c.MasterSeedImport(bg, user, testMnemonic, ""); !errors.Is(err, w3wallet.ErrForbidden) {
		t.Fatalf("user import: %v", err)
	}
	if err := c.MasterSeedImport(bg, admin, testMnemonic, ""); err != nil {
		t.Fatal(err)
	}
	if err := c.MasterSeedImport(bg, admin, testMnemonic, ""); !errors.Is(err, w3wallet.ErrConflict) {
		t.Fatalf("second import: %v", err)
	}
	info = must(c.MasterSeedInfo(bg, admin))(t)
	if !info.Exists || info.Origin != "imported" || len(info.KeyIDs) != 1 {
		t.Fatalf("%+v", info)
	}
	if words := must(c.MasterMnemonicExport(bg, admin))(t); words != testMnemonic {
		t.Fatalf("export %q", words)
	}
	evm := must(c.WalletCreate(bg, user, "evm"))(t)
	sol := must(c.WalletCreate(bg, user, "solana"))(t)
	if (evm.Index == 0 && evm.Address != evm0) || (sol.Index == 0 && sol.Address != sol0) {
		t.Fatalf("addresses %+v %+v", evm, sol)
	}
	if _, err := c.WalletCreate(bg, user, "evm"); !errors.Is(err, w3wallet.ErrConflict) {
		t.Fatalf("second evm wallet: %v", err)
	}
	list := must(c.WalletList(bg, admin, user.UserID))(t)
	if len(list) != 2 || list[0] != evm || list[1] != sol {
		t.Fatalf("list %+v", list)
	}
}

// A chain that signs through w3wallet-signer: an unreachable signer is ErrUnavailable naming it.
func TestChainWithAnAbsentSigner(t *testing.T) {
	c := openWallet(t)
	service := actor(w3wallet.RoleService)
	key := strings.Repeat("ab", 32)
	if _, err := c.ChainOpen(bg, w3wallet.ChainOptions{URL: deadNode, ChainID: 31337, SignerURL: "nope:x",
		SignerKeyHex: key}); !errors.Is(err, w3wallet.ErrInvalid) || !strings.Contains(err.Error(), "unknown scheme") {
		t.Fatalf("unknown signer scheme: %v", err)
	}
	ch := must(c.ChainOpen(bg, w3wallet.ChainOptions{URL: deadNode, ChainID: 31337,
		SignerURL: "unix:/nonexistent/w3w.sock", SignerKeyHex: key}))(t)
	defer ch.Close()
	if _, err := ch.HotAddress(bg, service); !errors.Is(err, w3wallet.ErrUnavailable) ||
		!strings.Contains(err.Error(), "signer: not reachable") {
		t.Fatalf("absent signer: %v", err)
	}
}

func TestChainOffline(t *testing.T) {
	c := openWallet(t)
	cur := freshCurrency()
	service, admin, user := actor(w3wallet.RoleService), actor(w3wallet.RoleAdmin), actor(w3wallet.RoleUser)
	if _, err := c.ChainOpen(bg, w3wallet.ChainOptions{URL: deadNode, Timeout: 300 * time.Millisecond}); !errors.Is(err, w3wallet.ErrUnavailable) {
		t.Fatalf("chain id from a dead node: %v", err)
	}
	ch := must(c.ChainOpen(bg, w3wallet.ChainOptions{URL: deadNode, ChainID: 31337, Timeout: 300 * time.Millisecond,
		Assets: cur + "=native:18"}))(t)
	if ch.Key() != "evm:31337" {
		t.Fatalf("key %s", ch.Key())
	}
	hot := must(ch.HotAddress(bg, service))(t)
	if must(w3wallet.AddressNormalize("evm", hot))(t) != hot {
		t.Fatalf("hot %s", hot)
	}
	if _, err := ch.Poll(bg, service); !errors.Is(err, w3wallet.ErrUnavailable) {
		t.Fatalf("poll: %v", err)
	}
	fund(t, c, service, user, cur, "5")
	if _, err := ch.Withdraw(bg, user, cur, amt("1"), evm0, ""); !errors.Is(err, w3wallet.ErrUnavailable) {
		t.Fatalf("withdraw: %v", err)
	}
	if acc := must(c.Account(bg, user, cur, ""))(t); acc.Balance != amt("5") || acc.Held != 0 {
		t.Fatalf("held after a failed withdrawal: %+v", acc)
	}
	if stats, err := ch.WatchLast(); err != nil || stats.Blocks != 0 {
		t.Fatalf("watch last: %+v %v", stats, err)
	}
	ch.Close()
	if _, err := ch.Poll(bg, service); !errors.Is(err, w3wallet.ErrClosed) {
		t.Fatalf("closed chain: %v", err)
	}
	if _, err := c.WithdrawalGet(bg, admin, w3wallet.NewID()); !errors.Is(err, w3wallet.ErrNotFound) {
		t.Fatalf("withdrawal: %v", err)
	}
	ch2 := must(c.ChainOpen(bg, w3wallet.ChainOptions{URL: deadNode, ChainID: 1}))(t)
	c.Close() // closes the chain too
	if _, err := ch2.HotAddress(bg, service); !errors.Is(err, w3wallet.ErrClosed) {
		t.Fatalf("chain of a closed context: %v", err)
	}
}
