// Package redisstore is the replay guard's store shared by several
// replicas, on Redis or Valkey. It is a package of its own so that what
// only needs the guard (the handlers, the memory store) does not link a
// Redis client.
package redisstore

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"answerurl/replay"
)

// Store is a [replay.Store] shared by several replicas, on Redis or Valkey. Every
// step is one atomic Lua script, so there is no read-then-write race between
// replicas: a claim looks every key up and either joins the record found or
// creates one; an answer is stored only while its record is still in
// flight; abandoning frees only what its record still holds. A replica that
// dies mid-request leaves a record and callback keys that expire with their
// lease; answers and signatures expire with their window, so Redis holds at
// most one window of traffic.
//
// It needs one Redis primary (not a cluster: the scripts touch a record key
// they derive).
type Store struct {
	client *redis.Client // the guard's connections
	probe  *redis.Client // one connection of its own for Ping: a readiness check never waits for, or takes, the guard's
	prefix string
}

// ErrAuth means Redis refused the user or password of REPLAY_STORE. It
// wraps [replay.ErrCredentials].
var ErrAuth = fmt.Errorf("%w: Redis refused the user or password: check REPLAY_STORE (redis://user:password@host:6379/0)", replay.ErrCredentials)

// PoolSize is how many connections the guard keeps to Redis.
const PoolSize = 64

// New connects lazily to the Redis at rawURL (redis://[user:password@]host:port/db,
// or rediss:// for TLS); it does not fail when Redis is down, so a server can
// start before its store. Every call is bounded by timeout.
func New(rawURL, keyPrefix string, timeout time.Duration) (*Store, error) {
	return newStore(rawURL, keyPrefix, timeout, PoolSize)
}

// newStore is New with poolSize connections for the guard.
func newStore(rawURL, keyPrefix string, timeout time.Duration, poolSize int) (*Store, error) {
	opts, err := redis.ParseURL(rawURL)
	if err != nil {
		return nil, fmt.Errorf("not a Redis URL: %v (want redis://host:6379/0 or rediss://…)", err)
	}
	opts.DialTimeout, opts.ReadTimeout, opts.WriteTimeout, opts.PoolTimeout = timeout, timeout, timeout, timeout
	opts.MaxRetries = -1 // fail fast: the guard answers 503 and the provider retries
	probe := *opts
	opts.PoolSize = poolSize
	probe.PoolSize, probe.MaxIdleConns = 1, 1
	return &Store{client: redis.NewClient(opts), probe: redis.NewClient(&probe), prefix: keyPrefix}, nil
}

// Close closes the connections.
func (r *Store) Close() error { return errors.Join(r.client.Close(), r.probe.Close()) }

// Ping reports whether Redis answers, for a readiness check: nil, an error
// wrapping ErrAuth when it refuses the credentials, or one that says it is
// unreachable. It uses a connection of its own, never one of the guard's.
func (r *Store) Ping(ctx context.Context) error { return classify(r.probe.Ping(ctx).Err()) }

// classify tells a refused password from an unreachable server.
func classify(err error) error {
	if err == nil {
		return nil
	}
	if redis.IsAuthError(err) {
		return fmt.Errorf("%w (%v)", ErrAuth, err)
	}
	return fmt.Errorf("unreachable: %w", err)
}

// LogTo sends the lines the Redis client library logs on its own (about
// its connection pool) to log at debug level, instead of to standard error
// unformatted. It changes the library's one global logger.
func LogTo(log *slog.Logger) { redis.SetLogger(redisLogger{log}) }

type redisLogger struct{ log *slog.Logger }

// Printf implements the Redis client's logger.
func (l redisLogger) Printf(ctx context.Context, format string, v ...any) {
	l.log.DebugContext(ctx, "redis client: "+fmt.Sprintf(format, v...))
}

// Layout: each key holds the ID of its record; the record, under
// prefix + "record:" + ID, holds "F" while in flight, and what encode
// makes once answered. A signature whose key outlives its record
// (abandoned, or its lease ran out) is spent.
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

// abandonScript: KEYS are the record, then the callback keys; ARGV the
// record's ID. It deletes the record, if still in flight, and the callback
// keys that point to it.
var abandonScript = redis.NewScript(`
if redis.call('GET', KEYS[1]) == 'F' then
  redis.call('DEL', KEYS[1])
  for i = 2, #KEYS do
    if redis.call('GET', KEYS[i]) == ARGV[1] then redis.call('DEL', KEYS[i]) end
  end
end
return 1`)

// prefixed is the Redis names of keys, after the record's own name when
// record is set.
func (r *Store) prefixed(record string, keys ...string) []string {
	var out []string
	if record != "" {
		out = append(out, r.prefix+"record:"+record)
	}
	for _, k := range keys {
		out = append(out, r.prefix+k)
	}
	return out
}

// Claim implements replay.Store.
func (r *Store) Claim(ctx context.Context, keys replay.Keys, lease, window time.Duration) (replay.Claim, error) {
	names := r.prefixed("", append([]string{keys.Signed}, keys.Callback...)...)
	res, err := claimScript.Run(ctx, r.client, names, newRecordID(), lease.Milliseconds(), window.Milliseconds(), r.prefix+"record:").StringSlice()
	if err != nil {
		return replay.Claim{}, fmt.Errorf("redis claim: %w", classify(err))
	}
	if len(res) != 2 {
		return replay.Claim{}, errors.New("redis claim: unexpected reply")
	}
	switch id, v := res[0], res[1]; {
	case v == "+":
		return replay.Claim{State: replay.Claimed, RecordID: id, Keys: keys}, nil
	case v == "":
		return replay.Claim{State: replay.Spent, Keys: keys}, nil
	case v == "F":
		return replay.Claim{State: replay.InFlight, Keys: keys}, nil
	default:
		a, err := decode(v)
		return replay.Claim{State: replay.Answered, Answer: a, Keys: keys}, err
	}
}

// Complete implements replay.Store.
func (r *Store) Complete(ctx context.Context, c replay.Claim, a replay.Answer, window time.Duration) error {
	names := r.prefixed(c.RecordID, append([]string{c.Keys.Signed}, c.Keys.Callback...)...)
	stored, err := completeScript.Run(ctx, r.client, names, c.RecordID, encode(a), window.Milliseconds()).Int()
	switch {
	case err != nil:
		return fmt.Errorf("redis complete: %w", classify(err))
	case stored == 0:
		return replay.ErrLost
	}
	return nil
}

// Abandon implements replay.Store.
func (r *Store) Abandon(ctx context.Context, c replay.Claim) error {
	if err := abandonScript.Run(ctx, r.client, r.prefixed(c.RecordID, c.Keys.Callback...), c.RecordID).Err(); err != nil {
		return fmt.Errorf("redis abandon: %w", classify(err))
	}
	return nil
}

// encode is an answer as a record holds it: "B", the status, a space, the
// content type, a newline, the callback it answered (query-escaped, so
// without a newline), a newline, then the body. Records of the previous
// format ("A", without the callback) are still read, for a rolling upgrade.
func encode(a replay.Answer) string {
	return "B" + strconv.Itoa(a.Status) + " " + a.ContentType + "\n" + url.QueryEscape(a.Callback) + "\n" + string(a.Body)
}

func decode(v string) (replay.Answer, error) {
	errValue := errors.New("redis: unexpected value under a replay record")
	format, v := v[:min(len(v), 1)], v[min(len(v), 1):]
	head, body, ok := strings.Cut(v, "\n")
	var escaped string
	if format == "B" && ok {
		escaped, body, ok = strings.Cut(body, "\n")
	}
	status, ctype, ok2 := strings.Cut(head, " ")
	code, err := strconv.Atoi(status)
	callback, err2 := url.QueryUnescape(escaped)
	if (format != "A" && format != "B") || !ok || !ok2 || err != nil || err2 != nil {
		return replay.Answer{}, errValue
	}
	return replay.Answer{Status: code, ContentType: ctype, Body: []byte(body), Callback: callback}, nil
}

// newRecordID is a random record identifier, unique across replicas.
func newRecordID() string {
	b := make([]byte, 12)
	rand.Read(b)
	return hex.EncodeToString(b)
}
