//go:build unix

package handlers

import (
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"

	"answerurl/publicurl"
	"answerurl/replay"
	"answerurl/security"
	"answerurl/xmlresp"
)

// bodyShape is a request body of one shape. Each starts with From, To and
// a MessageUUID of 16 digits, which the V2 benchmark changes per request.
type bodyShape struct {
	name, contentType, body string
	tooDeep                 bool // refused 400 by a Plivo route, signed or not
}

// shapeDepth is how deeply security.ParseJSONParams lets JSON nest.
const shapeDepth = 32 // security.ErrJSONTooDeep

const (
	formHead = "From=14155550100&To=14155550111&MessageUUID=0000000000000000"
	jsonHead = `{"From":"14155550100","To":"14155550111","MessageUUID":"0000000000000000"`
)

// bodyShapes are the shapes of issue 19's invariant I4, each about 60 KB
// except the typical callback.
func bodyShapes() []bodyShape {
	form := func(name, rest string) bodyShape {
		return bodyShape{name: name, contentType: "application/x-www-form-urlencoded", body: formHead + "&" + rest}
	}
	object := func(name, rest string) bodyShape {
		return bodyShape{name: name, contentType: "application/json", body: jsonHead + "," + rest + "}"}
	}
	var pairs, members, numbers []string
	for i := range 2000 {
		pairs = append(pairs, fmt.Sprintf("Key%04d=value%04d", i, i))
		members = append(members, fmt.Sprintf(`"Key%04d":"value%04d"`, i, i))
	}
	for i := range 15000 {
		numbers = append(numbers, fmt.Sprint(100+i*7%900))
	}
	deep := ""
	for i := range shapeDepth - 1 {
		deep += fmt.Sprintf(`"Pad%02d":"%s","Next":{`, i, strings.Repeat("x", 1850))
	}
	deep += `"End":"1"` + strings.Repeat("}", shapeDepth-1)
	return []bodyShape{
		form("flat form, 15 keys", benchForm().Encode()),
		form("many keys, form", strings.Join(pairs, "&")),
		object("many keys, JSON", strings.Join(members, ",")),
		object("deep JSON, 32 levels", deep),
		object("wide JSON, 2,000 keys nested", `"Extra":{`+strings.Join(members, ",")+"}"),
		object("long array, 15,000 numbers", `"Numbers":[`+strings.Join(numbers, ",")+"]"),
		form("heavy escaping", "Text="+strings.Repeat("%E2%82%AC", 6500)),
		{name: "JSON 6,000 deep (refused)", contentType: "application/json", tooDeep: true,
			body: jsonHead + `,"N":` + strings.Repeat(`{"a":`, 6000) + "1" + strings.Repeat("}", 6000) + "}"},
	}
}

// shapeRouter is the real router with the memory replay guard and Twilio's
// routes, logging nowhere.
func shapeRouter(b *testing.B) *Router {
	h, err := NewRouter(Options{
		Plivo:            security.PlivoTokens{AuthTokens: []string{token}},
		PublicURL:        publicurl.PublicURL{TrustedProxies: publicurl.Loopback},
		Speak:            xmlresp.Speak{Text: "Hello, from Plivo", Loop: xmlresp.Loop(3)},
		SMSReply:         "Thanks",
		TwilioAuthTokens: []string{twilioToken},
		Replay:           &replay.Guard{Store: replay.NewMemory(1 << 30), Window: time.Minute, Lease: 17 * time.Second},
		Log:              slog.New(slog.NewTextHandler(io.Discard, nil)),
	})
	if err != nil {
		b.Fatal(err)
	}
	return h
}

// shapeRequests returns the i-th request of a run to path with sh's body,
// signed as the route's provider signs it, or forged (one character of
// the signature changed): the same bytes either way. Plivo's requests each
// carry their own nonce, and V2's their own MessageUUID, so that the replay
// guard handles every signed one afresh (past n, the stored answer).
func shapeRequests(b *testing.B, path string, sh bodyShape, forged bool) func(i int) *http.Request {
	const n = 1 << 11
	target := "http://example.com" + path
	header := make([]http.Header, n)
	set := func(i int, name, sig, nonceName string) {
		if forged {
			sig = map[bool]string{true: "B", false: "A"}[sig[0] == 'A'] + sig[1:]
		}
		header[i] = http.Header{"Content-Type": {sh.contentType}, name: {sig}}
		if nonceName != "" {
			header[i].Set(nonceName, fmt.Sprint(i))
		}
	}
	switch {
	case path == "/speak/":
		params, _ := parseShape(sh) // nil when too deep: refused before its signature is checked
		for i := range n {
			sig, err := security.SignPlivoV3(token, "POST", target, params, fmt.Sprint(i))
			if err != nil {
				b.Fatal(err)
			}
			set(i, security.HeaderPlivoV3, sig, security.HeaderPlivoV3Nonce)
		}
	case path == "/receive_sms/":
		for i := range n {
			sig, _ := security.SignPlivoV2(token, target, fmt.Sprint(i))
			set(i, security.HeaderPlivoV2, sig, security.HeaderPlivoV2Nonce)
		}
	default: // Twilio: a JSON body is signed through bodySHA256 in the URL
		params, _ := security.ParseQuery(sh.body)
		if sh.contentType == "application/json" {
			target, params = target+"?bodySHA256="+security.BodySHA256([]byte(sh.body)), nil
		}
		sig, err := security.SignTwilio(twilioToken, target, params)
		if err != nil {
			b.Fatal(err)
		}
		set(0, security.HeaderTwilio, sig, "")
		header = header[:1]
	}
	at := strings.Index(sh.body, "0000000000000000") // the MessageUUID
	return func(i int) *http.Request {
		body := io.Reader(strings.NewReader(sh.body))
		if path == "/receive_sms/" {
			body = io.MultiReader(strings.NewReader(sh.body[:at]), strings.NewReader(fmt.Sprintf("%016d", i)), strings.NewReader(sh.body[at+16:]))
		}
		r := httptest.NewRequest("POST", target, body)
		r.ContentLength = int64(len(sh.body))
		r.RemoteAddr = "127.0.0.1:1"
		r.Header = header[i%len(header)]
		return r
	}
}

// parseShape returns the parameters a Plivo V3 signature covers for sh.
func parseShape(sh bodyShape) (url.Values, error) {
	if sh.contentType == "application/json" {
		return security.ParseJSONParams([]byte(sh.body))
	}
	return security.ParseQuery(sh.body)
}

// BenchmarkShapes is invariant I4 of issue 19, unsigned is never dearer: for
// each route and body shape, a forged request and a signed one of the same
// bytes, through the whole router (body read, parse, verification, replay
// guard, handler, refusal log). Compare forged with signed in ns/op and
// B/op; bench/README.md has the table.
func BenchmarkShapes(b *testing.B) {
	for _, path := range []string{"/speak/", "/receive_sms/", "/twilio/sms"} {
		for _, sh := range bodyShapes() {
			for _, forged := range []bool{false, true} {
				name := fmt.Sprintf("%s/%s/%s", strings.ReplaceAll(strings.Trim(path, "/"), "/", "_"), sh.name, map[bool]string{false: "signed", true: "forged"}[forged])
				b.Run(strings.ReplaceAll(name, " ", "_"), func(b *testing.B) {
					benchShape(b, path, sh, forged)
				})
			}
		}
	}
}

func benchShape(b *testing.B, path string, sh bodyShape, forged bool) {
	h := shapeRouter(b)
	next := shapeRequests(b, path, sh, forged)
	want := http.StatusOK
	switch {
	case sh.tooDeep && path == "/speak/", sh.tooDeep && path == "/receive_sms/" && !forged:
		want = http.StatusBadRequest
	case forged:
		want = http.StatusForbidden
	}
	serveEach(b, h, next, want)
}

// serveEach serves next(0), next(1), … to h for the benchmark, checks each
// status and reports the process's CPU time per request as cpu-ns/op.
func serveEach(b *testing.B, h http.Handler, next func(int) *http.Request, want int) {
	b.ReportAllocs()
	runtime.GC() // the garbage of the run before is not this one's
	i, start := 0, cpuTime()
	for b.Loop() {
		w := httptest.NewRecorder()
		h.ServeHTTP(w, next(i))
		if w.Code != want {
			b.Fatalf("request %d: %d %s; want %d", i, w.Code, w.Body, want)
		}
		i++
	}
	b.ReportMetric(float64(cpuTime()-start)/float64(i), "cpu-ns/op")
}

// cpuTime is the CPU time the process has used, the garbage collector's
// included: a measure of cost that other work on the machine disturbs less
// than the wall clock does.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
