package handlers

import (
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"net/url"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/gin-gonic/gin"

	"answerurl/security"
)

// The property of every scheme that signs parameters (Plivo V3, Twilio,
// SignalWire): on every route of the real router that verifies with it, for
// every request that gets past verification, the parameters a handler reads
// are exactly the parameters that were signed. "A handler reads" is every
// way it can: CallbackFrom(c).Form, which is c.Request.Form, and Gin's
// c.Query, c.PostForm, c.GetPostFormArray, c.ShouldBind and c.Request.Body.
// "Signed" means that signing what the handler reads gives the signature
// that came: the provider signed exactly those parameters (a scheme that
// sorts a key's values does not sign their order; one that writes key+value
// with no separator does not sign where a key ends, and so on: that is the
// scheme's, and this test holds every request to it).
//
// The requests are a signed request of a random shape (GET or POST; a query,
// a form body, a JSON body, or both; repeated keys; values with ';', '#',
// '+', '%', UTF-8, escaped in different ways), then that request changed
// as an attacker holding it would (a fragment, a ';', a pair appended to
// the query or the body, re-escaped bytes, moved or reordered pairs, another
// method or Content-Type, a body of one's own with #&bodySHA256=…), sent
// without signing it again.

// scheme is a signature scheme that signs parameters, as a provider uses it.
type scheme struct {
	name   string
	header string
	sign   func(method, signedURL string, body url.Values) string
	// jsonBody is how the scheme signs a JSON body: as parameters (V3), or
	// through bodySHA256 in the URL (Twilio, SignalWire).
	jsonAsParams bool
}

var paramSchemes = []scheme{
	{name: "plivo-v3", header: security.HeaderPlivoV3, jsonAsParams: true, sign: func(method, u string, body url.Values) string {
		sig, _ := security.SignPlivoV3(token, method, u, body, nonce)
		return sig
	}},
	{name: "twilio", header: security.HeaderTwilio, sign: func(_, u string, body url.Values) string {
		sig, _ := security.SignTwilio(twilioToken, u, body)
		return sig
	}},
	{name: "signalwire", header: security.HeaderSignalWire, sign: func(_, u string, body url.Values) string {
		sig, _ := security.SignSignalWire(signalwireKey, u, body)
		return sig
	}},
}

// shape is a request as sent: what the test signed, and what it sends.
type shape struct {
	method, path string
	rawQuery     string // as sent, after '?'; "" for none
	contentType  string // "" for no body
	body         string
	// what was signed
	signedURL  string
	signedBody url.Values // body parameters as the provider signed them (nil for a JSON body under bodySHA256)
	sig        string
}

func (s shape) target() string {
	t := "http://example.com" + s.path
	if s.rawQuery != "" {
		t += "?" + s.rawQuery
	}
	return t
}

func (s shape) request(sc scheme) *http.Request {
	r := httptest.NewRequest(s.method, s.target(), strings.NewReader(s.body))
	r.RemoteAddr = "127.0.0.1:1"
	if s.contentType != "" {
		r.Header.Set("Content-Type", s.contentType)
	}
	r.Header.Set(sc.header, s.sig)
	if sc.name == "plivo-v3" {
		r.Header.Set(security.HeaderPlivoV3Nonce, nonce)
	}
	return r
}

// Values that make parsers disagree, and keys that handlers read.
var (
	viewKeys   = []string{"From", "To", "Digits", "Body", "CallUUID", "a", "a b", "é", "k;x"}
	viewValues = []string{"+14155550100", "1", "", "x;y=z", "a#b", "50%", "café noir", "a+b", "&=", "1 2"}
)

// escape writes s for a query or a form in one of the ways a client may.
func escape(rng *rand.Rand, s string) string {
	switch rng.IntN(3) {
	case 0:
		return url.QueryEscape(s) // space as '+'
	case 1:
		return strings.ReplaceAll(url.PathEscape(s), "+", "%2B") // space as %20, '&', '=' escaped below
	default:
		var b strings.Builder // every byte escaped, in lower case hex
		for _, c := range []byte(s) {
			fmt.Fprintf(&b, "%%%02x", c)
		}
		return b.String()
	}
}

func encodePairs(rng *rand.Rand, pairs [][2]string) string {
	var parts []string
	for _, p := range pairs {
		k, v := escape(rng, p[0]), escape(rng, p[1])
		k = strings.NewReplacer("&", "%26", "=", "%3D", ";", "%3B", "#", "%23").Replace(k)
		v = strings.NewReplacer("&", "%26", "=", "%3D", ";", "%3B", "#", "%23").Replace(v)
		parts = append(parts, k+"="+v)
	}
	return strings.Join(parts, "&")
}

func randomPairs(rng *rand.Rand, n int) [][2]string {
	pairs := make([][2]string, n)
	for i := range pairs {
		pairs[i] = [2]string{viewKeys[rng.IntN(len(viewKeys))], viewValues[rng.IntN(len(viewValues))]}
	}
	return pairs
}

func valuesOf(pairs [][2]string) url.Values {
	v := url.Values{}
	for _, p := range pairs {
		v.Add(p[0], p[1])
	}
	return v
}

// honest returns a request of a random shape to path, signed as sc does.
func honest(rng *rand.Rand, sc scheme, path string) shape {
	s := shape{method: "POST", path: path}
	if rng.IntN(3) == 0 {
		s.method = "GET"
	}
	if n := rng.IntN(4); n > 0 {
		s.rawQuery = encodePairs(rng, randomPairs(rng, n))
	}
	if s.method == "POST" {
		switch rng.IntN(3) {
		case 1:
			pairs := randomPairs(rng, 1+rng.IntN(4))
			s.contentType, s.body, s.signedBody = "application/x-www-form-urlencoded", encodePairs(rng, pairs), valuesOf(pairs)
		case 2:
			obj := map[string]any{}
			for _, p := range randomPairs(rng, 1+rng.IntN(3)) {
				obj[p[0]] = p[1]
			}
			obj["Digits"] = []any{"2", "1"}
			b, _ := json.Marshal(obj)
			s.contentType, s.body = "application/json", string(b)
			if sc.jsonAsParams {
				s.signedBody, _ = security.ParseJSONParams(b)
			} else {
				s.rawQuery = strings.TrimPrefix(s.rawQuery+"&bodySHA256="+security.BodySHA256(b), "&")
			}
		}
	}
	s.signedURL = s.target()
	s.sig = sc.sign(s.method, s.signedURL, s.signedBody)
	return s
}

// attacks are what a holder of a signed request may change in it.
var attacks = []struct {
	name   string
	change func(rng *rand.Rand, s shape) shape
}{
	{"none", func(_ *rand.Rand, s shape) shape { return s }},
	{"fragment with pairs", func(_ *rand.Rand, s shape) shape {
		s.rawQuery += "#&From=%2B19995550666&Digits=9"
		return s
	}},
	{"fragment with bodySHA256 of one's own body", func(_ *rand.Rand, s shape) shape {
		body := `{"From":"+19995550666","To":"+14155550111","Body":"forged"}`
		s.method, s.contentType, s.body = "POST", "application/json", body
		s.rawQuery += "#&bodySHA256=" + security.BodySHA256([]byte(body))
		return s
	}},
	{"semicolon pair", func(_ *rand.Rand, s shape) shape { s.rawQuery += ";From=%2B19995550666"; return s }},
	{"pair appended to the query", func(_ *rand.Rand, s shape) shape {
		s.rawQuery = strings.TrimPrefix(s.rawQuery+"&From=%2B19995550666", "&")
		return s
	}},
	{"pair appended to the body", func(_ *rand.Rand, s shape) shape {
		if s.contentType == "application/json" {
			s.body = strings.TrimSuffix(s.body, "}") + `,"Digits9":"9"}`
		} else {
			s.method, s.contentType = "POST", "application/x-www-form-urlencoded"
			s.body = strings.TrimPrefix(s.body+"&Digits=9", "&")
		}
		return s
	}},
	{"query re-escaped", func(rng *rand.Rand, s shape) shape {
		q, err := security.ParseQuery(s.rawQuery)
		if err == nil && len(q) > 0 {
			var pairs [][2]string
			for _, k := range slices.Sorted(maps.Keys(q)) {
				for _, v := range q[k] {
					pairs = append(pairs, [2]string{k, v})
				}
			}
			s.rawQuery = encodePairs(rng, pairs)
		}
		return s
	}},
	{"query pairs reversed", func(_ *rand.Rand, s shape) shape {
		pairs := strings.Split(s.rawQuery, "&")
		slices.Reverse(pairs)
		s.rawQuery = strings.Join(pairs, "&")
		return s
	}},
	{"query moved into the body", func(_ *rand.Rand, s shape) shape {
		if s.contentType == "" {
			s.method, s.contentType, s.body, s.rawQuery = "POST", "application/x-www-form-urlencoded", s.rawQuery, ""
		}
		return s
	}},
	{"body moved into the query", func(_ *rand.Rand, s shape) shape {
		if s.contentType == "application/x-www-form-urlencoded" {
			s.rawQuery = strings.TrimPrefix(s.rawQuery+"&"+s.body, "&")
			s.contentType, s.body = "", ""
		}
		return s
	}},
	{"other method", func(_ *rand.Rand, s shape) shape {
		s.method = map[string]string{"GET": "POST", "POST": "GET"}[s.method]
		return s
	}},
	{"Content-Type in capitals", func(_ *rand.Rand, s shape) shape {
		if s.contentType != "" {
			s.contentType = "A" + strings.Replace(s.contentType[1:], "json", "JSON", 1) + "; charset=UTF-8"
		}
		return s
	}},
	{"JSON sent as a form", func(_ *rand.Rand, s shape) shape {
		if s.contentType == "application/json" {
			s.contentType = "application/x-www-form-urlencoded"
		}
		return s
	}},
	{"a key's values repeated", func(_ *rand.Rand, s shape) shape {
		if first, _, ok := strings.Cut(s.rawQuery, "&"); ok || s.rawQuery != "" {
			s.rawQuery += "&" + first
		}
		return s
	}},
}

// paramRoutes returns, per scheme, the POST routes of h that verify with it:
// each route is tried with a request signed by each scheme.
func paramRoutes(t *testing.T, h *Router, logs *syncBuffer) map[string][]string {
	routes := map[string][]string{}
	for _, ri := range h.engine.Routes() {
		if ri.Method != "POST" {
			continue
		}
		for _, sc := range paramSchemes {
			s := shape{method: "POST", path: ri.Path}
			s.signedURL = s.target()
			s.sig = sc.sign("POST", s.signedURL, nil)
			if verified(h, logs, s.request(sc)) {
				routes[sc.name] = append(routes[sc.name], ri.Path)
			}
		}
	}
	for _, sc := range paramSchemes {
		if len(routes[sc.name]) == 0 {
			t.Fatalf("no route verifies with %s", sc.name)
		}
	}
	return routes
}

func TestHandlerSeesWhatWasSigned(t *testing.T) {
	h, logs := testRouter(t, func(o *Options) {
		o.TwilioAuthTokens = []string{twilioToken}
		o.SignalWireSigningKeys = []string{signalwireKey}
	})
	routes := paramRoutes(t, h, logs)
	rng := rand.New(rand.NewPCG(24, 25))
	accepted := map[string]int{}
	for _, sc := range paramSchemes {
		for _, path := range routes[sc.name] {
			for range 12 {
				s := honest(rng, sc, path)
				for _, a := range attacks {
					sent := a.change(rng, s)
					r := sent.request(sc)
					if !verified(h, logs, r) { // refused before any handler ran
						if a.name == "none" {
							t.Fatalf("%s %s: a signed request was refused: %s", sc.name, sent.target(), logs)
						}
						continue
					}
					accepted[a.name]++
					if err := checkView(sc, s, r); err != nil {
						t.Errorf("%s %s, %s: %s %s (%s %q)\n  signed %s %s %q\n  %v",
							sc.name, path, a.name, sent.method, sent.target(), sent.contentType, sent.body, s.method, s.signedURL, s.body, err)
					}
				}
			}
		}
	}
	t.Logf("accepted, per change: %v", accepted)
}

// verified serves r and reports whether it got past verification: whether
// no refusal was logged for it.
func verified(h http.Handler, logs *syncBuffer, r *http.Request) bool {
	before := len(logs.String())
	serve(h, r)
	line := logs.String()[before:]
	return !strings.Contains(line, `msg="signature rejected"`) && !strings.Contains(line, `msg="request refused"`)
}

// checkView compares what a handler of r reads with what s signed.
func checkView(sc scheme, s shape, r *http.Request) error {
	c, _ := gin.CreateTestContext(httptest.NewRecorder())
	c.Request = r
	query := url.Values{} // as c.Query reads it
	for k := range r.URL.Query() {
		query[k] = c.QueryArray(k)
	}
	postForm := url.Values{} // as c.PostForm reads it
	for k := range r.PostForm {
		vs, _ := c.GetPostFormArray(k)
		postForm[k] = vs
	}
	if v, ok := c.GetPostForm("From"); ok != r.PostForm.Has("From") || v != r.PostForm.Get("From") {
		return fmt.Errorf("c.GetPostForm(From) = %q, %v; c.Request.PostForm has %q", v, ok, r.PostForm["From"])
	}
	body, err := io.ReadAll(r.Body)
	if err != nil {
		return err
	}
	if err := bodyMatches(r, body, postForm); err != nil {
		return err
	}
	if err := signedAs(sc, s, r.Method, query, postForm, body); err != nil {
		return err
	}
	if want := mergedForm(postForm, query); !reflect.DeepEqual(map[string][]string(r.Form), map[string][]string(want)) {
		return fmt.Errorf("c.Request.Form (CallbackFrom(c).Form) = %v, want the body's then the query's: %v", r.Form, want)
	}
	r.Body = io.NopCloser(strings.NewReader(string(body)))
	return boundAs(c, r, body)
}

// signedAs reports whether query and body, as a handler reads them, are what
// the provider signed.
func signedAs(sc scheme, s shape, method string, query, body url.Values, rawBody []byte) error {
	if sc.jsonAsParams { // V3: sign what the handler reads, under the signed URL's base
		base, _, _ := strings.Cut(s.signedURL, "?")
		if sc.sign(method, base+"?"+query.Encode(), body) != s.sig {
			return fmt.Errorf("query %v and body %v are not what was signed", query, body)
		}
		return nil
	}
	_, rawQuery, _ := strings.Cut(s.signedURL, "?")
	signedQuery, _ := security.ParseQuery(rawQuery)
	if !reflect.DeepEqual(map[string][]string(query), map[string][]string(signedQuery)) {
		return fmt.Errorf("c.Query reads %v, the signed URL has %v", query, signedQuery)
	}
	if claimed := signedQuery.Get("bodySHA256"); claimed != "" {
		if security.BodySHA256(rawBody) != claimed {
			return fmt.Errorf("the body read does not hash to the signed bodySHA256")
		}
		return nil
	}
	if sc.sign(method, s.signedURL, body) != s.sig {
		return fmt.Errorf("body %v is not what was signed (%v)", body, s.signedBody)
	}
	return nil
}

// bodyMatches reports whether the body a handler reads is the one its body
// parameters came from.
func bodyMatches(r *http.Request, body []byte, postForm url.Values) error {
	var from url.Values
	switch {
	case r.Method == "GET" && len(body) > 0:
		return fmt.Errorf("a GET's unread body is readable: %q", body)
	case len(body) == 0:
	case r.Header.Get("Content-Type") == "application/json":
		if len(postForm) == 0 {
			return nil // a Twilio or SignalWire JSON body: its bodySHA256 is checked
		}
		from, _ = security.ParseJSONParams(body)
	default:
		from, _ = security.ParseQuery(string(body))
	}
	if len(from) != len(postForm) || len(from) > 0 && !reflect.DeepEqual(from, postForm) {
		return fmt.Errorf("c.Request.Body holds %q, whose parameters %v are not c.PostForm's %v", body, from, postForm)
	}
	return nil
}

// boundAs reports whether c.ShouldBind gives what the handler reads
// otherwise: the form for a GET or a form body, the body for JSON.
func boundAs(c *gin.Context, r *http.Request, body []byte) error {
	if c.ContentType() == "application/json" {
		var got, want map[string]any
		if err := c.ShouldBind(&got); err != nil {
			return fmt.Errorf("c.ShouldBind: %v", err)
		}
		json.Unmarshal(body, &want)
		if !reflect.DeepEqual(got, want) {
			return fmt.Errorf("c.ShouldBind = %v, the body is %v", got, want)
		}
		return nil
	}
	got := map[string][]string{}
	if err := c.ShouldBind(&got); err != nil {
		return fmt.Errorf("c.ShouldBind: %v", err)
	}
	if len(got) != len(r.Form) || len(got) > 0 && !reflect.DeepEqual(got, map[string][]string(r.Form)) {
		return fmt.Errorf("c.ShouldBind = %v, want the form %v", got, r.Form)
	}
	return nil
}

func mergedForm(a, b url.Values) url.Values {
	out := url.Values{}
	for _, v := range []url.Values{a, b} {
		for k, vs := range v {
			out[k] = append(out[k], vs...)
		}
	}
	return out
}

// TestGinReadsTheVerifiedRequest: after verification a handler written the
// way Gin's users write one reads the verified parameters, each accessor
// shown once.
func TestGinReadsTheVerifiedRequest(t *testing.T) {
	form := url.Values{"Digits": {"2"}, "CallUUID": {"c0ffee"}, "From": {"14155550100"}}
	type input struct {
		Digits   string `form:"Digits" json:"Digits"`
		CallUUID string `form:"CallUUID" json:"CallUUID"`
	}
	var got struct {
		postForm, query string
		getPostForm     bool
		bound           input
		body            string
	}
	v3, _ := security.NewPlivoV3(security.PlivoTokens{AuthTokens: []string{token}})
	verify := &verification{maxBody: DefaultMaxBodyBytes, log: slog.New(slog.DiscardHandler), detailed: &rateLimit{n: 5}}
	probe := func(c *gin.Context) {
		got.postForm, got.query = c.PostForm("Digits"), c.Query("flow")
		_, got.getPostForm = c.GetPostForm("CallUUID")
		if err := c.ShouldBind(&got.bound); err != nil {
			t.Errorf("ShouldBind: %v", err)
		}
		if c.Request.GetBody != nil { // the body, after ShouldBind read it
			c.Request.Body, _ = c.Request.GetBody()
		}
		b, _ := io.ReadAll(c.Request.Body)
		got.body = string(b)
		c.String(200, "ok")
	}
	h := gin.New()
	h.POST("/probe/", verify.plivo(v3), probe) // a route as Router.Voice adds one, without its replay guard
	for _, tt := range []struct{ contentType, body string }{
		{"application/x-www-form-urlencoded", form.Encode()},
		{"Application/JSON; charset=utf-8", `{"Digits":"2","CallUUID":"c0ffee","From":"14155550100"}`},
	} {
		got.postForm, got.query, got.getPostForm, got.bound, got.body = "", "", false, input{}, ""
		params, _ := security.ParseQuery(form.Encode())
		c := call{method: "POST", target: "http://example.com/probe/?flow=ivr", contentType: tt.contentType, body: tt.body, params: params}
		if w := c.do(t, h); w.Code != 200 {
			t.Fatalf("%s: %d %s", tt.contentType, w.Code, w.Body)
		}
		want := input{Digits: "2", CallUUID: "c0ffee"}
		if got.postForm != "2" || got.query != "ivr" || !got.getPostForm || got.bound != want || got.body != tt.body {
			t.Errorf("%s: c.PostForm %q, c.Query %q, c.GetPostForm found %v, c.ShouldBind %+v, c.Request.Body %q",
				tt.contentType, got.postForm, got.query, got.getPostForm, got.bound, got.body)
		}
	}
}

// TestOneMediaType: Content-Type is read one way (security.MediaType) by the
// verifier, the body parser and the handlers: a JSON body sent as
// "Application/JSON" is verified and answered as JSON.
func TestOneMediaType(t *testing.T) {
	h, _ := testRouter(t, func(o *Options) { o.TwilioAuthTokens = []string{twilioToken} })
	body := `{"From":"+14155550100","To":"+14155550111","Body":"hi","MessageSid":"SM1"}`
	target := "http://example.com/twilio/sms/?bodySHA256=" + security.BodySHA256([]byte(body))
	sig, _ := security.SignTwilio(twilioToken, target, nil)
	for _, contentType := range []string{"application/json", "Application/JSON", "APPLICATION/JSON; charset=UTF-8"} {
		r := signedRequest("POST", target, contentType, body, map[string]string{security.HeaderTwilio: sig})
		if w := serve(h, r); w.Code != 200 || !strings.Contains(w.Body.String(), "<Message>") {
			t.Errorf("%s: %d %s", contentType, w.Code, w.Body)
		}
	}
}
