package w3wallet

import (
	"context"
	"fmt"
	"runtime"
	"strings"
	"sync"
	"time"

	"github.com/libw3wallet/libw3wallet/bindings/go/w3wallet/internal/capi"
)

// Options of Open. The zero value of every field keeps the library default
// (w3w_options_init): SQLite file "w3wallet.db", in-process cache and
// events, background relay on.
type Options struct {
	// StorageURL: "sqlite:PATH", "sqlite::memory:", "postgres://user:pass@host:port/db" or a libpq conninfo.
	StorageURL string
	// CacheURL: "memory:" (default), "memory:?max=N", "none:", "redis://host:port/db".
	CacheURL string
	// EventsURL: "" (in-process subscribers only), "file:PATH" (JSON lines), "kafka://host:port[,host:port]".
	EventsURL string
	// MasterKeyHex seals wallet keys at rest: 64 hex characters. Empty disables wallet keys.
	MasterKeyHex string
	// Region stamped on events ("local" when empty).
	Region string
	// IdempotencyTTL: how long idempotency keys are kept (default 24 h; whole seconds).
	IdempotencyTTL time.Duration
	// PoolSize: storage connections (default 8).
	PoolSize int
	// Timeout: connect/command timeout of network backends (default 5 s; whole milliseconds).
	Timeout time.Duration
	// ManualRelay: no background relay thread; the host calls EventsPump and AuditSeal.
	ManualRelay bool
	// ReadStorageURL: a PostgreSQL read replica for reads by id and lists (docs/api.md, "Read replicas").
	ReadStorageURL string
	// MaxReplicaLag: reads without a position use the replica while it lags less (default 1 s).
	MaxReplicaLag time.Duration
	// SignerURL: "unix:/path/sock": wallet keys stay in w3wallet-signer (docs/signer.md); no MasterKeyHex needed.
	SignerURL string
	// SignerKeyHex: the signer's shared key, 64 hex characters (with SignerURL).
	SignerKeyHex string
}

func (o Options) toC() (capi.W3w_options, error) {
	c := capi.NewW3w_options()
	fail := func(err error) (capi.W3w_options, error) {
		capi.DeleteW3w_options(c)
		return nil, wrap("Open", err)
	}
	if err := capi.W3wb_options_init(c, uint(capi.W3W_OPTIONS_VERSION)); err != nil {
		return fail(err)
	}
	for _, f := range []struct{ name, value string }{
		{"storage_url", o.StorageURL}, {"cache_url", o.CacheURL}, {"events_url", o.EventsURL},
		{"master_key_hex", o.MasterKeyHex}, {"region", o.Region}, {"read_storage_url", o.ReadStorageURL},
		{"signer_url", o.SignerURL}, {"signer_key_hex", o.SignerKeyHex},
	} {
		if f.value == "" {
			continue
		}
		if strings.IndexByte(f.value, 0) >= 0 {
			capi.DeleteW3w_options(c)
			return nil, invalid("Open", f.name+": contains a NUL byte")
		}
		if err := capi.W3wb_options_set_text(c, f.name, f.value); err != nil {
			return fail(err)
		}
	}
	if o.IdempotencyTTL > 0 {
		c.SetIdempotency_ttl_s(int64(o.IdempotencyTTL / time.Second))
	}
	if o.PoolSize > 0 {
		c.SetPool_size(o.PoolSize)
	}
	if o.Timeout > 0 {
		c.SetTimeout_ms(int(o.Timeout / time.Millisecond))
	}
	if o.ManualRelay {
		c.SetBackground_relay(0)
	}
	if o.MaxReplicaLag > 0 {
		c.SetMax_replica_lag_ms(int(o.MaxReplicaLag / time.Millisecond))
	}
	return c, nil
}

// Context is an open libw3wallet context: storage, cache and event backends
// chosen by URL. It is safe for concurrent use by many goroutines.
type Context struct {
	mu     sync.RWMutex // calls hold it shared; Close takes it exclusively (lock order: mu, then a Subscription's mu)
	ptr    capi.Struct_SS_w3w_ctx
	subsMu sync.Mutex
	subs   map[*subState]struct{} // guarded by subsMu, as chains
	chains map[*chainState]struct{}
}

// Open connects the backends, applies storage migrations and starts the relay.
// Close the Context when done; a finalizer closes a forgotten one, but only
// as a safety net.
func Open(opts Options) (*Context, error) {
	copts, err := opts.toC()
	if err != nil {
		return nil, err
	}
	defer capi.DeleteW3w_options(copts)
	var p uintptr
	if err := capi.W3w_ctx_open(&p, copts); err != nil {
		return nil, wrap("Open", err)
	}
	c := &Context{ptr: capi.SwigcptrStruct_SS_w3w_ctx(p), subs: map[*subState]struct{}{},
		chains: map[*chainState]struct{}{}}
	runtime.SetFinalizer(c, (*Context).Close)
	return c, nil
}

// Close closes the Context's subscriptions, waits for calls in flight, stops
// the relay (after a last drain) and frees the context. Later calls return
// ErrClosed. Close is idempotent.
func (c *Context) Close() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.ptr == nil {
		return nil
	}
	c.subsMu.Lock()
	subs, chains := c.subs, c.chains
	c.subs, c.chains = nil, nil
	c.subsMu.Unlock()
	for s := range subs {
		s.free()
	}
	for ch := range chains {
		ch.free()
	}
	capi.W3w_ctx_close(c.ptr)
	c.ptr = nil
	runtime.SetFinalizer(c, nil)
	return nil
}

// enter starts a call: the context stays open until leave. A cancelled or
// expired ctx stops the call before it starts (a started C call runs to its
// end, bounded by the backends' timeout).
func (c *Context) enter(ctx context.Context, op string) (capi.Struct_SS_w3w_ctx, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	c.mu.RLock()
	if c.ptr == nil {
		c.mu.RUnlock()
		return nil, fmt.Errorf("w3wallet: %s: %w", op, ErrClosed)
	}
	return c.ptr, nil
}

func (c *Context) leave() { c.mu.RUnlock() }

// cActor builds the C actor of a call; free it with capi.DeleteW3w_actor.
func cActor(op string, a Actor) (capi.W3w_actor, error) {
	ca := capi.NewW3w_actor()
	if err := capi.W3wb_actor_init(ca, a.UserID, uint(a.Roles)); err != nil {
		capi.DeleteW3w_actor(ca)
		return nil, wrap(op, err)
	}
	return ca, nil
}

// noNUL refuses text with a NUL byte, which C would silently cut.
func noNUL(op string, fields ...string) error {
	for i := 0; i+1 < len(fields); i += 2 {
		if strings.IndexByte(fields[i+1], 0) >= 0 {
			return invalid(op, fields[i]+": contains a NUL byte")
		}
	}
	return nil
}

// call runs one command: checks ctx and text, opens the C actor, holds the
// context open while fn runs.
func (c *Context) call(ctx context.Context, op string, actor *Actor, text []string,
	fn func(p capi.Struct_SS_w3w_ctx, a capi.W3w_actor) error) error {
	if err := noNUL(op, text...); err != nil {
		return err
	}
	var ca capi.W3w_actor
	if actor != nil {
		var err error
		if ca, err = cActor(op, *actor); err != nil {
			return err
		}
		defer capi.DeleteW3w_actor(ca)
	}
	p, err := c.enter(ctx, op)
	if err != nil {
		return err
	}
	defer c.leave()
	return wrap(op, fn(p, ca))
}
