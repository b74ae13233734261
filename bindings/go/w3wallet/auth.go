package w3wallet

import (
	"fmt"
	"runtime"
	"sync"
	"time"

	"github.com/libw3wallet/libw3wallet/bindings/go/w3wallet/internal/capi"
)

// JWTVerifier verifies bearer tokens of one pinned algorithm (HS256 or
// EdDSA) and turns them into an Actor. Safe for concurrent use.
type JWTVerifier struct {
	mu  sync.RWMutex
	ptr capi.Struct_SS_w3w_jwt_verifier
}

func newVerifier(op string, make func(*uintptr) error) (*JWTVerifier, error) {
	var p uintptr
	if err := make(&p); err != nil {
		return nil, wrap(op, err)
	}
	v := &JWTVerifier{ptr: capi.SwigcptrStruct_SS_w3w_jwt_verifier(p)}
	runtime.SetFinalizer(v, (*JWTVerifier).Close)
	return v, nil
}

// NewHS256Verifier verifies HS256 tokens with a shared secret of 32..1024 bytes (copied).
func NewHS256Verifier(secret []byte) (*JWTVerifier, error) {
	return newVerifier("NewHS256Verifier", func(p *uintptr) error { return capi.W3w_jwt_verifier_hs256(p, secret) })
}

// NewEdDSAVerifier verifies EdDSA tokens with a 32-byte Ed25519 public key.
func NewEdDSAVerifier(publicKey []byte) (*JWTVerifier, error) {
	return newVerifier("NewEdDSAVerifier", func(p *uintptr) error { return capi.W3w_jwt_verifier_eddsa(p, publicKey) })
}

// Verify checks token at time now (allowing leeway of clock skew) and returns
// its actor; the error wraps ErrUnauthenticated and says what is wrong.
func (v *JWTVerifier) Verify(token string, now time.Time, leeway time.Duration) (Actor, error) {
	const op = "JWTVerifier.Verify"
	if err := noNUL(op, "token", token); err != nil {
		return Actor{}, err
	}
	v.mu.RLock()
	defer v.mu.RUnlock()
	if v.ptr == nil {
		return Actor{}, fmt.Errorf("w3wallet: %s: %w", op, ErrClosed)
	}
	out := capi.NewW3w_actor()
	defer capi.DeleteW3w_actor(out)
	if err := capi.W3w_jwt_verify(out, v.ptr, token, now.UnixMicro(), int(leeway/time.Second)); err != nil {
		return Actor{}, wrap(op, err)
	}
	return Actor{UserID: out.GetUser_id(), Roles: Role(out.GetRoles())}, nil
}

// Close frees the verifier (its secret is wiped). Idempotent.
func (v *JWTVerifier) Close() error {
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.ptr != nil {
		capi.W3w_jwt_verifier_free(v.ptr)
		v.ptr = nil
		runtime.SetFinalizer(v, nil)
	}
	return nil
}

// SignHS256 issues an HS256 token for sub with roles, valid for ttl from issuedAt (for tools and tests).
func SignHS256(secret []byte, sub string, roles Role, issuedAt time.Time, ttl time.Duration) (string, error) {
	if err := noNUL("SignHS256", "sub", sub); err != nil {
		return "", err
	}
	var tok string
	if err := capi.W3w_jwt_sign_hs256(&tok, secret, sub, uint(roles), issuedAt.UnixMicro(), int64(ttl/time.Second)); err != nil {
		return "", wrap("SignHS256", err)
	}
	return tok, nil
}
