package replay

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"answerurl/internal/redistest"
)

func newTestRedis(t *testing.T, srv *redistest.Server) *Redis {
	r, err := NewRedis(srv.URL(), "test:", 500*time.Millisecond)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Close() })
	return r
}

func TestRedisStore(t *testing.T) {
	srv := redistest.Start(t)
	testStore(t, newTestRedis(t, srv))
}

// TestRedisKeys: keys are namespaced, hold no secret, and expire with the
// window, the answer keeping the claim's remaining expiry.
func TestRedisKeys(t *testing.T) {
	srv := redistest.Start(t)
	r := newTestRedis(t, srv)
	ctx := context.Background()
	key := NonceKey("plivo-v3", "12345678901234567890")
	c, err := r.Claim(ctx, []string{key}, 10*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	time.Sleep(300 * time.Millisecond)
	r.Complete(ctx, c, Answer{Status: 200, ContentType: "application/xml", Body: []byte("<Response/>")})
	pttl, _ := strconv.Atoi(strings.TrimPrefix(srv.Do("PTTL", "test:"+key), ":"))
	if pttl <= 0 || pttl > 9800 {
		t.Errorf("PTTL after the answer = %d ms, want the remaining window (< 9800)", pttl)
	}
	if got := srv.Do("KEYS", "*"); !strings.HasPrefix(got, "*1") {
		t.Errorf("want exactly one key, got %s", got)
	}
	if strings.Contains(key, "12345678901234567890") || !strings.HasPrefix(key, "plivo-v3:nonce:") {
		t.Errorf("key %q carries the raw nonce or no scheme", key)
	}
}

// TestRedisOutage: with Redis down every call fails fast with an error; once
// it is back, the same client works again without a restart.
func TestRedisOutage(t *testing.T) {
	srv := redistest.Start(t)
	r := newTestRedis(t, srv)
	ctx := context.Background()
	srv.Stop()
	start := time.Now()
	if _, err := r.Claim(ctx, []string{"k"}, time.Minute); err == nil {
		t.Fatal("claim with Redis down succeeded")
	}
	if err := r.Ping(ctx); err == nil {
		t.Fatal("ping with Redis down succeeded")
	}
	if took := time.Since(start); took > 3*time.Second {
		t.Errorf("failing took %s: the timeouts do not hold", took)
	}
	srv.Restart()
	if c, err := r.Claim(ctx, []string{"k"}, time.Minute); err != nil || c.State != Unseen {
		t.Fatalf("after Redis came back: %+v %v", c, err)
	}
}
