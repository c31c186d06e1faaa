package replay

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
)

// Redis is a Store shared by several replicas, on Redis or Valkey. Every
// step is one atomic script, so there is no read-then-write race between
// replicas: a claim is SET NX PX lease on each key (all or none); an answer
// replaces the claim, for the window, only where this claim still holds the
// key; a release deletes a key only where this claim still holds it. A
// replica that dies mid-request leaves keys that expire with their lease;
// answers expire with their window, so Redis holds at most one window of
// traffic.
//
// It needs one Redis primary (or a cluster with all of a request's keys in one
// slot, which it does not arrange).
type Redis struct {
	client *redis.Client
	prefix string
}

// ErrRedisAuth means Redis refused the user or password of REPLAY_STORE.
var ErrRedisAuth = errors.New("Redis refused the user or password: check REPLAY_STORE (redis://user:password@host:6379/0)")

// NewRedis connects lazily to the Redis at rawURL (redis://[user:password@]host:port/db,
// or rediss:// for TLS); it does not fail when Redis is down, so a server can
// start before its store. Every call is bounded by timeout.
func NewRedis(rawURL, keyPrefix string, timeout time.Duration) (*Redis, error) {
	opts, err := redis.ParseURL(rawURL)
	if err != nil {
		return nil, fmt.Errorf("REPLAY_STORE: %v (want redis://host:6379/0 or rediss://…)", err)
	}
	opts.DialTimeout, opts.ReadTimeout, opts.WriteTimeout, opts.PoolTimeout = timeout, timeout, timeout, timeout
	opts.MaxRetries = -1 // fail fast: the guard answers 503 and the provider retries
	opts.PoolSize = 64
	return &Redis{client: redis.NewClient(opts), prefix: keyPrefix}, nil
}

// Close closes the connections.
func (r *Redis) Close() error { return r.client.Close() }

// Ping reports whether Redis answers, for a readiness check: nil, an error
// wrapping ErrRedisAuth when it refuses the credentials, or one that says
// it is unreachable.
func (r *Redis) Ping(ctx context.Context) error { return classify(r.client.Ping(ctx).Err()) }

// classify tells a refused password from an unreachable server.
func classify(err error) error {
	if err == nil {
		return nil
	}
	if msg := err.Error(); strings.HasPrefix(msg, "WRONGPASS") || strings.HasPrefix(msg, "NOAUTH") ||
		strings.Contains(msg, "invalid password") || strings.Contains(msg, "invalid username-password") {
		return fmt.Errorf("%w (%v)", ErrRedisAuth, err)
	}
	return fmt.Errorf("unreachable: %w", err)
}

// LogRedisTo sends the lines the Redis client library logs on its own (about
// its connection pool) to log at debug level, instead of to standard error
// unformatted. It changes the library's one global logger.
func LogRedisTo(log *slog.Logger) { redis.SetLogger(redisLogger{log}) }

type redisLogger struct{ log *slog.Logger }

// Printf implements the Redis client's logger.
func (l redisLogger) Printf(ctx context.Context, format string, v ...any) {
	l.log.DebugContext(ctx, "redis client: "+fmt.Sprintf(format, v...))
}

// Values stored under a key: "F" + owner while in flight, "A" + owner + " " +
// status + " " + content type + "\n" + body once answered.

// claimScript sets every key NX PX, or, if one is taken, undoes what it set
// and returns that key's value.
var claimScript = redis.NewScript(`
for i, k in ipairs(KEYS) do
  if not redis.call('SET', k, 'F' .. ARGV[1], 'NX', 'PX', ARGV[2]) then
    local v = redis.call('GET', k)
    for j = 1, i - 1 do redis.call('DEL', KEYS[j]) end
    return v or 'F'
  end
end
return ''`)

// completeScript stores the answer, for the window, in every key this claim
// still holds, and returns how many it stored. A key whose lease ran out is
// gone or another claim's: it is left as it is.
var completeScript = redis.NewScript(`
local stored = 0
for _, k in ipairs(KEYS) do
  if redis.call('GET', k) == 'F' .. ARGV[1] then
    redis.call('SET', k, ARGV[2], 'PX', ARGV[3])
    stored = stored + 1
  end
end
return stored`)

// releaseScript deletes every key this claim still holds in flight.
var releaseScript = redis.NewScript(`
for _, k in ipairs(KEYS) do
  if redis.call('GET', k) == 'F' .. ARGV[1] then redis.call('DEL', k) end
end
return 1`)

func (r *Redis) keys(keys []string) []string {
	out := make([]string, len(keys))
	for i, k := range keys {
		out[i] = r.prefix + k
	}
	return out
}

// Claim implements Store.
func (r *Redis) Claim(ctx context.Context, keys []string, lease time.Duration) (Claim, error) {
	owner := newOwner()
	v, err := claimScript.Run(ctx, r.client, r.keys(keys), owner, lease.Milliseconds()).Text()
	if err != nil {
		return Claim{}, fmt.Errorf("redis claim: %w", classify(err))
	}
	if v == "" {
		return Claim{State: Unseen, Owner: owner, Keys: keys}, nil
	}
	st, a, err := decode(v)
	return Claim{State: st, Answer: a, Keys: keys}, err
}

// Complete implements Store.
func (r *Redis) Complete(ctx context.Context, c Claim, a Answer, window time.Duration) error {
	stored, err := completeScript.Run(ctx, r.client, r.keys(c.Keys), c.Owner, encode(c.Owner, a), window.Milliseconds()).Int()
	switch {
	case err != nil:
		return fmt.Errorf("redis complete: %w", classify(err))
	case stored == 0:
		return ErrLost
	}
	return nil
}

// Release implements Store.
func (r *Redis) Release(ctx context.Context, c Claim) error {
	if err := releaseScript.Run(ctx, r.client, r.keys(c.Keys), c.Owner).Err(); err != nil {
		return fmt.Errorf("redis release: %w", classify(err))
	}
	return nil
}

func encode(owner string, a Answer) string {
	var b strings.Builder
	b.Grow(len(owner) + len(a.ContentType) + len(a.Body) + 8)
	b.WriteString("A" + owner + " " + strconv.Itoa(a.Status) + " " + a.ContentType + "\n")
	b.Write(a.Body)
	return b.String()
}

func decode(v string) (State, Answer, error) {
	if strings.HasPrefix(v, "F") {
		return InFlight, Answer{}, nil
	}
	head, body, ok := strings.Cut(v, "\n")
	fields := strings.SplitN(head, " ", 3)
	if !strings.HasPrefix(v, "A") || !ok || len(fields) != 3 {
		return Unseen, Answer{}, fmt.Errorf("redis: unexpected value under a replay key")
	}
	status, err := strconv.Atoi(fields[1])
	if err != nil {
		return Unseen, Answer{}, fmt.Errorf("redis: unexpected status under a replay key")
	}
	return Answered, Answer{Status: status, ContentType: fields[2], Body: []byte(body)}, nil
}

// newOwner is a random claim identifier, unique across replicas.
func newOwner() string {
	b := make([]byte, 12)
	rand.Read(b)
	return hex.EncodeToString(b)
}
