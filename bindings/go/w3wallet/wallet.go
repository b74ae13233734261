package w3wallet

import (
	"context"
	"fmt"
	"math/big"
	"runtime"
	"strings"
	"sync"
	"time"

	"github.com/libw3wallet/libw3wallet/bindings/go/w3wallet/internal/capi"
)

// Custodial wallets: the master seed, deposit addresses, chains, on-chain
// withdrawals and deposits (include/w3wallet/wallet.h, docs/wallets.md).
// No private key, seed or mnemonic crosses this API except through
// MasterMnemonicExport, the one audited way out.

// MasterKeyID names a master key (64 hex characters) by 16 hex characters, without revealing it.
func MasterKeyID(keyHex string) (string, error) {
	if err := noNUL("MasterKeyID", "key", keyHex); err != nil {
		return "", err
	}
	buf := make([]byte, 128)
	if err := capi.W3w_master_key_id(buf, keyHex); err != nil {
		return "", wrap("MasterKeyID", err)
	}
	return cString(buf), nil
}

// AddressNormalize checks an address of chain ("evm": EIP-55, "solana":
// base58) and returns its canonical form; ErrInvalid names the problem.
func AddressNormalize(chain, address string) (string, error) {
	if err := noNUL("AddressNormalize", "chain", chain, "address", address); err != nil {
		return "", err
	}
	buf := make([]byte, 128)
	if err := capi.W3w_address_normalize(buf, chain, address); err != nil {
		return "", wrap("AddressNormalize", err)
	}
	return cString(buf), nil
}

// MasterSeedInfo is what is known about the master seed, without opening it.
type MasterSeedInfo struct {
	Exists       bool
	Origin       string    // "generated" or "imported"
	CreatedAt    time.Time // zero if none
	KeyIDs       []string  // master keys the seed is sealed under
	ContextKeyID string    // this context's key ("" without a master key)
}

// Wallet is a user's deposit address on one address family; it never holds a key.
type Wallet struct {
	ID        string
	UserID    string
	Chain     string // "evm" or "solana"
	Address   string
	Index     int64 // i of the derivation path
	CreatedAt time.Time
}

func walletFromC(c capi.W3w_wallet) Wallet {
	return Wallet{ID: c.GetId(), UserID: c.GetUser_id(), Chain: c.GetChain(), Address: c.GetAddress(),
		Index: c.GetIndex(), CreatedAt: fromMicros(c.GetCreated_at())}
}

// WithdrawalStatus of an on-chain withdrawal.
type WithdrawalStatus int

const (
	WithdrawalHeld      WithdrawalStatus = 1 // funds held, nonce allocated, not signed yet
	WithdrawalSigned    WithdrawalStatus = 2 // signed; the node has not confirmed it has it
	WithdrawalBroadcast WithdrawalStatus = 3 // accepted by the node; waiting for receipt and confirmations
	WithdrawalConfirmed WithdrawalStatus = 4 // mined with success at the confirmation depth: settled
	WithdrawalFailed    WithdrawalStatus = 5 // refused or reverted: hold released
	WithdrawalDropped   WithdrawalStatus = 6 // can never be mined: hold released
)

func (s WithdrawalStatus) String() string {
	return capi.W3w_withdrawal_status_name(capi.Enum_SS_w3w_withdrawal_status(s))
}

// Withdrawal is an on-chain withdrawal and where it stands.
type Withdrawal struct {
	ID          string
	UserID      string
	Chain       string // "evm:31337"
	Currency    string
	Amount      Amount
	ToAddress   string
	FromAddress string // the hot wallet
	Nonce       int64
	TxHash      string // "" until signed
	Status      WithdrawalStatus
	Error       string // why it failed or was dropped
	TransferID  string // the ledger withdrawal, once confirmed
	CreatedAt   time.Time
	UpdatedAt   time.Time
}

func withdrawalFromC(c capi.W3w_withdrawal) Withdrawal {
	return Withdrawal{ID: c.GetId(), UserID: c.GetUser_id(), Chain: c.GetChain(), Currency: c.GetCurrency(),
		Amount: Amount(c.GetAmount()), ToAddress: c.GetTo_address(), FromAddress: c.GetFrom_address(),
		Nonce: c.GetNonce(), TxHash: c.GetTx_hash(), Status: WithdrawalStatus(c.GetStatus()), Error: c.GetError(),
		TransferID: c.GetTransfer_id(), CreatedAt: fromMicros(c.GetCreated_at()), UpdatedAt: fromMicros(c.GetUpdated_at())}
}

// ChainDeposit is a deposit the watcher found: the on-chain value in the
// asset's base units, what was credited, and the dust that was not.
type ChainDeposit struct {
	Reference   string
	Chain       string
	UserID      string
	Address     string
	Currency    string
	TxHash      string
	LogIndex    int64 // -1 for a native transfer
	BlockNumber int64
	BlockHash   string
	Value       *big.Int // base units
	Amount      Amount   // credited
	Dust        *big.Int // base units not credited
	Status      string   // "credited", "dust", "too_large"
	TransferID  string
	CreatedAt   time.Time
}

func bigOf(s string) *big.Int {
	v, ok := new(big.Int).SetString(s, 10)
	if !ok {
		return new(big.Int)
	}
	return v
}

// ChainPollStats says what one poll of the chain follower did.
type ChainPollStats struct {
	Head                 uint64
	Cursor               int64 // last block fully processed (-1: none yet)
	Blocks               int64
	DepositsCredited     int64
	DepositsKnown        int64
	DepositsDust         int64
	WithdrawalsConfirmed int64
	WithdrawalsFailed    int64
	WithdrawalsDropped   int64
	WithdrawalsPending   int64
}

func pollStatsFromC(c capi.W3w_chain_poll_stats) ChainPollStats {
	return ChainPollStats{Head: c.GetHead(), Cursor: c.GetCursor(), Blocks: c.GetBlocks(),
		DepositsCredited: c.GetDeposits_credited(), DepositsKnown: c.GetDeposits_known(), DepositsDust: c.GetDeposits_dust(),
		WithdrawalsConfirmed: c.GetWithdrawals_confirmed(), WithdrawalsFailed: c.GetWithdrawals_failed(),
		WithdrawalsDropped: c.GetWithdrawals_dropped(), WithdrawalsPending: c.GetWithdrawals_pending()}
}

// ---- master seed and wallets on the Context ----------------------------------

// MasterSeedImport imports the deployment's master seed from a BIP-39
// mnemonic and optional passphrase ("" for none). Admin only; a seed is
// never replaced (ErrConflict).
func (c *Context) MasterSeedImport(ctx context.Context, actor Actor, mnemonic, passphrase string) error {
	return c.call(ctx, "MasterSeedImport", &actor, []string{"mnemonic", mnemonic, "passphrase", passphrase},
		func(p capi.Struct_SS_w3w_ctx, a capi.W3w_actor) error {
			return capi.W3w_master_seed_import(p, a, mnemonic, passphrase)
		})
}

// MasterSeedInfo says what is known about the master seed (admin, auditor or service).
func (c *Context) MasterSeedInfo(ctx context.Context, actor Actor) (MasterSeedInfo, error) {
	out := capi.NewW3w_master_seed_info()
	defer capi.DeleteW3w_master_seed_info(out)
	err := c.call(ctx, "MasterSeedInfo", &actor, nil, func(p capi.Struct_SS_w3w_ctx, a capi.W3w_actor) error {
		return capi.W3w_master_seed_info_get(out, p, a)
	})
	if err != nil {
		return MasterSeedInfo{}, err
	}
	var ids []string
	for _, id := range strings.Split(out.GetKey_ids(), ",") {
		if id != "" {
			ids = append(ids, id)
		}
	}
	return MasterSeedInfo{Exists: out.GetExists() != 0, Origin: out.GetOrigin(), CreatedAt: fromMicros(out.GetCreated_at()),
		KeyIDs: ids, ContextKeyID: out.GetContext_key_id()}, nil
}

// MasterMnemonicExport returns the master seed's mnemonic for an offline
// backup. Admin only; every call, allowed or refused, is audited.
func (c *Context) MasterMnemonicExport(ctx context.Context, actor Actor) (string, error) {
	var words string
	err := c.call(ctx, "MasterMnemonicExport", &actor, nil, func(p capi.Struct_SS_w3w_ctx, a capi.W3w_actor) error {
		return capi.W3w_master_mnemonic_export(&words, p, a)
	})
	return words, err
}

// MasterKeyRotate re-seals every stored secret under a new master key as well (admin).
func (c *Context) MasterKeyRotate(ctx context.Context, actor Actor, newKeyHex string) error {
	return c.call(ctx, "MasterKeyRotate", &actor, []string{"new_key_hex", newKeyHex},
		func(p capi.Struct_SS_w3w_ctx, a capi.W3w_actor) error {
			return capi.W3w_master_key_rotate(p, a, newKeyHex)
		})
}

// MasterKeyRetire deletes secret copies not sealed under this context's key (admin).
func (c *Context) MasterKeyRetire(ctx context.Context, actor Actor) (int64, error) {
	var n int64
	err := c.call(ctx, "MasterKeyRetire", &actor, nil, func(p capi.Struct_SS_w3w_ctx, a capi.W3w_actor) error {
		return capi.W3w_master_key_retire(p, a, &n)
	})
	return n, err
}

// WalletCreate makes the actor's deposit address on chain ("evm" or "solana"); one per user and chain.
func (c *Context) WalletCreate(ctx context.Context, actor Actor, chain string) (Wallet, error) {
	out := capi.NewW3w_wallet()
	defer capi.DeleteW3w_wallet(out)
	err := c.call(ctx, "WalletCreate", &actor, []string{"chain", chain}, func(p capi.Struct_SS_w3w_ctx, a capi.W3w_actor) error {
		return capi.W3w_wallet_create(out, p, a, chain)
	})
	if err != nil {
		return Wallet{}, err
	}
	return walletFromC(out), nil
}

// WalletList lists the wallets of userID ("" for the actor's own), chain ascending.
func (c *Context) WalletList(ctx context.Context, actor Actor, userID string) ([]Wallet, error) {
	var wallets []Wallet
	err := c.call(ctx, "WalletList", &actor, []string{"user_id", userID}, func(p capi.Struct_SS_w3w_ctx, a capi.W3w_actor) error {
		var lp uintptr
		if err := capi.W3w_wallet_list(&lp, p, a, userID); err != nil {
			return err
		}
		list := capi.SwigcptrW3w_wallets(lp)
		defer capi.W3w_wallets_free(list)
		n := list.GetCount()
		wallets = make([]Wallet, 0, n)
		for i := int64(0); i < n; i++ {
			wallets = append(wallets, walletFromC(capi.W3wb_wallet_at(list, i)))
		}
		return nil
	})
	return wallets, err
}

// WithdrawalGet reads a withdrawal: its owner, or admin, service, auditor.
func (c *Context) WithdrawalGet(ctx context.Context, actor Actor, id string) (Withdrawal, error) {
	out := capi.NewW3w_withdrawal()
	defer capi.DeleteW3w_withdrawal(out)
	err := c.call(ctx, "WithdrawalGet", &actor, []string{"id", id}, func(p capi.Struct_SS_w3w_ctx, a capi.W3w_actor) error {
		return capi.W3w_withdrawal_get(out, p, a, id)
	})
	if err != nil {
		return Withdrawal{}, err
	}
	return withdrawalFromC(out), nil
}

// ChainDepositGet reads a recorded deposit by reference: its user, or admin, service, auditor.
func (c *Context) ChainDepositGet(ctx context.Context, actor Actor, reference string) (ChainDeposit, error) {
	out := capi.NewW3w_chain_deposit()
	defer capi.DeleteW3w_chain_deposit(out)
	err := c.call(ctx, "ChainDepositGet", &actor, []string{"reference", reference},
		func(p capi.Struct_SS_w3w_ctx, a capi.W3w_actor) error {
			return capi.W3w_chain_deposit_get(out, p, a, reference)
		})
	if err != nil {
		return ChainDeposit{}, err
	}
	return ChainDeposit{Reference: out.GetReference(), Chain: out.GetChain(), UserID: out.GetUser_id(),
		Address: out.GetAddress(), Currency: out.GetCurrency(), TxHash: out.GetTx_hash(), LogIndex: out.GetLog_index(),
		BlockNumber: out.GetBlock_number(), BlockHash: out.GetBlock_hash(), Value: bigOf(out.GetValue()),
		Amount: Amount(out.GetAmount()), Dust: bigOf(out.GetDust()), Status: out.GetStatus(),
		TransferID: out.GetTransfer_id(), CreatedAt: fromMicros(out.GetCreated_at())}, nil
}

// ---- chains --------------------------------------------------------------------

// ChainOptions of ChainOpen; zero fields keep the library default.
type ChainOptions struct {
	Adapter          string        // registered chain adapter ("evm", the default)
	URL              string        // node URL: "http://127.0.0.1:8545"
	ChainID          uint64        // expected chain id; 0: ask the node at open
	Confirmations    int           // final at this depth (default 12)
	Timeout          time.Duration // of every node call (default 5 s)
	Assets           string        // "ETH=native:18,USDC=0xA0b8...eB48:6"
	StartBlock       *int64        // where a new watcher starts (default: the current final block)
	MaxBlocksPerPoll int           // default 100
	SignerURL        string        // "unix:/path/sock": withdrawals signed by w3wallet-signer (docs/signer.md)
	SignerKeyHex     string        // the signer's shared key, 64 hex characters (with SignerURL)
}

// Chain is a connection to one chain on a Context; safe for concurrent use.
// Close it when done (Context.Close closes it at the latest).
type Chain struct {
	c   *Context
	st  *chainState
	key string
}

// chainState is what the Context tracks to close it (no back-reference, so
// a forgotten Chain can be finalized).
type chainState struct {
	mu  sync.RWMutex
	ptr capi.Struct_SS_w3w_chain
}

func (st *chainState) free() {
	st.mu.Lock()
	defer st.mu.Unlock()
	if st.ptr != nil {
		capi.W3w_chain_close(st.ptr)
		st.ptr = nil
	}
}

// ChainOpen opens a chain through its adapter. With ChainID 0 the node is
// asked for it (ErrUnavailable if it cannot be reached).
func (c *Context) ChainOpen(ctx context.Context, o ChainOptions) (*Chain, error) {
	const op = "ChainOpen"
	if err := noNUL(op, "adapter", o.Adapter, "url", o.URL, "assets", o.Assets, "signer_url", o.SignerURL,
		"signer_key_hex", o.SignerKeyHex); err != nil {
		return nil, err
	}
	co := capi.NewW3w_chain_options()
	defer capi.DeleteW3w_chain_options(co)
	if err := capi.W3wb_chain_options_init(co, uint(capi.W3W_CHAIN_OPTIONS_VERSION)); err != nil {
		return nil, wrap(op, err)
	}
	for _, f := range []struct{ name, value string }{{"adapter", o.Adapter}, {"url", o.URL}, {"assets", o.Assets},
		{"signer_url", o.SignerURL}, {"signer_key_hex", o.SignerKeyHex}} {
		if f.value != "" {
			if err := capi.W3wb_chain_options_set_text(co, f.name, f.value); err != nil {
				return nil, wrap(op, err)
			}
		}
	}
	if o.ChainID != 0 {
		co.SetChain_id(o.ChainID)
	}
	if o.Confirmations > 0 {
		co.SetConfirmations(o.Confirmations)
	}
	if o.Timeout > 0 {
		co.SetTimeout_ms(int(o.Timeout / time.Millisecond))
	}
	if o.StartBlock != nil {
		co.SetStart_block(*o.StartBlock)
	}
	if o.MaxBlocksPerPoll > 0 {
		co.SetMax_blocks_per_poll(o.MaxBlocksPerPoll)
	}
	var ch *Chain
	err := c.call(ctx, op, nil, nil, func(p capi.Struct_SS_w3w_ctx, _ capi.W3w_actor) error {
		var cp uintptr
		if err := capi.W3w_chain_open(&cp, p, co); err != nil {
			return err
		}
		st := &chainState{ptr: capi.SwigcptrStruct_SS_w3w_chain(cp)}
		ch = &Chain{c: c, st: st, key: capi.W3w_chain_key(st.ptr)}
		c.subsMu.Lock()
		c.chains[st] = struct{}{}
		c.subsMu.Unlock()
		return nil
	})
	if err != nil {
		return nil, err
	}
	runtime.SetFinalizer(ch, (*Chain).Close)
	return ch, nil
}

// Key is "evm:<chain id>": the chain of withdrawals and deposits.
func (ch *Chain) Key() string { return ch.key }

// Close stops the watch thread if running and frees the chain. Idempotent.
func (ch *Chain) Close() error {
	c := ch.c
	c.mu.RLock()
	defer c.mu.RUnlock()
	c.subsMu.Lock()
	delete(c.chains, ch.st)
	c.subsMu.Unlock()
	ch.st.free()
	runtime.SetFinalizer(ch, nil)
	return nil
}

// run holds the context and the chain open while fn runs.
func (ch *Chain) run(ctx context.Context, op string, actor *Actor, fn func(p capi.Struct_SS_w3w_chain, a capi.W3w_actor) error) error {
	return ch.c.call(ctx, op, actor, nil, func(_ capi.Struct_SS_w3w_ctx, a capi.W3w_actor) error {
		ch.st.mu.RLock()
		defer ch.st.mu.RUnlock()
		if ch.st.ptr == nil {
			return ErrClosed
		}
		return fn(ch.st.ptr, a)
	})
}

// HotAddress is the address of the hot wallet that pays withdrawals (admin or service).
func (ch *Chain) HotAddress(ctx context.Context, actor Actor) (string, error) {
	buf := make([]byte, 128)
	err := ch.run(ctx, "Chain.HotAddress", &actor, func(p capi.Struct_SS_w3w_chain, a capi.W3w_actor) error {
		return capi.W3w_chain_hot_address(buf, p, a)
	})
	return cString(buf), err
}

// Poll runs one round of the follower (service or admin): credits deposits,
// follows withdrawals.
func (ch *Chain) Poll(ctx context.Context, actor Actor) (ChainPollStats, error) {
	out := capi.NewW3w_chain_poll_stats()
	defer capi.DeleteW3w_chain_poll_stats(out)
	err := ch.run(ctx, "Chain.Poll", &actor, func(p capi.Struct_SS_w3w_chain, a capi.W3w_actor) error {
		return capi.W3w_chain_poll(p, a, out)
	})
	if err != nil {
		return ChainPollStats{}, err
	}
	return pollStatsFromC(out), nil
}

// WatchStart polls every interval on a background thread until WatchStop or Close.
func (ch *Chain) WatchStart(actor Actor, interval time.Duration) error {
	return ch.run(context.Background(), "Chain.WatchStart", &actor, func(p capi.Struct_SS_w3w_chain, a capi.W3w_actor) error {
		return capi.W3w_chain_watch_start(p, a, int(interval/time.Millisecond))
	})
}

// WatchStop stops the watch thread (no-op if not running).
func (ch *Chain) WatchStop() error {
	return ch.run(context.Background(), "Chain.WatchStop", nil, func(p capi.Struct_SS_w3w_chain, _ capi.W3w_actor) error {
		capi.W3w_chain_watch_stop(p)
		return nil
	})
}

// WatchLast is the watch thread's last round: its stats, and its error (nil if it went well).
func (ch *Chain) WatchLast() (ChainPollStats, error) {
	out := capi.NewW3w_chain_poll_stats()
	defer capi.DeleteW3w_chain_poll_stats(out)
	buf := make([]byte, 512)
	var st int
	err := ch.run(context.Background(), "Chain.WatchLast", nil, func(p capi.Struct_SS_w3w_chain, _ capi.W3w_actor) error {
		st = capi.W3wb_chain_watch_last(out, p, buf)
		return nil
	})
	if err != nil {
		return ChainPollStats{}, err
	}
	if st != 0 {
		return pollStatsFromC(out), &Error{Status: Status(st), Op: "Chain.watch", Message: cString(buf)}
	}
	return pollStatsFromC(out), nil
}

// Withdraw holds amount of the actor's funds, signs and broadcasts a
// withdrawal to toAddress; Poll settles it. If the node refuses it, the
// hold is released and the error is returned with the failed Withdrawal.
func (ch *Chain) Withdraw(ctx context.Context, actor Actor, currency string, amount Amount, toAddress,
	idempotencyKey string) (Withdrawal, error) {
	const op = "Chain.Withdraw"
	if err := noNUL(op, "currency", currency, "to_address", toAddress, "idempotency_key", idempotencyKey); err != nil {
		return Withdrawal{}, err
	}
	out := capi.NewW3w_withdrawal()
	defer capi.DeleteW3w_withdrawal(out)
	err := ch.run(ctx, op, &actor, func(p capi.Struct_SS_w3w_chain, a capi.W3w_actor) error {
		return capi.W3w_wallet_withdraw(out, p, a, currency, int64(amount), toAddress, idempotencyKey)
	})
	if out.GetId() == "" {
		return Withdrawal{}, err
	}
	return withdrawalFromC(out), err
}

func (ch *Chain) String() string { return fmt.Sprintf("w3wallet.Chain(%s)", ch.key) }
