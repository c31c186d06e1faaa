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
// step is one atomic Lua script, so there is no read-then-write race between
// replicas: a claim looks every key up and either joins the record found or
// creates one; an answer is stored only while its record is still in
// flight; a release frees only what its record still holds. A replica that
// dies mid-request leaves a record and callback keys that expire with their
// lease; answers and signatures expire with their window, so Redis holds at
// most one window of traffic.
//
// It needs one Redis primary (not a cluster: the scripts touch a record key
// they derive).
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

// Layout: each key holds the ID of its record; the record, under
// prefix + "record:" + ID, holds "F" while in flight, and "A" + status + " " +
// content type + "\n" + body once answered. A signature whose key outlives
// its record (released, or its lease ran out) is spent.
//
// The scripts touch each request's record key, which they are not passed
// in KEYS: that is fine on one Redis primary, not on a cluster.

// claimScript: KEYS are the signed key then the callback keys; ARGV the new
// record's ID, the lease and the window in ms, and the record prefix. It
// returns the record found (or created) and its value: "+" when created,
// "" when the record is gone (spent).
var claimScript = redis.NewScript(`
local function record(id) return redis.call('GET', ARGV[4] .. id) end
local id = redis.call('GET', KEYS[1])
if id then return {id, record(id) or ''} end
for i = 2, #KEYS do
  local other = redis.call('GET', KEYS[i])
  local r = other and record(other)
  if r then
    redis.call('SET', KEYS[1], other, 'PX', ARGV[3])
    return {other, r}
  end
end
redis.call('SET', ARGV[4] .. ARGV[1], 'F', 'PX', ARGV[2])
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[3])
for i = 2, #KEYS do redis.call('SET', KEYS[i], ARGV[1], 'PX', ARGV[2]) end
return {ARGV[1], '+'}`)

// completeScript: KEYS are the record, then the request's keys; ARGV the
// record's ID, the answer and the window in ms. It stores the answer if the
// record is still in flight, keeps every key that still points to it for
// the window, and returns 1; 0 when the lease ran out.
var completeScript = redis.NewScript(`
if redis.call('GET', KEYS[1]) ~= 'F' then return 0 end
redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])
for i = 2, #KEYS do
  if redis.call('GET', KEYS[i]) == ARGV[1] then redis.call('PEXPIRE', KEYS[i], ARGV[3]) end
end
return 1`)

// releaseScript: KEYS are the record, then the callback keys; ARGV the
// record's ID. It deletes the record, if still in flight, and the callback
// keys that point to it.
var releaseScript = redis.NewScript(`
if redis.call('GET', KEYS[1]) == 'F' then
  redis.call('DEL', KEYS[1])
  for i = 2, #KEYS do
    if redis.call('GET', KEYS[i]) == ARGV[1] then redis.call('DEL', KEYS[i]) end
  end
end
return 1`)

// prefixed is the Redis names of keys, after the record's own name when
// record is set.
func (r *Redis) prefixed(record string, keys ...string) []string {
	var out []string
	if record != "" {
		out = append(out, r.prefix+"record:"+record)
	}
	for _, k := range keys {
		out = append(out, r.prefix+k)
	}
	return out
}

// Claim implements Store.
func (r *Redis) Claim(ctx context.Context, keys Keys, lease, window time.Duration) (Claim, error) {
	names := r.prefixed("", append([]string{keys.Signed}, keys.Callback...)...)
	res, err := claimScript.Run(ctx, r.client, names, newRecordID(), lease.Milliseconds(), window.Milliseconds(), r.prefix+"record:").StringSlice()
	if err != nil {
		return Claim{}, fmt.Errorf("redis claim: %w", classify(err))
	}
	if len(res) != 2 {
		return Claim{}, errors.New("redis claim: unexpected reply")
	}
	switch id, v := res[0], res[1]; {
	case v == "+":
		return Claim{State: Claimed, Record: id, Keys: keys}, nil
	case v == "":
		return Claim{State: Spent, Keys: keys}, nil
	case v == "F":
		return Claim{State: InFlight, Keys: keys}, nil
	default:
		a, err := decode(v)
		return Claim{State: Answered, Answer: a, Keys: keys}, err
	}
}

// Complete implements Store.
func (r *Redis) Complete(ctx context.Context, c Claim, a Answer, window time.Duration) error {
	names := r.prefixed(c.Record, append([]string{c.Keys.Signed}, c.Keys.Callback...)...)
	stored, err := completeScript.Run(ctx, r.client, names, c.Record, encode(a), window.Milliseconds()).Int()
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
	if err := releaseScript.Run(ctx, r.client, r.prefixed(c.Record, c.Keys.Callback...), c.Record).Err(); err != nil {
		return fmt.Errorf("redis release: %w", classify(err))
	}
	return nil
}

func encode(a Answer) string {
	return "A" + strconv.Itoa(a.Status) + " " + a.ContentType + "\n" + string(a.Body)
}

func decode(v string) (Answer, error) {
	head, body, ok := strings.Cut(v, "\n")
	status, ctype, ok2 := strings.Cut(strings.TrimPrefix(head, "A"), " ")
	code, err := strconv.Atoi(status)
	if !strings.HasPrefix(v, "A") || !ok || !ok2 || err != nil {
		return Answer{}, errors.New("redis: unexpected value under a replay record")
	}
	return Answer{Status: code, ContentType: ctype, Body: []byte(body)}, nil
}

// newRecordID is a random record identifier, unique across replicas.
func newRecordID() string {
	b := make([]byte, 12)
	rand.Read(b)
	return hex.EncodeToString(b)
}
