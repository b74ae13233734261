package w3wallet

import (
	"bytes"
	"time"

	"github.com/libw3wallet/libw3wallet/bindings/go/w3wallet/internal/capi"
)

// Version is the runtime version of libw3wallet ("MAJOR.MINOR.PATCH").
func Version() string { return capi.W3w_version() }

// NewID returns a new UUIDv7 in canonical lowercase form (ids sort by creation time).
func NewID() string {
	buf := make([]byte, 64)
	if err := capi.W3w_id_new(buf); err != nil {
		panic(wrap("NewID", err)) // only fails for a too-small buffer
	}
	return cString(buf)
}

// NormalizeID checks that text is a UUID and returns it in canonical lowercase form.
func NormalizeID(text string) (string, error) {
	if err := noNUL("NormalizeID", "id", text); err != nil {
		return "", err
	}
	buf := make([]byte, 64)
	if err := capi.W3w_id_normalize(buf, text); err != nil {
		return "", wrap("NormalizeID", err)
	}
	return cString(buf), nil
}

// Now is the library's clock, UTC with microseconds.
func Now() time.Time { return fromMicros(capi.W3w_time_now()) }

func cString(buf []byte) string {
	if i := bytes.IndexByte(buf, 0); i >= 0 {
		buf = buf[:i]
	}
	return string(buf)
}
