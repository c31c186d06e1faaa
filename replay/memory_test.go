package replay

import (
	"context"
	"errors"
	"runtime"
	"strconv"
	"testing"
	"time"
)

func TestMemoryLifecycle(t *testing.T) {
	ctx := context.Background()
	m := NewMemory(10)
	now := time.Unix(1000, 0)
	m.now = func() time.Time { return now }

	c, err := m.Claim(ctx, []string{"a", "b"}, time.Minute)
	if err != nil || c.State != Unseen || c.Owner == "" {
		t.Fatalf("first claim: %+v %v", c, err)
	}
	if again, _ := m.Claim(ctx, []string{"b"}, time.Minute); again.State != InFlight {
		t.Fatalf("claim of a key in flight: %v", again.State)
	}
	if err := m.Complete(ctx, Claim{Keys: c.Keys, Owner: "someone else"}, Answer{Status: 200}); err != nil {
		t.Fatal(err)
	}
	if st, _, _ := m.Lookup(ctx, "a"); st != InFlight {
		t.Fatalf("another owner completed the claim: %v", st)
	}
	want := Answer{Status: 200, ContentType: "application/xml", Body: []byte("<Response/>")}
	m.Complete(ctx, c, want)
	for _, k := range []string{"a", "b"} {
		got, _ := m.Claim(ctx, []string{"x", k}, time.Minute)
		if got.State != Answered || string(got.Answer.Body) != string(want.Body) || got.Answer.ContentType != want.ContentType {
			t.Fatalf("claim of answered %q: %+v", k, got)
		}
	}
	if m.Len() != 2 {
		t.Fatalf("a refused claim left keys behind: %d", m.Len())
	}
	m.Release(ctx, c) // an answered claim is not released
	if st, _, _ := m.Lookup(ctx, "a"); st != Answered {
		t.Fatalf("release dropped an answer: %v", st)
	}

	now = now.Add(time.Minute)
	if st, _, _ := m.Lookup(ctx, "a"); st != Unseen || m.Len() != 0 {
		t.Fatalf("after the window: %v, %d keys", st, m.Len())
	}
}

// TestMemoryBound: at the bound, new claims are refused; nothing is evicted
// early, so no replay gets through; once keys expire there is room again.
func TestMemoryBound(t *testing.T) {
	ctx := context.Background()
	m := NewMemory(3)
	now := time.Unix(0, 0)
	m.now = func() time.Time { return now }
	for i, k := range []string{"a", "b", "c"} {
		c, err := m.Claim(ctx, []string{k}, time.Minute)
		if err != nil {
			t.Fatalf("claim %d: %v", i, err)
		}
		m.Complete(ctx, c, Answer{Status: 200})
	}
	if _, err := m.Claim(ctx, []string{"d"}, time.Minute); !errors.Is(err, ErrFull) {
		t.Fatalf("claim past the bound: %v, want ErrFull", err)
	}
	if c, _ := m.Claim(ctx, []string{"a"}, time.Minute); c.State != Answered {
		t.Fatalf("a replay at the bound: %v, want the stored answer", c.State)
	}
	now = now.Add(time.Minute)
	if c, err := m.Claim(ctx, []string{"d"}, time.Minute); err != nil || c.State != Unseen {
		t.Fatalf("after expiry: %+v %v", c, err)
	}
}

// TestMemoryBoundedUnderChurn: with keys claimed and expiring at a steady
// rate, the store's memory reaches a plateau (the map settles after about a
// dozen windows of churn) and stays there.
func TestMemoryBoundedUnderChurn(t *testing.T) {
	if testing.Short() {
		t.Skip("drives 30 windows of churn")
	}
	ctx := context.Background()
	m := NewMemory(1 << 20)
	now := time.Unix(0, 0)
	m.now = func() time.Time { return now }
	const perWindow, window = 8000, time.Second
	heapAfter := func(windows int, n *int) uint64 {
		for w := 0; w < windows; w++ {
			for i := 0; i < perWindow; i++ {
				*n++
				now = now.Add(window / perWindow)
				c, _ := m.Claim(ctx, []string{NonceKey("plivo-v3", strconv.Itoa(*n))}, window)
				m.Complete(ctx, c, Answer{Status: 200, ContentType: "application/xml", Body: []byte("<Response/>")})
			}
		}
		runtime.GC()
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		return ms.HeapInuse
	}
	n := 0
	settled := heapAfter(20, &n)
	later := heapAfter(15, &n)
	if m.Len() > perWindow+1 {
		t.Fatalf("%d keys held, want at most one window's %d", m.Len(), perWindow)
	}
	if float64(later) > float64(settled)*1.10 {
		t.Fatalf("heap grew from %d to %d bytes with a constant number of keys", settled, later)
	}
	t.Logf("heap in use after 20 windows %.1f MiB, after 35 %.1f MiB, %d keys", float64(settled)/(1<<20), float64(later)/(1<<20), m.Len())
}
