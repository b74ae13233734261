package w3wallet

import (
	"errors"
	"fmt"

	"github.com/libw3wallet/libw3wallet/bindings/go/w3wallet/internal/capi"
)

// Status is a libw3wallet status code: 0 or a negative W3W_E* value.
type Status int

// The status codes of include/w3wallet/common.h.
const (
	StatusOK              Status = 0
	StatusInvalid         Status = -1
	StatusNoMemory        Status = -2
	StatusNotFound        Status = -3
	StatusConflict        Status = -4
	StatusInsufficient    Status = -5
	StatusForbidden       Status = -6
	StatusInvalidState    Status = -7
	StatusIdempotency     Status = -8
	StatusUnavailable     Status = -9
	StatusVersion         Status = -10
	StatusUnauthenticated Status = -11
	StatusRateLimited     Status = -12
	StatusCrypto          Status = -13
	StatusInternal        Status = -14
	// StatusOutcomeUnknown: the answer was lost; the command may have committed.
	// Retry with the same idempotency key to get its result or run it once.
	StatusOutcomeUnknown Status = -15
	// StatusLimitExceeded: a withdrawal limit refuses it; the message names the limit and what remains.
	StatusLimitExceeded Status = -16
)

// String is the library's stable name of the status ("conflict", "not_found", ...).
func (s Status) String() string { return capi.W3w_status_name(int(s)) }

// Sentinel errors, one per status: test with errors.Is(err, w3wallet.ErrConflict).
var (
	ErrInvalid           = errors.New("w3wallet: invalid input")
	ErrNoMemory          = errors.New("w3wallet: out of memory")
	ErrNotFound          = errors.New("w3wallet: not found")
	ErrConflict          = errors.New("w3wallet: conflict")
	ErrInsufficientFunds = errors.New("w3wallet: insufficient funds")
	ErrForbidden         = errors.New("w3wallet: forbidden")
	ErrInvalidState      = errors.New("w3wallet: invalid state")
	ErrIdempotency       = errors.New("w3wallet: idempotency key reused with a different request")
	ErrUnavailable       = errors.New("w3wallet: backend unavailable")
	ErrVersion           = errors.New("w3wallet: version mismatch")
	ErrUnauthenticated   = errors.New("w3wallet: unauthenticated")
	ErrRateLimited       = errors.New("w3wallet: rate limited")
	ErrCrypto            = errors.New("w3wallet: cryptographic check failed")
	ErrInternal          = errors.New("w3wallet: internal error")
	ErrOutcomeUnknown    = errors.New("w3wallet: outcome unknown (may have been applied; retry with the same idempotency key)")
	ErrLimitExceeded     = errors.New("w3wallet: withdrawal limit exceeded")
	// ErrUnknown stands for a status this binding does not know (a newer library).
	ErrUnknown = errors.New("w3wallet: unknown status")
	// ErrClosed is returned by a Context, Subscription or JWTVerifier used after Close.
	ErrClosed = errors.New("w3wallet: used after Close")
)

var sentinels = map[Status]error{
	StatusInvalid:         ErrInvalid,
	StatusNoMemory:        ErrNoMemory,
	StatusNotFound:        ErrNotFound,
	StatusConflict:        ErrConflict,
	StatusInsufficient:    ErrInsufficientFunds,
	StatusForbidden:       ErrForbidden,
	StatusInvalidState:    ErrInvalidState,
	StatusIdempotency:     ErrIdempotency,
	StatusUnavailable:     ErrUnavailable,
	StatusVersion:         ErrVersion,
	StatusUnauthenticated: ErrUnauthenticated,
	StatusRateLimited:     ErrRateLimited,
	StatusCrypto:          ErrCrypto,
	StatusInternal:        ErrInternal,
	StatusOutcomeUnknown:  ErrOutcomeUnknown,
	StatusLimitExceeded:   ErrLimitExceeded,
}

// Sentinel is the sentinel error of a status (ErrUnknown for one this binding does not know).
func Sentinel(s Status) error {
	if e, ok := sentinels[s]; ok {
		return e
	}
	return ErrUnknown
}

// Error is a failed libw3wallet call.
type Error struct {
	Status  Status // the C status code
	Op      string // the method that failed ("ClaimOrder")
	Message string // the library's message, naming the field or object at fault
}

func (e *Error) Error() string { return "w3wallet: " + e.Op + ": " + e.Message }

// Unwrap gives the sentinel of the status, so errors.Is(err, ErrConflict) works.
func (e *Error) Unwrap() error { return Sentinel(e.Status) }

// wrap turns the low-level *capi.StatusError (captured in the failing C
// call) into an *Error; nil stays nil.
func wrap(op string, err error) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, ErrClosed) {
		return fmt.Errorf("w3wallet: %s: %w", op, ErrClosed)
	}
	var se *capi.StatusError
	if errors.As(err, &se) {
		return &Error{Status: Status(se.Code), Op: op, Message: se.Message}
	}
	return &Error{Status: StatusInternal, Op: op, Message: err.Error()}
}

func invalid(op, message string) error {
	return &Error{Status: StatusInvalid, Op: op, Message: message}
}
