package handlers

import (
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"sync"
	"time"
)

// guardModel is the reference: what the guard should do, in a few dozen
// lines of maps. A request names a record by its signature, or by its
// callback under a fresh signature; what it finds decides its answer.
type guardModel struct {
	sigs      map[string]*modelRecord // signature → its record, for the window
	callbacks map[string]*modelRecord // callback → its record, while held
	inFlight  map[*modelRecord]time.Time
}

type modelRecord struct {
	answered bool
	gone     bool // abandoned, or its lease ran out
	answer   string
	callback string
}

func newGuardModel() *guardModel {
	return &guardModel{sigs: map[string]*modelRecord{}, callbacks: map[string]*modelRecord{}, inFlight: map[*modelRecord]time.Time{}}
}

// expect is a predicted outcome: a status (0: not seen, the replica died),
// whether a handler runs, and the answer of a duplicate.
type expect struct {
	status    int
	runs      int
	duplicate *modelRecord // answered from this record
	record    *modelRecord // the record this request's run answers
}

// predict applies q to the model and says what the real guard must do.
func (m *guardModel) predict(q request, b behaviour, plan map[string]fault, sentAt time.Time) expect {
	if !q.route.v2 && q.replayed != nil && !maps.Equal(q.params, q.replayed.params) {
		return expect{status: http.StatusForbidden} // V3 signs the body
	}
	if plan["Claim"] == failBefore {
		return expect{status: http.StatusServiceUnavailable}
	}
	sig, cb := q.signature(), q.callback()
	found := m.sigs[sig]
	if found == nil && cb != "" && m.callbacks[cb] != nil {
		found = m.callbacks[cb]
		m.sigs[sig] = found
	}
	switch {
	case found != nil && plan["Claim"] == failAfter:
		return expect{status: http.StatusServiceUnavailable}
	case found != nil && found.answered:
		return expect{status: http.StatusOK, duplicate: found}
	case found != nil:
		return expect{status: http.StatusConflict} // in flight, or spent
	}
	r := &modelRecord{callback: cb}
	m.sigs[sig], m.inFlight[r] = r, sentAt
	if cb != "" {
		m.callbacks[cb] = r
	}
	if plan["Claim"] == failAfter {
		return expect{status: http.StatusServiceUnavailable} // in flight until the lease ends
	}
	return m.handled(r, b, plan)
}

// handled is what follows a claim: the handler runs, then its answer is
// kept and sent, or the claim is abandoned.
func (m *guardModel) handled(r *modelRecord, b behaviour, plan map[string]fault) expect {
	e := expect{runs: 1, record: r}
	switch {
	case b == dies:
		e.record = nil // in flight until the lease ends
	case b == fails || b == panics:
		e.status = map[behaviour]int{fails: http.StatusBadGateway, panics: http.StatusInternalServerError}[b]
		m.abandon(r, plan["Abandon"])
	case b == outlasts:
		e.status = http.StatusServiceUnavailable
		m.expireAll() // every lease claimed so far has run out
	case plan["Complete"] == failBefore:
		e.status = http.StatusServiceUnavailable
		m.abandon(r, plan["Abandon"])
	case plan["Complete"] == failAfter:
		e.status = http.StatusServiceUnavailable
		r.answered = true // kept, though never sent
		delete(m.inFlight, r)
	default:
		e.status = http.StatusOK
		r.answered = true
		delete(m.inFlight, r)
	}
	return e
}

func (m *guardModel) abandon(r *modelRecord, f fault) {
	if f == failBefore {
		return // in flight until the lease ends
	}
	m.forget(r)
}

// forget makes r gone: its callback is free, its signatures spent.
func (m *guardModel) forget(r *modelRecord) {
	r.gone = true
	delete(m.inFlight, r)
	if m.callbacks[r.callback] == r {
		delete(m.callbacks, r.callback)
	}
}

func (m *guardModel) expireAll() {
	for r := range m.inFlight {
		m.forget(r)
	}
}

// oldestInFlight is when the oldest record still in flight was claimed;
// the zero time when none is.
func (m *guardModel) oldestInFlight() time.Time {
	var oldest time.Time
	for _, at := range m.inFlight {
		if oldest.IsZero() || at.Before(oldest) {
			oldest = at
		}
	}
	return oldest
}

// inconclusiveIfStalled skips the sequence when the model cannot tell the
// outcome of the last step: a record in flight since before it (claimed at
// oldest) may have reached the end of its lease during the step, because
// the machine stalled the test for longer than unsettled's slack (seen on a
// machine loaded far past its cores, with the test at nice 19). The guard
// is then right to handle the retry (I2: a lost lease frees the callback),
// but the model, which counts leases in steps, expected the record in
// flight. A mismatch on any other step still fails.
func (w *world) inconclusiveIfStalled(oldest time.Time) {
	w.t.Helper()
	if age := time.Since(oldest); !oldest.IsZero() && age >= invLease {
		w.t.Skipf("inconclusive: a claim %s old was in flight during this step, past its %s lease: the machine stalled the test; replay the seed on an idle machine", age.Round(time.Millisecond), invLease)
	}
}

// unsettled is how long to wait until every record in flight has surely
// expired, when one of them is old enough that its lease might run out
// during the next step; 0 when none is.
func (m *guardModel) unsettled(now time.Time) time.Duration {
	wait := time.Duration(0)
	for _, at := range m.inFlight {
		if now.Sub(at) > invLease/3 {
			wait = max(wait, at.Add(invLease+invLease/2).Sub(now))
		}
	}
	return wait
}

// signature names what q is signed with: its own nonce, or its original's.
func (q request) signature() string {
	if q.replayed != nil {
		return q.replayed.signature()
	}
	return q.route.path + "/" + q.nonce
}

func formOf(params map[string]string) url.Values {
	form := url.Values{}
	for k, v := range params {
		form.Set(k, v)
	}
	return form
}

// step sends one random operation and checks it against the model.
func (w *world) step() {
	if wait := w.model.unsettled(time.Now()); wait > 0 {
		time.Sleep(wait)
		w.model.expireAll()
	}
	switch n := w.rng.IntN(100); {
	case n < 3:
		time.Sleep(invLease + invLease/2) // every lease runs out
		w.model.expireAll()
	case n < 8:
		w.concurrent(w.fresh(w.rng.IntN(3))) // routes with callbacks
	case n < 35 || len(w.sent) == 0:
		w.send(w.fresh(w.rng.IntN(len(invRoutes))), w.rng.IntN(2), w.behaviour(), w.plan())
	case n < 70:
		w.send(w.retry(w.sent[w.rng.IntN(len(w.sent))]), w.rng.IntN(2), w.behaviour(), w.plan())
	default:
		w.send(w.replay(w.sent[w.rng.IntN(len(w.sent))]), w.rng.IntN(2), w.behaviour(), w.plan())
	}
}

// fresh is a new callback on route i, with a fresh nonce.
func (w *world) fresh(i int) request {
	w.serial++
	id := fmt.Sprint(w.serial)
	params := map[string]string{"MessageUUID": "m" + id, "CallUUID": "c" + id, "From": "14155550100",
		"Status": []string{"sent", "delivered"}[w.rng.IntN(2)]}
	return request{route: invRoutes[i], params: params, nonce: w.nonce()}
}

// retry is the provider's retry of q: the same callback, a fresh nonce.
func (w *world) retry(q request) request {
	if q.replayed != nil {
		q = *q.replayed
	}
	return request{route: q.route, params: q.params, nonce: w.nonce()}
}

// replay copies q's signature onto another callback: for V2, whose body is
// not signed, any other; for V3 the same body (or, at times, another one,
// which must not verify).
func (w *world) replay(q request) request {
	if q.replayed != nil {
		q = *q.replayed
	}
	forged := maps.Clone(q.params)
	if q.route.v2 || w.rng.IntN(4) == 0 {
		w.serial++
		forged["MessageUUID"], forged["CallUUID"], forged["From"] = fmt.Sprint("forged", w.serial), fmt.Sprint("forged", w.serial), "19995550000"
	}
	return request{route: q.route, params: forged, replayed: &q}
}

func (w *world) nonce() string {
	return fmt.Sprintf("%020d", w.rng.Uint64()%1e19)
}

func (w *world) behaviour() behaviour {
	return pick(w.rng.IntN(100), []int{80, 6, 5, 4, 5}, []behaviour{answers, fails, panics, outlasts, dies})
}

// plan draws a fault for each store call of one request.
func (w *world) plan() map[string]fault {
	plan := map[string]fault{}
	for _, call := range []string{"Claim", "Complete", "Abandon"} {
		plan[call] = pick(w.rng.IntN(100), []int{82, 6, 6, 6}, []fault{noFault, failBefore, failAfter, slowReply})
		if plan[call] != noFault {
			w.faults++
		}
	}
	return plan
}

// pick is choices[i] for the i whose weight n falls in.
func pick[T any](n int, weights []int, choices []T) T {
	for i, wt := range weights {
		if n < wt {
			return choices[i]
		}
		n -= wt
	}
	return choices[len(choices)-1]
}

// send sends q to a replica with the handler doing b and the store calls
// suffering plan, and checks the outcome against the model and the
// invariants.
func (w *world) send(q request, replica int, b behaviour, plan map[string]fault) {
	w.t.Helper()
	oldest := w.model.oldestInFlight()
	want := w.model.predict(q, b, plan, time.Now())
	w.stores[replica].arm(plan, b == dies)
	w.mu.Lock()
	w.doing, w.sent = b, append(w.sent, q)
	before := len(w.runs)
	w.mu.Unlock()
	resp := serve(w.replicas[replica], q.build(w.t))
	w.stores[replica].arm(nil, false)
	what := fmt.Sprintf("%s to replica %d, handler %d, faults %v", q.describe(), replica, b, plan)
	runs := w.runs[before:]
	if len(runs) != want.runs {
		w.inconclusiveIfStalled(oldest)
		w.t.Fatalf("%s: %d handler runs, the model wants %d", what, len(runs), want.runs)
	}
	if want.record != nil && want.record.answered {
		want.record.answer = runs[0].body
	}
	if b == dies && want.runs == 1 {
		return // the replica died: no one reads its response
	}
	w.check(q, resp.Code, resp.Body.String(), resp.Header().Get(HeaderDuplicate) != "", want, what)
}

func (w *world) check(q request, code int, body string, duplicate bool, want expect, what string) {
	w.t.Helper()
	if code != want.status || duplicate != (want.duplicate != nil) {
		w.inconclusiveIfStalled(w.model.oldestInFlight())
		w.t.Fatalf("%s: %d (duplicate %v) %q; the model wants %d (duplicate %v)", what, code, duplicate, body, want.status, want.duplicate != nil)
	}
	if want.duplicate != nil && body != want.duplicate.answer {
		w.t.Fatalf("%s: duplicate answered %q, the model's record holds %q", what, body, want.duplicate.answer)
	}
	w.checkInvariants(q, code, body)
}

// checkInvariants checks I1 and I2 on the whole history so far.
func (w *world) checkInvariants(q request, code int, body string) {
	w.t.Helper()
	seen := map[string]int{}
	for _, r := range w.runs {
		if seen[r.sig]++; seen[r.sig] > 1 {
			w.t.Fatalf("I1: signature %s reached a handler twice", r.sig)
		}
	}
	for _, r := range w.runs[w.checked:] {
		if first, ok := w.answers[r.callback]; ok && r.callback != "" {
			w.t.Fatalf("I2: callback %s was handled again (%q) after its answer %q left", r.callback, r.body, first)
		}
	}
	w.checked = len(w.runs)
	if cb := q.callback(); cb != "" && q.replayed == nil && code/100 == 2 {
		if first, ok := w.answers[cb]; ok && first != body {
			w.t.Fatalf("I2: callback %s answered %q, and before %q", cb, body, first)
		} else if !ok {
			w.answers[cb] = body
			w.bySig[q.signature()] = q
		}
	}
}

func (q request) describe() string {
	if q.replayed != nil {
		return fmt.Sprintf("replay of %s's signature with %s", q.replayed.signature(), q.callback())
	}
	return fmt.Sprintf("%s %s nonce %s", q.route.path, q.callback(), q.nonce)
}

// concurrent sends two deliveries of one new callback, with fresh nonces,
// to both replicas at once: one handles it, the other waits or gets its
// answer.
func (w *world) concurrent(q request) {
	w.t.Helper()
	w.mu.Lock()
	w.doing = answers
	before := len(w.runs)
	w.mu.Unlock()
	qs := []request{q, w.retry(q)}
	var wg sync.WaitGroup
	codes, bodies, dups := make([]int, 2), make([]string, 2), make([]bool, 2)
	for i := range qs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			resp := serve(w.replicas[i], qs[i].build(w.t))
			codes[i], bodies[i], dups[i] = resp.Code, resp.Body.String(), resp.Header().Get(HeaderDuplicate) != ""
		}()
	}
	wg.Wait()
	runs := w.runs[before:]
	if len(runs) != 1 {
		w.t.Fatalf("concurrent deliveries of %s: %d handler runs, want 1 (%v %q)", q.callback(), len(runs), codes, bodies)
	}
	r := &modelRecord{answered: true, answer: runs[0].body, callback: q.callback()}
	w.model.callbacks[r.callback] = r
	for i, sent := range qs {
		w.model.sigs[sent.signature()] = r
		w.sent = append(w.sent, sent)
		handledHere := codes[i] == 200 && !dups[i] && bodies[i] == r.answer
		if !handledHere && codes[i] != http.StatusConflict && !(codes[i] == 200 && dups[i] && bodies[i] == r.answer) {
			w.t.Fatalf("concurrent delivery %d of %s: %d (duplicate %v) %q", i, q.callback(), codes[i], dups[i], bodies[i])
		}
		w.checkInvariants(sent, codes[i], bodies[i])
	}
}

// warmUp loads the store's scripts before any fault is injected: a fault
// on the wire must hit the call it is meant for.
func (w *world) warmUp() {
	for replica := range w.replicas {
		w.send(w.fresh(0), replica, answers, nil)
		w.send(w.fresh(0), replica, fails, nil)
	}
}

// finish lets every lease run out, then checks that every callback's retry
// is answered (I2: handled if no answer was kept, else the kept answer) and
// that every request answered 2xx gets the same bytes again (I1, I3).
func (w *world) finish() {
	if w.t.Failed() {
		return
	}
	time.Sleep(invLease + invLease/2)
	w.model.expireAll()
	done := map[string]bool{}
	for _, q := range w.sent {
		if cb := q.callback(); cb != "" && q.replayed == nil && !done[cb] {
			done[cb] = true
			w.send(w.retry(q), w.rng.IntN(2), answers, nil)
		}
	}
	for _, q := range w.bySig {
		resp := serve(w.replicas[w.rng.IntN(2)], q.build(w.t))
		if resp.Code != 200 || resp.Header().Get(HeaderDuplicate) == "" || resp.Body.String() != w.answers[q.callback()] {
			w.t.Fatalf("I3: %s sent again: %d %q, want its answer %q again", q.describe(), resp.Code, resp.Body, w.answers[q.callback()])
		}
	}
}
