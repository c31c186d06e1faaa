package replay

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"testing"
	"time"
)

// fakeClock makes a Memory whose time the test moves.
func keysOf(sig string, cb ...string) Keys { return Keys{Signed: sig, Callback: cb} }

func fakeClock(m *Memory) *time.Time {
	now := time.Unix(1000, 0)
	m.now = func() time.Time { return now }
	return &now
}

func TestMemoryLifecycle(t *testing.T) {
	ctx := context.Background()
	m := NewMemory(10)
	now := fakeClock(m)
	c, err := m.Claim(ctx, keysOf("s1", "msg"), 20*time.Second, time.Minute)
	if err != nil || c.State != Claimed {
		t.Fatal(c, err)
	}
	*now = now.Add(19 * time.Second)
	if got, _ := m.Claim(ctx, keysOf("s2", "msg"), time.Second, time.Minute); got.State != InFlight {
		t.Fatalf("within the lease: %v", got.State)
	}
	if err := m.Complete(ctx, c, Answer{Status: 200, Body: []byte("x")}, time.Minute); err != nil {
		t.Fatal(err)
	}
	*now = now.Add(59 * time.Second)
	if got, _ := m.Claim(ctx, keysOf("s3", "msg"), time.Second, time.Minute); got.State != Answered || string(got.Answer.Body) != "x" {
		t.Fatalf("within the window: %+v", got)
	}
	*now = now.Add(2 * time.Second)
	if got, _ := m.Claim(ctx, keysOf("s3", "other"), time.Second, time.Minute); got.State != Spent {
		t.Fatalf("the retry's signature after the answer's window, within its own: %v", got.State)
	}
	*now = now.Add(2 * time.Minute)
	if got, _ := m.Claim(ctx, keysOf("s1", "msg"), time.Second, time.Minute); got.State != Claimed {
		t.Fatalf("after every window: %v", got.State)
	}
	if len(m.keys) != 2 || len(m.records) != 1 || len(m.answers) != 0 {
		t.Fatalf("after the window: %d keys, %d records, %d answers held; want the new claim's 2 keys and 1 record", len(m.keys), len(m.records), len(m.answers))
	}
}

func TestMemoryBound(t *testing.T) {
	ctx := context.Background()
	m := NewMemory(4)
	now := fakeClock(m)
	for i, k := range []string{"a", "b"} {
		c, err := m.Claim(ctx, keysOf("sig-"+k, k), time.Second, time.Minute)
		if err != nil {
			t.Fatalf("claim %d: %v", i, err)
		}
		m.Complete(ctx, c, Answer{Status: 200}, time.Minute)
	}
	if _, err := m.Claim(ctx, keysOf("sig-d", "d"), time.Second, time.Minute); !errors.Is(err, ErrFull) {
		t.Fatalf("claim past the bound: %v, want ErrFull", err)
	}
	if c, _ := m.Claim(ctx, keysOf("sig-a", "x"), time.Second, time.Minute); c.State != Answered {
		t.Fatalf("a replay at the bound: %v, want the stored answer", c.State)
	}
	if _, err := m.Claim(ctx, keysOf("sig-a2", "a"), time.Second, time.Minute); !errors.Is(err, ErrFull) {
		t.Fatalf("a retry at the bound, whose signature cannot be kept: %v, want ErrFull", err)
	}
	*now = now.Add(time.Minute)
	if c, err := m.Claim(ctx, keysOf("sig-d", "d"), time.Second, time.Minute); err != nil || c.State != Claimed {
		t.Fatalf("after expiry: %+v %v", c, err)
	}
}

// TestMemoryBoundedUnderChurn: messages from new senders, each answered
// with its own reply (every SMS answer names its sender), expiring at a
// steady rate: what the store holds reaches a plateau of one window's
// traffic and stays there, far past the window. It counts what is held,
// not the process's heap, so that other tests cannot disturb it.
func TestMemoryBoundedUnderChurn(t *testing.T) {
	ctx := context.Background()
	m := NewMemory(1 << 20)
	now := fakeClock(m)
	const perWindow, window = 4000, time.Second
	n := 0
	held := func(windows int) (keys, records, answers, bytes int) {
		for w := 0; w < windows; w++ {
			for i := 0; i < perWindow; i++ {
				n++
				*now = now.Add(window / perWindow)
				id := strconv.Itoa(n)
				c, err := m.Claim(ctx, keysOf(Key("plivo-v2", "signed", id), Key("plivo-v2", "/receive_sms", id)), window/4, window)
				if err != nil || c.State != Claimed {
					t.Fatal(c.State, err)
				}
				body := fmt.Sprintf(`<Response><Message src="14155550111" dst="1%010d" type="sms">Thanks, we got your message.</Message></Response>`, n)
				if err := m.Complete(ctx, c, Answer{Status: 200, ContentType: "application/xml; charset=utf-8", Body: []byte(body)}, window); err != nil {
					t.Fatal(err)
				}
			}
		}
		for _, a := range m.answers {
			bytes += len(a.content)
		}
		return len(m.keys), len(m.records), len(m.answers), bytes
	}
	k1, r1, a1, b1 := held(15)
	k2, r2, a2, b2 := held(15)
	// At most one window plus one sweep interval of traffic.
	limit := 2 * perWindow
	if k2 > 2*limit || r2 > limit || a2 > limit || k2 > k1+k1/10 || b2 > b1+b1/10 {
		t.Fatalf("after 15 windows %d keys, %d records, %d answers (%d bytes); after 30 %d, %d, %d (%d bytes)", k1, r1, a1, b1, k2, r2, a2, b2)
	}
	t.Logf("after 30 windows: %d keys, %d records, %d answers, %d answer bytes", k2, r2, a2, b2)
}

// TestMemorySharesEqualAnswers: a static answer held by many records is
// stored once, and freed with its last record.
func TestMemorySharesEqualAnswers(t *testing.T) {
	ctx := context.Background()
	m := NewMemory(100)
	now := fakeClock(m)
	for i := 0; i < 10; i++ {
		c, _ := m.Claim(ctx, keysOf(fmt.Sprint("sig", i)), time.Second, time.Minute)
		m.Complete(ctx, c, Answer{Status: 200, Body: []byte("<Response/>")}, time.Minute)
	}
	if len(m.answers) != 1 || len(m.records) != 10 {
		t.Fatalf("%d answers for %d records, want 1", len(m.answers), len(m.records))
	}
	*now = now.Add(2 * time.Minute)
	m.Claim(ctx, keysOf("next"), time.Second, time.Minute)
	if len(m.answers) != 0 {
		t.Fatalf("%d answers held after every record expired", len(m.answers))
	}
}
