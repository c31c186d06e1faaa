package redisstore

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"testing"
	"time"

	"answerurl/internal/redistest"
	"answerurl/replay"
	"answerurl/replay/storetest"
)

func keysOf(sig string, cb ...string) replay.Keys { return replay.Keys{Signed: sig, Callback: cb} }

func newTestRedis(t *testing.T, srv *redistest.Server) *Store {
	r, err := New(srv.URL(), "test:", 500*time.Millisecond)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Close() })
	return r
}

func TestRedisStore(t *testing.T) {
	t.Parallel()
	srv := redistest.Start(t)
	storetest.Run(t, newTestRedis(t, srv))
}

// TestRedisKeys: keys are namespaced and hold no secret; a callback key
// expires with its lease, then with the window once answered, and the
// answer is stored once, in the record.
func TestRedisKeys(t *testing.T) {
	t.Parallel()
	srv := redistest.Start(t)
	r := newTestRedis(t, srv)
	ctx := context.Background()
	sig, msg := replay.Key("plivo-v2", "signed", "12345678901234567890"), replay.Key("plivo-v2", "/receive_sms", "uuid")
	c, err := r.Claim(ctx, keysOf(sig, msg), 17*time.Second, 15*time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	pttl := func(k string) int {
		n, _ := strconv.Atoi(strings.TrimPrefix(srv.Do("PTTL", "test:"+k), ":"))
		return n
	}
	if p := pttl(msg); p <= 16000 || p > 17000 {
		t.Errorf("PTTL of a claimed callback key = %d ms, want the lease (17 s)", p)
	}
	if p := pttl("record:" + c.RecordID); p <= 16000 || p > 17000 {
		t.Errorf("PTTL of a record in flight = %d ms, want the lease (17 s)", p)
	}
	r.Complete(ctx, c, replay.Answer{Status: 200, ContentType: "application/xml", Body: []byte("<Response/>")}, 15*time.Minute)
	for _, k := range []string{sig, msg, "record:" + c.RecordID} {
		if p := pttl(k); p <= 14*60*1000 || p > 15*60*1000 {
			t.Errorf("PTTL of %s once answered = %d ms, want the window (15 min)", k, p)
		}
	}
	if got := srv.Do("KEYS", "*"); !strings.HasPrefix(got, "*3") {
		t.Errorf("want exactly three keys (signature, message, record), got %s", got)
	}
	if strings.Contains(sig, "12345678901234567890") || !strings.HasPrefix(sig, "plivo-v2:signed:") {
		t.Errorf("key %q carries the raw value or no scheme", sig)
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
	if _, err := r.Claim(ctx, keysOf("k"), time.Minute, time.Minute); err == nil {
		t.Fatal("claim with Redis down succeeded")
	}
	if err := r.Ping(ctx); err == nil {
		t.Fatal("ping with Redis down succeeded")
	}
	if took := time.Since(start); took > 3*time.Second {
		t.Errorf("failing took %s: the timeouts do not hold", took)
	}
	srv.Restart()
	if c, err := r.Claim(ctx, keysOf("k"), time.Minute, time.Minute); err != nil || c.State != replay.Claimed {
		t.Fatalf("after Redis came back: %+v %v", c, err)
	}
}

// TestRedisWrongPassword: a Redis that refuses the password is reported as
// such, not as unreachable.
func TestRedisWrongPassword(t *testing.T) {
	t.Parallel()
	srv := redistest.Start(t, "--requirepass", "right-password")
	r, err := New("redis://:wrong-password@"+srv.Addr+"/0", "test:", 500*time.Millisecond)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Close() })
	err = r.Ping(context.Background())
	if !errors.Is(err, ErrAuth) || strings.Contains(err.Error(), "unreachable") || strings.Contains(err.Error(), "wrong-password") {
		t.Fatalf("Ping = %v; want ErrAuth, without the password", err)
	}
	if _, err := r.Claim(context.Background(), keysOf("k"), time.Second, time.Second); !errors.Is(err, ErrAuth) {
		t.Fatalf("Claim = %v; want ErrAuth", err)
	}
	good, _ := New("redis://:right-password@"+srv.Addr+"/0", "test:", 500*time.Millisecond)
	t.Cleanup(func() { good.Close() })
	if err := good.Ping(context.Background()); err != nil {
		t.Fatalf("with the right password: %v", err)
	}
}
