package handlers

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gin-gonic/gin"

	"answerurl/internal/redistest"
	"answerurl/replay"
	"answerurl/replay/redisstore"
	"answerurl/security"
)

// The replay guard's promises (replay's package doc, the README's security
// section), proven by model-based tests: random sequences of deliveries,
// retries, replays and concurrent duplicates, over two replicas sharing one
// store, with faults injected at every store call, handlers that fail,
// panic, outlast their lease or die with their replica. After each step
// the real outcome is compared with a reference model of the guard, and
// the invariants are checked on the whole history:
//
//	I1 a signature reaches a handler at most once;
//	I2 every 2xx answer for a callback is the same bytes, and no handler
//	   runs for a callback once an answer for it has left;
//	I3 an answer that left is kept: at the end, a retry of each callback
//	   and a resend of each answered request get it back, byte for byte.
//
// Run longer, or replay a failing seed:
//
//	go test ./handlers -run '^TestInvariants' -soak 10m
//	go test ./handlers -run '^TestInvariants' -seed 12345 -v
var (
	soak     = flag.Duration("soak", 0, "run TestInvariants* with new seeds for this long")
	seedFlag = flag.Uint64("seed", 0, "run TestInvariants* with this seed only")
)

const (
	invLease = 250 * time.Millisecond // short, so that leases run out within a test
	invSteps = 60
)

func TestInvariantsMemory(t *testing.T) {
	runInvariants(t, 6, func(t *testing.T) (replay.Store, replay.Store, *redistest.Relay, *redistest.Relay) {
		m := replay.NewMemory(100000)
		return m, m, nil, nil
	})
}

func TestInvariantsRedis(t *testing.T) {
	runInvariants(t, 3, func(t *testing.T) (replay.Store, replay.Store, *redistest.Relay, *redistest.Relay) {
		srv := redistest.Start(t)
		var stores [2]replay.Store
		var relays [2]*redistest.Relay
		for i := range stores {
			relays[i] = redistest.NewRelay(t, srv.Addr)
			r, err := redisstore.New(relays[i].URL(), "inv:", 500*time.Millisecond)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { r.Close() })
			stores[i] = r
		}
		return stores[0], stores[1], relays[0], relays[1]
	})
}

// runInvariants runs n seeded sequences (or, with -soak, as many as fit),
// each on fresh stores made by newStores.
func runInvariants(t *testing.T, n int, newStores func(*testing.T) (a, b replay.Store, ra, rb *redistest.Relay)) {
	seeds := make([]uint64, n)
	for i := range seeds {
		seeds[i] = rand.Uint64()
	}
	if *seedFlag != 0 {
		seeds = []uint64{*seedFlag}
	}
	deadline := time.Now().Add(*soak)
	sequences, faults := 0, 0
	for i := 0; i < len(seeds) || time.Now().Before(deadline); i++ {
		seed := rand.Uint64()
		if i < len(seeds) {
			seed = seeds[i]
		}
		ok := t.Run(fmt.Sprint("seed=", seed), func(t *testing.T) {
			a, b, ra, rb := newStores(t)
			w := newWorld(t, seed, [2]*faultStore{{Store: a, relay: ra}, {Store: b, relay: rb}})
			w.warmUp()
			for step := 0; step < invSteps && !t.Failed(); step++ {
				w.step()
			}
			w.finish()
			faults += w.faults
		})
		sequences++
		if !ok {
			t.Fatalf("seed %d failed: go test ./handlers -run '^%s$' -seed %d -v", seed, t.Name(), seed)
		}
	}
	t.Logf("%d sequences of %d steps, %d faults injected", sequences, invSteps, faults)
}

// fault is what a store call suffers.
type fault int

const (
	noFault    fault = iota
	failBefore       // the call fails and changes nothing
	failAfter        // the call takes effect, and the caller sees an error
	slowReply        // the call takes effect after a delay within its timeout
)

var errInjected = errors.New("injected store fault")

// faultStore injects a planned fault in each call of one request. On Redis
// the fault happens on the wire (a Relay drops the connection before or
// after the script reaches Redis); on memory it is simulated.
type faultStore struct {
	replay.Store
	relay *redistest.Relay
	mu    sync.Mutex
	plan  map[string]fault // by method: Claim, Complete, Abandon
	dead  bool             // the replica died: nothing more reaches the store
}

func (f *faultStore) arm(plan map[string]fault, dead bool) {
	f.mu.Lock()
	f.plan, f.dead = plan, dead
	f.mu.Unlock()
}

func (f *faultStore) do(method string, call func() error) error {
	f.mu.Lock()
	fl, dead := f.plan[method], f.dead && method != "Claim"
	f.mu.Unlock()
	switch {
	case dead:
		return errInjected
	case fl == slowReply:
		time.Sleep(20 * time.Millisecond)
	case f.relay != nil && fl == failBefore:
		f.relay.Next(redistest.DropBefore)
	case f.relay != nil && fl == failAfter:
		f.relay.Next(redistest.DropAfter)
	case fl == failBefore:
		return errInjected
	}
	err := call()
	if fl == failAfter && err == nil {
		err = errInjected
	}
	return err
}

func (f *faultStore) Claim(ctx context.Context, k replay.Keys, lease, window time.Duration) (c replay.Claim, err error) {
	err = f.do("Claim", func() (e error) { c, e = f.Store.Claim(ctx, k, lease, window); return e })
	return c, err
}

func (f *faultStore) Complete(ctx context.Context, c replay.Claim, a replay.Answer, window time.Duration) error {
	return f.do("Complete", func() error { return f.Store.Complete(ctx, c, a, window) })
}

func (f *faultStore) Abandon(ctx context.Context, c replay.Claim) error {
	return f.do("Abandon", func() error { return f.Store.Abandon(ctx, c) })
}

// behaviour is what a handler does with the request it is given.
type behaviour int

const (
	answers  behaviour = iota
	fails              // answers 502
	panics             // panics: 500
	outlasts           // answers after its lease ran out
	dies               // its replica dies after the handler ran
)

// run is one handler run, as the handler saw it.
type run struct {
	sig, callback, body string
}

// world is two replicas on one store, the routes of a call flow, and what
// has happened so far.
type world struct {
	t        *testing.T
	rng      *rand.Rand
	replicas [2]*Router
	stores   [2]*faultStore
	model    *guardModel
	serial   int
	faults   int

	mu      sync.Mutex
	doing   behaviour
	runs    []run
	checked int                // runs already checked against answers
	sent    []request          // every request sent, for replays
	answers map[string]string  // callback → the 2xx body every answer must be
	bySig   map[string]request // a request per signature that got a 2xx
}

func newWorld(t *testing.T, seed uint64, stores [2]*faultStore) *world {
	w := &world{t: t, rng: rand.New(rand.NewPCG(seed, seed)), stores: stores, model: newGuardModel(),
		answers: map[string]string{}, bySig: map[string]request{}}
	for i := range w.replicas {
		w.replicas[i], _ = testRouter(t, func(o *Options) {
			o.Replay = &replay.Guard{Store: stores[i], Window: time.Hour, Lease: invLease}
		})
		for _, r := range invRoutes {
			if r.v2 {
				w.replicas[i].Message(r.path, w.handler(r), r.id)
			} else {
				w.replicas[i].Voice(r.path, w.handler(r), r.id)
			}
		}
	}
	return w
}

// invRoute is a route of the call flow: its path, its scheme, and the
// parameters that name its callbacks.
type invRoute struct {
	path   string
	v2     bool
	params []string
	id     CallbackID
}

var invRoutes = []invRoute{
	{path: "/t/sms", v2: true, params: []string{"MessageUUID"}, id: ByParams("MessageUUID")},
	{path: "/t/status", v2: true, params: []string{"MessageUUID", "Status"}, id: ByParams("MessageUUID", "Status")},
	{path: "/t/hangup", params: []string{"CallUUID"}, id: ByParams("CallUUID")},
	{path: "/t/speak"}, // an answer URL: named by its signature only
}

// handler answers a body no other run answers, unless told to misbehave.
func (w *world) handler(r invRoute) gin.HandlerFunc {
	return func(c *gin.Context) {
		cb := CallbackFrom(c)
		w.mu.Lock()
		w.serial++
		body := fmt.Sprintf("answer %d on %s", w.serial, r.path)
		w.runs = append(w.runs, run{sig: sigOf(c.Request.Header), callback: callbackOf(r, cb.Form.Get), body: body})
		doing := w.doing
		w.mu.Unlock()
		switch doing {
		case fails:
			c.String(http.StatusBadGateway, "upstream down")
			return
		case panics:
			panic("handler bug")
		case outlasts:
			time.Sleep(invLease + 150*time.Millisecond)
		}
		c.String(http.StatusOK, body)
	}
}

// sigOf names a request's signature: what a replay copies.
func sigOf(h http.Header) string {
	for _, p := range [][2]string{{security.HeaderPlivoV2, security.HeaderPlivoV2Nonce}, {security.HeaderPlivoV3, security.HeaderPlivoV3Nonce}} {
		if s := h.Get(p[0]); s != "" {
			return s + "/" + h.Get(p[1])
		}
	}
	return ""
}

// callbackOf names a route's callback by its parameters; "" when the route
// names its callbacks by signature only.
func callbackOf(r invRoute, get func(string) string) string {
	if len(r.params) == 0 {
		return ""
	}
	parts := []string{r.path}
	for _, p := range r.params {
		parts = append(parts, get(p))
	}
	return strings.Join(parts, "|")
}

// request is one signed callback, as sent.
type request struct {
	route    invRoute
	params   map[string]string
	nonce    string
	replayed *request // the request whose signature this one copies
}

func (q request) callback() string {
	return callbackOf(q.route, func(k string) string { return q.params[k] })
}

// build is the HTTP request: signed for q's own body, or with the
// signature of the request it replays.
func (q request) build(t *testing.T) *http.Request {
	signer := q
	if q.replayed != nil {
		signer = *q.replayed
	}
	form := formOf(q.params)
	target := "http://example.com" + q.route.path + "/"
	r := httptest.NewRequest("POST", target, strings.NewReader(form.Encode()))
	r.RemoteAddr = "127.0.0.1:1"
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if q.route.v2 {
		sig, _ := security.SignPlivoV2(token, target, signer.nonce)
		r.Header.Set(security.HeaderPlivoV2, sig)
		r.Header.Set(security.HeaderPlivoV2Nonce, signer.nonce)
	} else {
		sig, err := security.SignPlivoV3(token, "POST", target, formOf(signer.params), signer.nonce)
		if err != nil {
			t.Fatal(err)
		}
		r.Header.Set(security.HeaderPlivoV3, sig)
		r.Header.Set(security.HeaderPlivoV3Nonce, signer.nonce)
	}
	return r
}
