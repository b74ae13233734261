package w3wallet

import (
	"encoding/json"
	"strings"
	"time"

	"github.com/libw3wallet/libw3wallet/bindings/go/w3wallet/internal/capi"
)

// Role is a set of actor roles, combined with |.
type Role uint32

const (
	RoleUser    Role = 1 << 0 // a shopper or buyer acting on their own things
	RoleAdmin   Role = 1 << 1 // may act on anything
	RoleAuditor Role = 1 << 2 // may verify the audit chain
	RoleService Role = 1 << 3 // trusted backend: deposits, processing claims
)

// ParseRoles parses a comma-separated role list ("user,admin").
func ParseRoles(text string) (Role, error) {
	var out uint32
	if err := capi.W3w_roles_parse(&out, text); err != nil {
		return 0, wrap("ParseRoles", err)
	}
	return Role(out), nil
}

func (r Role) String() string {
	var names []string
	for _, x := range []struct {
		r Role
		n string
	}{{RoleUser, "user"}, {RoleAdmin, "admin"}, {RoleAuditor, "auditor"}, {RoleService, "service"}} {
		if r&x.r != 0 {
			names = append(names, x.n)
		}
	}
	return strings.Join(names, ",")
}

// Actor is who performs a command. The library checks the id and roles on
// every call (ErrInvalid for a bad UUID or an empty role set).
type Actor struct {
	UserID string
	Roles  Role
}

// SupplyStatus of a supply.
type SupplyStatus int

const (
	SupplyActive    SupplyStatus = 1
	SupplyPaused    SupplyStatus = 2 // not used for new claims
	SupplyExhausted SupplyStatus = 3 // amount reached 0
	SupplyDeleted   SupplyStatus = 4
)

func (s SupplyStatus) String() string { return capi.W3w_supply_status_name(int(s)) }

// OrderStatus of an order.
type OrderStatus int

const (
	OrderOpen      OrderStatus = 1
	OrderClaimed   OrderStatus = 2
	OrderCompleted OrderStatus = 3
	OrderCancelled OrderStatus = 4
)

func (s OrderStatus) String() string { return capi.W3w_order_status_name(int(s)) }

// ClaimStatus of a claim.
type ClaimStatus int

const (
	ClaimPending   ClaimStatus = 1
	ClaimProcessed ClaimStatus = 2
	ClaimReleased  ClaimStatus = 3
)

func (s ClaimStatus) String() string { return capi.W3w_claim_status_name(int(s)) }

// TransferKind of a ledger transfer.
type TransferKind int

const (
	TransferDeposit    TransferKind = 1 // external -> user
	TransferWithdrawal TransferKind = 2 // user -> external
	TransferTransfer   TransferKind = 3 // user -> user
	TransferSettlement TransferKind = 4 // buyer escrow -> shopper, by processing a claim
)

func (k TransferKind) String() string {
	return capi.W3w_transfer_kind_name(capi.Enum_SS_w3w_transfer_kind(k))
}

// ParseSupplyStatus, ParseOrderStatus and ParseClaimStatus read the library's names ("paused").
func ParseSupplyStatus(text string) (SupplyStatus, error) {
	var v int32
	err := capi.W3w_supply_status_parse(&v, text)
	return SupplyStatus(v), wrap("ParseSupplyStatus", err)
}

func ParseOrderStatus(text string) (OrderStatus, error) {
	var v int32
	err := capi.W3w_order_status_parse(&v, text)
	return OrderStatus(v), wrap("ParseOrderStatus", err)
}

func ParseClaimStatus(text string) (ClaimStatus, error) {
	var v int32
	err := capi.W3w_claim_status_parse(&v, text)
	return ClaimStatus(v), wrap("ParseClaimStatus", err)
}

// fromMicros: microseconds since the epoch -> UTC time; 0 (never) -> the zero Time.
func fromMicros(us int64) time.Time {
	if us == 0 {
		return time.Time{}
	}
	return time.UnixMicro(us).UTC()
}

// Supply is a shopper's declared capacity in one currency (Reserved <= Amount).
type Supply struct {
	ID        string
	UserID    string
	Currency  string
	Amount    Amount
	Reserved  Amount
	Status    SupplyStatus
	CreatedAt time.Time
	UpdatedAt time.Time
}

func supplyFromC(c capi.W3w_supply) Supply {
	return Supply{
		ID: c.GetId(), UserID: c.GetUser_id(), Currency: c.GetCurrency(),
		Amount: Amount(c.GetAmount()), Reserved: Amount(c.GetReserved()), Status: SupplyStatus(c.GetStatus()),
		CreatedAt: fromMicros(c.GetCreated_at()), UpdatedAt: fromMicros(c.GetUpdated_at()),
	}
}

// OrderItem is one line of an order. ID is set by the library (ignored on input).
type OrderItem struct {
	ID          string
	ProductID   string
	ProductName string
	Price       Amount
	Quantity    int64
}

// Order is an order of items in one currency; Amount = Σ Price × Quantity.
type Order struct {
	ID        string
	UserID    string
	Currency  string
	Amount    Amount
	Status    OrderStatus
	CreatedAt time.Time
	UpdatedAt time.Time
	Items     []OrderItem // nil in list pages (use OrderGet)
}

func orderFromC(c capi.W3w_order) Order {
	o := Order{
		ID: c.GetId(), UserID: c.GetUser_id(), Currency: c.GetCurrency(),
		Amount: Amount(c.GetAmount()), Status: OrderStatus(c.GetStatus()),
		CreatedAt: fromMicros(c.GetCreated_at()), UpdatedAt: fromMicros(c.GetUpdated_at()),
	}
	if n := c.GetItem_count(); n > 0 {
		o.Items = make([]OrderItem, n)
		for i := range o.Items {
			it := capi.W3wb_order_item_at(c, int64(i))
			o.Items[i] = OrderItem{ID: it.GetId(), ProductID: it.GetProduct_id(), ProductName: it.GetProduct_name(),
				Price: Amount(it.GetPrice()), Quantity: it.GetQuantity()}
		}
	}
	return o
}

// Claim is a shopper's claim of an order; at most one live (pending or processed) per order.
type Claim struct {
	ID          string
	OrderID     string
	UserID      string // the shopper
	SupplyID    string // the supply that reserved the order amount
	Status      ClaimStatus
	ClaimedAt   time.Time
	ProcessedAt time.Time // zero until processed
	ReleasedAt  time.Time // zero unless released
}

func claimFromC(c capi.W3w_claim) Claim {
	return Claim{
		ID: c.GetId(), OrderID: c.GetOrder_id(), UserID: c.GetUser_id(), SupplyID: c.GetSupply_id(),
		Status: ClaimStatus(c.GetStatus()), ClaimedAt: fromMicros(c.GetClaimed_at()),
		ProcessedAt: fromMicros(c.GetProcessed_at()), ReleasedAt: fromMicros(c.GetReleased_at()),
	}
}

// Transfer is one committed double-entry transfer (the external side is the nil UUID).
type Transfer struct {
	ID         string
	Kind       TransferKind
	FromUserID string
	ToUserID   string
	Currency   string
	Amount     Amount
	Reference  string
	CreatedAt  time.Time
}

func transferFromC(c capi.W3w_transfer) Transfer {
	return Transfer{
		ID: c.GetId(), Kind: TransferKind(c.GetKind()), FromUserID: c.GetFrom_user_id(), ToUserID: c.GetTo_user_id(),
		Currency: c.GetCurrency(), Amount: Amount(c.GetAmount()), Reference: c.GetReference(),
		CreatedAt: fromMicros(c.GetCreated_at()),
	}
}

// Account is a user's ledger account in one currency: Available = Balance − Held.
type Account struct {
	UserID    string
	Currency  string
	Balance   Amount
	Held      Amount
	Available Amount
}

func accountFromC(c capi.W3w_account) Account {
	return Account{UserID: c.GetUser_id(), Currency: c.GetCurrency(), Balance: Amount(c.GetBalance()),
		Held: Amount(c.GetHeld()), Available: Amount(c.GetAvailable())}
}

// LedgerTotals are the reconciliation sums of one currency.
type LedgerTotals struct {
	Currency       string
	Deposits       Amount
	Withdrawals    Amount
	Balances       Amount
	Held           Amount
	Escrow         Amount
	Reserved       Amount
	LiveClaims     Amount
	EntriesSumZero bool
}

// Holds reports whether every invariant holds: balances = deposits − withdrawals,
// held = escrow, reserved = live claims, ledger entries sum to zero.
func (t LedgerTotals) Holds() bool {
	return t.Balances == t.Deposits-t.Withdrawals && t.Held == t.Escrow && t.Reserved == t.LiveClaims && t.EntriesSumZero
}

func totalsFromC(c capi.W3w_ledger_totals) LedgerTotals {
	return LedgerTotals{Currency: c.GetCurrency(), Deposits: Amount(c.GetDeposits()), Withdrawals: Amount(c.GetWithdrawals()),
		Balances: Amount(c.GetBalances()), Held: Amount(c.GetHeld()), Escrow: Amount(c.GetEscrow()),
		Reserved: Amount(c.GetReserved()), LiveClaims: Amount(c.GetLive_claims()), EntriesSumZero: c.GetEntries_sum_zero() == 1}
}

// OutboxStats are the outbox counters; relay lag = now − OldestPendingAt.
type OutboxStats struct {
	Total           int64
	Pending         int64
	OldestPendingAt time.Time // zero if nothing is pending
	LastSeq         int64     // highest seq written (0 if none): where a new subscription starts
}

// AuditReport is the result of walking the audit hash chain.
type AuditReport struct {
	OK       bool
	Records  int64
	Unsealed int64
	FirstBad int64
	Reason   string
}

// Event is a committed event from the outbox. Delivery is at-least-once: deduplicate by ID.
type Event struct {
	Seq         int64
	ID          string
	Type        string // "order.claimed"
	Topic       string // "claim-events"
	AggregateID string // the message key
	ActorID     string
	Region      string
	CreatedAt   time.Time
	Payload     json.RawMessage // a JSON object
}

func eventFromC(c capi.W3w_event) Event {
	return Event{Seq: c.GetSeq(), ID: c.GetId(), Type: c.GetEvent_type(), Topic: c.GetTopic(),
		AggregateID: c.GetAggregate_id(), ActorID: c.GetActor_id(), Region: c.GetRegion(),
		CreatedAt: fromMicros(c.GetCreated_at()), Payload: json.RawMessage(c.GetPayload())}
}

// SupplyPage and OrderPage are pages of a list; pass NextCursor for the next ("" on the last).
type SupplyPage struct {
	Items      []Supply
	NextCursor string
}

type OrderPage struct {
	Items      []Order
	NextCursor string
}
