package w3wallet

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"sync"
	"time"

	"github.com/libw3wallet/libw3wallet/bindings/go/w3wallet/internal/capi"
)

// nextSlice bounds one wait in C, so that a cancelled context.Context or a
// Close is noticed within this time.
const nextSlice = 100 * time.Millisecond

// Subscription queues the events committed after it was made (by any
// process on the same storage). Read them with Next; Close it when done
// (Context.Close closes it at the latest).
type Subscription struct {
	c  *Context
	st *subState
}

// subState is what the Context tracks to close it; it points back to
// nothing, so a forgotten Subscription is not kept alive by its Context
// (a cycle through objects with finalizers would never be collected).
type subState struct {
	mu  sync.RWMutex // Next holds it shared; free takes it exclusively
	ptr capi.Struct_SS_w3w_subscription
}

// Subscribe starts a queue of up to queueCapacity events (0 = 1024); when it
// is full the oldest are dropped and counted (Dropped).
func (c *Context) Subscribe(queueCapacity int) (*Subscription, error) {
	var s *Subscription
	err := c.call(context.Background(), "Subscribe", nil, nil, func(p capi.Struct_SS_w3w_ctx, _ capi.W3w_actor) error {
		var sp uintptr
		if err := capi.W3wb_subscribe(&sp, p, int64(queueCapacity)); err != nil {
			return err
		}
		s = &Subscription{c: c, st: &subState{ptr: capi.SwigcptrStruct_SS_w3w_subscription(sp)}}
		c.subsMu.Lock()
		c.subs[s.st] = struct{}{}
		c.subsMu.Unlock()
		return nil
	})
	if err != nil {
		return nil, err
	}
	runtime.SetFinalizer(s, (*Subscription).Close)
	return s, nil
}

// Next returns the next event, waiting until one comes or ctx is done (then
// it returns ctx.Err()). Use context.WithTimeout for a bounded wait.
func (s *Subscription) Next(ctx context.Context) (Event, error) {
	for {
		ev, ok, err := s.next(ctx)
		if ok || err != nil {
			return ev, err
		}
	}
}

// TryNext returns a queued event without waiting; ok is false if none is queued.
func (s *Subscription) TryNext() (ev Event, ok bool, err error) {
	return s.wait(0)
}

func (s *Subscription) next(ctx context.Context) (Event, bool, error) {
	if err := ctx.Err(); err != nil {
		return Event{}, false, err
	}
	slice := nextSlice
	if dl, has := ctx.Deadline(); has {
		if left := time.Until(dl); left < slice {
			slice = left
		}
	}
	if slice < time.Millisecond {
		slice = time.Millisecond
	}
	return s.wait(slice)
}

func (s *Subscription) wait(d time.Duration) (Event, bool, error) {
	const op = "Subscription.Next"
	if _, err := s.c.enter(context.Background(), op); err != nil {
		return Event{}, false, err
	}
	defer s.c.leave()
	st := s.st
	st.mu.RLock()
	defer st.mu.RUnlock()
	if st.ptr == nil {
		return Event{}, false, fmt.Errorf("w3wallet: %s: %w", op, ErrClosed)
	}
	var ep uintptr
	if err := capi.W3w_subscription_next(&ep, st.ptr, int(d/time.Millisecond)); err != nil {
		var se *capi.StatusError
		if errors.As(err, &se) && Status(se.Code) == StatusNotFound {
			return Event{}, false, nil // nothing came in time
		}
		return Event{}, false, wrap(op, err)
	}
	ce := capi.SwigcptrW3w_event(ep)
	defer capi.W3w_event_free(ce)
	return eventFromC(ce), true, nil
}

// Dropped counts the events dropped because the queue was full.
func (s *Subscription) Dropped() uint64 {
	s.st.mu.RLock()
	defer s.st.mu.RUnlock()
	if s.st.ptr == nil {
		return 0
	}
	return capi.W3w_subscription_dropped(s.st.ptr)
}

// Close stops and frees the subscription; it waits for a Next in progress.
// Close is idempotent.
func (s *Subscription) Close() error {
	c := s.c
	c.mu.RLock()
	defer c.mu.RUnlock()
	c.subsMu.Lock()
	delete(c.subs, s.st)
	c.subsMu.Unlock()
	s.st.free()
	runtime.SetFinalizer(s, nil)
	return nil
}

// free unsubscribes; the caller holds the Context open (shared or exclusive).
func (st *subState) free() {
	st.mu.Lock()
	defer st.mu.Unlock()
	if st.ptr != nil {
		capi.W3w_unsubscribe(st.ptr)
		st.ptr = nil
	}
}

// EventsPump delivers up to max pending outbox events now (0 = a default
// batch) and says how many; safe with the background relay running.
func (c *Context) EventsPump(ctx context.Context, max int) (int, error) {
	var n uint64
	err := c.call(ctx, "EventsPump", nil, nil, func(p capi.Struct_SS_w3w_ctx, _ capi.W3w_actor) error {
		return capi.W3w_events_pump(p, int64(max), &n)
	})
	return int(n), err
}

// OutboxStats are the outbox counters (admin, auditor or service).
func (c *Context) OutboxStats(ctx context.Context, actor Actor) (OutboxStats, error) {
	out := capi.NewW3w_outbox_stats()
	defer capi.DeleteW3w_outbox_stats(out)
	err := c.call(ctx, "OutboxStats", &actor, nil, func(p capi.Struct_SS_w3w_ctx, a capi.W3w_actor) error {
		return capi.W3w_outbox_stats_get(out, p, a)
	})
	if err != nil {
		return OutboxStats{}, err
	}
	return OutboxStats{Total: out.GetTotal(), Pending: out.GetPending(),
		OldestPendingAt: fromMicros(out.GetOldest_pending_at()), LastSeq: out.GetLast_seq()}, nil
}

// AuditVerify seals what is pending, then walks the whole audit chain (auditor or admin).
// A broken chain is reported in the AuditReport, not as an error.
func (c *Context) AuditVerify(ctx context.Context, actor Actor) (AuditReport, error) {
	out := capi.NewW3w_audit_report()
	defer capi.DeleteW3w_audit_report(out)
	err := c.call(ctx, "AuditVerify", &actor, nil, func(p capi.Struct_SS_w3w_ctx, a capi.W3w_actor) error {
		return capi.W3w_audit_verify(out, p, a)
	})
	if err != nil {
		return AuditReport{}, err
	}
	return AuditReport{OK: out.GetOk() == 1, Records: out.GetRecords(), Unsealed: out.GetUnsealed(),
		FirstBad: out.GetFirst_bad(), Reason: out.GetReason()}, nil
}

// AuditSeal links up to max (0 = all) pending audit records into the chain.
func (c *Context) AuditSeal(ctx context.Context, max int) (int, error) {
	var n uint64
	err := c.call(ctx, "AuditSeal", nil, nil, func(p capi.Struct_SS_w3w_ctx, _ capi.W3w_actor) error {
		return capi.W3w_audit_seal(p, int64(max), &n)
	})
	return int(n), err
}

// RateLimitTake takes one token of bucket key, refilled at ratePerS up to
// burst. When refused, retryAfter says when to retry.
func (c *Context) RateLimitTake(ctx context.Context, key string, ratePerS, burst float64) (allowed bool, retryAfter time.Duration, err error) {
	var ok int32
	var ms int64
	err = c.call(ctx, "RateLimitTake", nil, []string{"key", key}, func(p capi.Struct_SS_w3w_ctx, _ capi.W3w_actor) error {
		return capi.W3w_rate_limit_take(p, key, ratePerS, burst, &ok, &ms)
	})
	return ok == 1, time.Duration(ms) * time.Millisecond, err
}
