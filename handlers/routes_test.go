package handlers

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/gin-gonic/gin"

	"answerurl/security"
)

// unverified lists the routes of r, other than its public ones, that answer
// an unsigned request with anything but 403, or run a handler for it (a
// handler's log line, or any line but the refusal and the access line).
func unverified(t *testing.T, r *Router, logs *syncBuffer) []string {
	var bad []string
	for _, route := range r.engine.Routes() {
		if r.public[route.Path] {
			continue
		}
		before := len(logs.String())
		req := httptest.NewRequest(route.Method, "http://example.com"+route.Path, strings.NewReader("From=14155550100&To=14155550111"))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		w := httptest.NewRecorder()
		r.ServeHTTP(w, req)
		var handled []string
		for _, line := range strings.Split(strings.TrimSpace(logs.String()[before:]), "\n") {
			if !strings.Contains(line, `msg="signature rejected"`) && !strings.Contains(line, `msg="callback answered"`) {
				handled = append(handled, line)
			}
		}
		if w.Code != http.StatusForbidden || !strings.HasPrefix(w.Body.String(), "forbidden: ") || len(handled) > 0 {
			bad = append(bad, route.Method+" "+route.Path)
		}
	}
	return bad
}

// TestEveryRouteIsVerified walks every route the router has, as a user's
// NewRouter would leave it (Twilio and SignalWire on, a replay guard), and
// proves that each one that is not public refuses an unsigned request with
// 403 and runs no handler. A route added the wrong way fails it.
func TestEveryRouteIsVerified(t *testing.T) {
	h, logs := testRouter(t, func(o *Options) {
		o.TwilioAuthTokens, o.SignalWireSigningKeys = []string{"twilio-token"}, []string{"signalwire-key"}
	})
	if n := len(h.engine.Routes()); n < 40 {
		t.Fatalf("only %d routes: the walk would prove little", n)
	}
	if bad := unverified(t, h, logs); len(bad) > 0 {
		t.Fatalf("routes that answer unsigned requests: %v", bad)
	}
	for path := range h.public {
		for _, route := range h.engine.Routes() {
			if route.Path == path && route.Method != http.MethodGet {
				t.Errorf("public route %s answers %s: public routes are GET only", path, route.Method)
			}
		}
	}

	t.Run("a route added on the engine is caught", func(t *testing.T) {
		h.engine.POST("/added-wrong", func(c *gin.Context) { c.String(200, "<Response/>") })
		if bad := unverified(t, h, logs); len(bad) != 1 || bad[0] != "POST /added-wrong" {
			t.Fatalf("the walk reported %v, want the route added on the engine", bad)
		}
	})
}

// TestRoutePaths: a route may be given with or without its trailing slash;
// a path that is not one, or one added twice, stops NewRouter with a
// one-line error that says what to write.
func TestRoutePaths(t *testing.T) {
	h, _ := testRouter(t, nil)
	h.Voice("/x/", StaticXML([]byte("<Response/>")))
	for _, p := range []string{"/x", "/x/"} {
		if w := serve(h, speakRequestTo(t, "http://example.com"+p, "1")); w.Code != 200 {
			t.Errorf("%s: %d %q", p, w.Code, w.Body)
		}
	}
	for path, want := range map[string]string{"ivr": "starts with /", "/a/:id": "plain path", "/speak/": "added twice"} {
		r, err := newRouter(Options{Plivo: security.PlivoTokens{AuthTokens: []string{token}}})
		if err != nil {
			t.Fatal(err)
		}
		r.Voice("/speak", StaticXML(nil))
		r.Voice(path, StaticXML(nil))
		if r.err == nil || !strings.Contains(r.err.Error(), want) || strings.Contains(r.err.Error(), "\n") {
			t.Errorf("route %q: %v, want one line saying %q", path, r.err, want)
		}
	}
}
