package handlers

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"answerurl/publicurl"
	"answerurl/replay"
	"answerurl/security"
)

// callflowRequests are signed callbacks to the call-flow routes, each
// signature computed by Plivo's own SDK (testdata/gen/callflow.js).
type callflowRequests struct {
	Token    string `json:"token"`
	Requests []struct {
		Name    string            `json:"name"`
		Method  string            `json:"method"`
		URL     string            `json:"url"`
		Params  map[string]string `json:"params"`
		Headers map[string]string `json:"headers"`
		Want    string            `json:"want"` // a document in plivo-xml/, "ok", or "duplicate"
	} `json:"requests"`
}

// plivoXML reads a document that Plivo's own XML builder made.
func plivoXML(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "plivo-xml", name+".xml"))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestCallFlow sends the SDK-signed callbacks through the real router with
// a replay guard: each answer is the document Plivo's builder made, a
// repeated status is answered from the store, and a tampered copy of each
// is refused before its handler runs.
func TestCallFlow(t *testing.T) {
	b, err := os.ReadFile("testdata/callflow-requests.json")
	if err != nil {
		t.Fatal(err)
	}
	var fixture callflowRequests
	if err := json.Unmarshal(b, &fixture); err != nil {
		t.Fatal(err)
	}
	h, logs := testRouter(t, func(o *Options) {
		o.Plivo = security.PlivoTokens{AuthTokens: []string{fixture.Token}}
		o.IVRTransferNumber = "14155550199"
		o.Replay = &replay.Guard{Store: replay.NewMemory(1000), Window: time.Minute, Lease: 20 * time.Second}
	})
	for _, rq := range fixture.Requests {
		params := url.Values{}
		for k, v := range rq.Params {
			params.Set(k, v)
		}
		send := func(header map[string]string) *httptest.ResponseRecorder {
			r := httptest.NewRequest(rq.Method, rq.URL, strings.NewReader(params.Encode()))
			r.RemoteAddr = "127.0.0.1:1"
			if rq.Method == "POST" {
				r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			}
			for k, v := range header {
				r.Header.Set(k, v)
			}
			return serve(h, r)
		}
		// A tampered copy first: refused, and its handler does not run.
		before := logs.String()
		forged := map[string]string{}
		for k, v := range rq.Headers {
			forged[k] = v
			if !strings.HasSuffix(k, "Nonce") {
				forged[k] = "A" + v[1:]
			}
		}
		if w := send(forged); w.Code != http.StatusForbidden || strings.Contains(w.Body.String(), "<Response") {
			t.Errorf("%s, forged: %d %q", rq.Name, w.Code, w.Body)
		}
		for _, handled := range []string{"ivr choice", "call ended", "message status"} {
			if strings.Count(logs.String(), handled) != strings.Count(before, handled) {
				t.Errorf("%s, forged: the handler ran (%q logged)", rq.Name, handled)
			}
		}

		w := send(rq.Headers)
		switch rq.Want {
		case "ok":
			if w.Code != 200 || w.Body.String() != "ok\n" || w.Header().Get(HeaderDuplicate) != "" {
				t.Errorf("%s: %d %q", rq.Name, w.Code, w.Body)
			}
		case "duplicate":
			if w.Code != 200 || w.Header().Get(HeaderDuplicate) != "1" {
				t.Errorf("%s: %d, duplicate header %q; want the stored answer", rq.Name, w.Code, w.Header().Get(HeaderDuplicate))
			}
		default:
			if want := plivoXML(t, rq.Want); w.Code != 200 || w.Body.String() != want || w.Header().Get("Content-Type") != XMLContentType {
				t.Errorf("%s: %d\n got %s\nwant %s (Plivo's builder)", rq.Name, w.Code, w.Body, want)
			}
		}
	}
	for _, want := range []string{
		`msg="ivr choice" call_uuid=c0ffee00-0000-4000-8000-00000000ca11 digits=2`,
		`msg="call ended" call_uuid=c0ffee00-0000-4000-8000-00000000ca11 duration_s=42 hangup_cause="Normal Hangup"`,
		`msg="message status" message_uuid=m-5747a4a5 status=delivered`,
		`msg="callback answered" route=/ivr/choice/ method=POST status=200 call_uuid=c0ffee00-0000-4000-8000-00000000ca11 duration_ms=`,
	} {
		if !strings.Contains(logs.String(), want) {
			t.Errorf("log lacks %q", want)
		}
	}
	if n := strings.Count(logs.String(), `msg="message status"`); n != 2 {
		t.Errorf("the status handler ran %d times for sent, delivered and delivered again; want 2", n)
	}
}

// TestCallFlowWithoutTransferNumber: option 2 with no number configured
// says so and goes back to the menu, on the public URL the request was
// verified for (PUBLIC_BASE_URL here, with a path prefix).
func TestCallFlowWithoutTransferNumber(t *testing.T) {
	h, _ := testRouter(t, nil)
	c := call{method: "POST", target: "http://example.com/ivr/choice/", contentType: "application/x-www-form-urlencoded",
		body: "Digits=2&CallUUID=c", params: url.Values{"Digits": {"2"}, "CallUUID": {"c"}}}
	if w := c.do(t, h); w.Code != 200 || w.Body.String() != plivoXML(t, "ivr_choice_2_nobody") {
		t.Fatalf("%d %s", w.Code, w.Body)
	}
	base, _ := publicurl.ParseBaseURL("https://abc.ngrok-free.app/hooks")
	h, _ = testRouter(t, func(o *Options) { o.PublicURL.Base = base })
	c = call{method: "GET", target: "http://localhost:8080/ivr", signedURL: "https://abc.ngrok-free.app/hooks/ivr"}
	w := c.do(t, h)
	if w.Code != 200 || !strings.Contains(w.Body.String(), `action="https://abc.ngrok-free.app/hooks/ivr/choice/"`) {
		t.Fatalf("menu behind PUBLIC_BASE_URL: %d %s", w.Code, w.Body)
	}
}
