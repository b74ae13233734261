package w3wallet_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/libw3wallet/libw3wallet/bindings/go/w3wallet"
)

func TestWithdrawalLimits(t *testing.T) {
	const to = "0x00000000000000000000000000000000000000aA"
	c := openSQLite(t)
	service, admin, user := actor(w3wallet.RoleService), actor(w3wallet.RoleAdmin), actor(w3wallet.RoleUser)
	cur := freshCurrency()
	coin := w3wallet.Amount(100000000)
	if _, err := c.Deposit(bg, service, user.UserID, cur, 1000*coin, "ref-"+w3wallet.NewID(), ""); err != nil {
		t.Fatal(err)
	}
	if _, err := c.WithdrawalLimitSet(bg, user, "", cur, 0, 0); !errors.Is(err, w3wallet.ErrForbidden) {
		t.Fatalf("a user set limits: %v", err)
	}
	set := must(c.WithdrawalLimitSet(bg, admin, "", cur, 100*coin, 250*coin))(t)
	if set.Source != "default" || set.UserID != "" || set.Daily != 250*coin {
		t.Fatalf("set: %+v", set)
	}
	_, err := c.Withdraw(bg, user, cur, 101*coin, "evm", to, "")
	if !errors.Is(err, w3wallet.ErrLimitExceeded) || !strings.Contains(err.Error(), "per-withdrawal maximum of 100 ") {
		t.Fatalf("past the maximum: %v", err)
	}
	for i := 0; i < 2; i++ {
		must(c.Withdraw(bg, user, cur, 100*coin, "evm", to, ""))(t)
	}
	_, err = c.Withdraw(bg, user, cur, 60*coin, "evm", to, "")
	if !errors.Is(err, w3wallet.ErrLimitExceeded) || !strings.Contains(err.Error(), "50 remaining now") {
		t.Fatalf("past the daily limit: %v", err)
	}
	limits := must(c.WithdrawalLimits(bg, user, "", cur))(t)
	if len(limits) != 1 || limits[0].Used != 200*coin || limits[0].Remaining != 50*coin ||
		limits[0].NextReleaseAmount != 100*coin || limits[0].NextReleaseAt.IsZero() {
		t.Fatalf("standing: %+v", limits)
	}
	must(c.WithdrawalLimitSet(bg, admin, user.UserID, cur, w3wallet.LimitNone, w3wallet.LimitNone))(t)
	limits = must(c.WithdrawalLimits(bg, admin, user.UserID, cur))(t)
	if limits[0].Source != "user" || limits[0].Remaining != w3wallet.LimitNone {
		t.Fatalf("the user's own: %+v", limits)
	}
	if err := c.WithdrawalLimitClear(bg, admin, user.UserID, cur); err != nil {
		t.Fatal(err)
	}
	if err := c.WithdrawalLimitClear(bg, admin, user.UserID, cur); !errors.Is(err, w3wallet.ErrNotFound) {
		t.Fatalf("clear twice: %v", err)
	}
}
