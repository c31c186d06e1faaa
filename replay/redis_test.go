package replay

import (
	"context"
	"errors"
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
	t.Parallel()
	srv := redistest.Start(t)
	testStore(t, newTestRedis(t, srv))
}

// TestRedisKeys: keys are namespaced and hold no secret; a claim expires
// with its lease, an answer with the window.
func TestRedisKeys(t *testing.T) {
	t.Parallel()
	srv := redistest.Start(t)
	r := newTestRedis(t, srv)
	ctx := context.Background()
	key := Key("plivo-v3", "nonce", "12345678901234567890")
	c, err := r.Claim(ctx, []string{key}, 17*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	pttl := func() int {
		n, _ := strconv.Atoi(strings.TrimPrefix(srv.Do("PTTL", "test:"+key), ":"))
		return n
	}
	if p := pttl(); p <= 16000 || p > 17000 {
		t.Errorf("PTTL of a claim = %d ms, want the lease (17 s)", p)
	}
	r.Complete(ctx, c, Answer{Status: 200, ContentType: "application/xml", Body: []byte("<Response/>")}, 15*time.Minute)
	if p := pttl(); p <= 14*60*1000 || p > 15*60*1000 {
		t.Errorf("PTTL of an answer = %d ms, want the window (15 min)", p)
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
	t.Parallel()
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

// TestRedisWrongPassword: a Redis that refuses the password is reported as
// such, not as unreachable.
func TestRedisWrongPassword(t *testing.T) {
	t.Parallel()
	srv := redistest.Start(t, "--requirepass", "right-password")
	r, err := NewRedis("redis://:wrong-password@"+srv.Addr+"/0", "test:", 500*time.Millisecond)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Close() })
	err = r.Ping(context.Background())
	if !errors.Is(err, ErrRedisAuth) || strings.Contains(err.Error(), "unreachable") || strings.Contains(err.Error(), "wrong-password") {
		t.Fatalf("Ping = %v; want ErrRedisAuth, without the password", err)
	}
	if _, err := r.Claim(context.Background(), []string{"k"}, time.Second); !errors.Is(err, ErrRedisAuth) {
		t.Fatalf("Claim = %v; want ErrRedisAuth", err)
	}
	good, _ := NewRedis("redis://:right-password@"+srv.Addr+"/0", "test:", 500*time.Millisecond)
	t.Cleanup(func() { good.Close() })
	if err := good.Ping(context.Background()); err != nil {
		t.Fatalf("with the right password: %v", err)
	}
}
