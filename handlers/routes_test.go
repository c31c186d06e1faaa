package handlers

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/gin-gonic/gin"
)

// isUnverified reports whether path was added with Router.Unverified.
func isUnverified(r *Router, path string) bool {
	return slices.ContainsFunc(r.Routes(), func(route Route) bool { return route.Path == path && route.Verifier == "" })
}

// unverified lists the routes of r, other than those added with
// Unverified, that answer an unsigned request with anything but 403, or run
// a handler for it (a handler's log line, or any line but the refusal and
// the access line).
func unverified(t *testing.T, r *Router, logs *syncBuffer) []string {
	var bad []string
	for _, route := range r.engine.Routes() {
		if isUnverified(r, route.Path) {
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
// proves that each one not added with Unverified refuses an unsigned request
// with 403 and runs no handler. A route added the wrong way fails it.
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
	for _, route := range h.engine.Routes() {
		if isUnverified(h, route.Path) && route.Method != http.MethodGet {
			t.Errorf("unverified route %s answers %s: unverified routes are GET only", route.Path, route.Method)
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
// a path that is not one, or one added twice, panics with a one-line
// message that says what to write, whether added by NewRouter's table or
// after it, as http.ServeMux does with a bad pattern.
func TestRoutePaths(t *testing.T) {
	h, _ := testRouter(t, nil)
	h.Voice("/x/", StaticXML([]byte("<Response/>")), BySignature)
	for _, p := range []string{"/x", "/x/"} {
		if w := serve(h, speakRequestTo(t, "http://example.com"+p, "1")); w.Code != 200 {
			t.Errorf("%s: %d %q", p, w.Code, w.Body)
		}
	}
	adders := map[string]func(r *Router, path string){
		"Voice":      func(r *Router, path string) { r.Voice(path, StaticXML(nil), BySignature) },
		"Message":    func(r *Router, path string) { r.Message(path, StaticXML(nil), ByParams("MessageUUID")) },
		"TwiML":      func(r *Router, path string) { r.TwiML(path, r.v3, StaticXML(nil)) },
		"Unverified": func(r *Router, path string) { r.Unverified(path, StaticXML(nil)) },
	}
	for name, add := range adders {
		for path, want := range map[string]string{"ivr": "starts with /", "/a/:id": "plain path", "/speak/": "added twice", "/healthz": "added twice", "//": "plain path"} {
			h, _ := testRouter(t, nil)
			func() {
				defer func() {
					got, _ := recover().(string)
					if !strings.Contains(got, want) || strings.Contains(got, "\n") {
						t.Errorf("%s(%q): panicked with %q, want one line saying %q", name, path, got, want)
					}
				}()
				add(h, path)
			}()
		}
	}
}

// TestByParams: a callback ID names all its parameters together, and one
// that names none is refused.
func TestByParams(t *testing.T) {
	id := ByParams("MessageUUID", "Status")
	form := url.Values{"MessageUUID": {"m"}, "Status": {"sent"}}
	if id.value(form) == "" || id.value(url.Values{"MessageUUID": {"m"}}) != "" || id.String() != "MessageUUID + Status" {
		t.Fatalf("ByParams: %q, %q", id.value(form), id)
	}
	if BySignature.value(form) != "" || BySignature.String() != "signature" {
		t.Fatal("BySignature names a callback by its parameters")
	}
	for _, names := range [][]string{nil, {""}, {"MessageUUID", ""}} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("ByParams(%q) did not panic", names)
				}
			}()
			ByParams(names...)
		}()
	}
}
