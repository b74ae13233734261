package w3wallet

import (
	"bytes"
	"encoding/json"
	"strconv"
	"strings"

	"github.com/libw3wallet/libw3wallet/bindings/go/w3wallet/internal/capi"
)

// Amount is an exact amount: a count of 10^-8 units (DECIMAL(18,8)).
// Amount(150000000) is 1.5. Money never touches floating point.
type Amount int64

const (
	// AmountScale is the number of units in one whole coin.
	AmountScale = 100000000
	// AmountDecimals is the number of decimals an amount can have.
	AmountDecimals = 8
	// MaxAmount is the largest amount, 9999999999.99999999.
	MaxAmount Amount = 999999999999999999
)

// ParseAmount parses a non-negative decimal ("12.5", "0.00000001", "7") by
// the library's own rules: digits, optionally one '.' and 1..8 digits, at
// most MaxAmount; no sign, exponent or spaces. The error wraps ErrInvalid.
func ParseAmount(text string) (Amount, error) {
	if strings.IndexByte(text, 0) >= 0 {
		return 0, invalid("ParseAmount", "amount: contains a NUL byte")
	}
	var units int64
	if err := capi.W3w_amount_parse(&units, text); err != nil {
		return 0, wrap("ParseAmount", err)
	}
	return Amount(units), nil
}

// MustParseAmount is ParseAmount for constants; it panics on bad input.
func MustParseAmount(text string) Amount {
	a, err := ParseAmount(text)
	if err != nil {
		panic(err)
	}
	return a
}

// Units is the amount in 10^-8 units.
func (a Amount) Units() int64 { return int64(a) }

// String is the shortest exact decimal form ("12.5", "0.00000001", "0"),
// as w3w_amount_format prints it; negative amounts (only the external ledger
// account has them) get a leading '-'.
func (a Amount) String() string {
	u := uint64(a)
	neg := a < 0
	if neg {
		u = uint64(-(a + 1)) + 1 // no overflow at math.MinInt64
	}
	whole, frac := u/AmountScale, u%AmountScale
	var b strings.Builder
	if neg {
		b.WriteByte('-')
	}
	b.WriteString(strconv.FormatUint(whole, 10))
	if frac != 0 {
		f := strconv.FormatUint(frac+AmountScale, 10)[1:] // 8 digits, zero-padded
		b.WriteByte('.')
		b.WriteString(strings.TrimRight(f, "0"))
	}
	return b.String()
}

// Mul is a × quantity, refusing overflow past MaxAmount (ErrInvalid).
func (a Amount) Mul(quantity int64) (Amount, error) {
	var out int64
	if err := capi.W3w_amount_mul(&out, int64(a), quantity); err != nil {
		return 0, wrap("Amount.Mul", err)
	}
	return Amount(out), nil
}

// Add is a + b, refusing overflow past MaxAmount (ErrInvalid).
func (a Amount) Add(b Amount) (Amount, error) {
	var out int64
	if err := capi.W3w_amount_add(&out, int64(a), int64(b)); err != nil {
		return 0, wrap("Amount.Add", err)
	}
	return Amount(out), nil
}

// MarshalText writes the exact decimal form.
func (a Amount) MarshalText() ([]byte, error) { return []byte(a.String()), nil }

// UnmarshalText parses by ParseAmount's rules.
func (a *Amount) UnmarshalText(text []byte) error {
	v, err := ParseAmount(string(text))
	if err != nil {
		return err
	}
	*a = v
	return nil
}

// MarshalJSON writes a JSON string ("12.5"), as the HTTP API does: JSON
// numbers lose precision past 2^53 in many readers.
func (a Amount) MarshalJSON() ([]byte, error) { return json.Marshal(a.String()) }

// UnmarshalJSON reads a JSON string holding a decimal.
func (a *Amount) UnmarshalJSON(data []byte) error {
	if !bytes.HasPrefix(data, []byte{'"'}) {
		return invalid("Amount.UnmarshalJSON", "amount: must be a JSON string holding a decimal")
	}
	var s string
	if err := json.Unmarshal(data, &s); err != nil {
		return err
	}
	return a.UnmarshalText([]byte(s))
}
