package handlers

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"answerurl/callsim"
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
				forged[k] = map[bool]string{true: "B", false: "A"}[v[0] == 'A'] + v[1:] // another first character
			}
		}
		if w := send(forged); w.Code != http.StatusForbidden || strings.Contains(w.Body.String(), "<Response") {
			t.Errorf("%s, forged: %d %q", rq.Name, w.Code, w.Body)
		}
		for _, handled := range []string{"ivr choice", "msg=voicemail", "call ended", "message status"} {
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
		`msg=voicemail call_uuid=c0ffee00-0000-4000-8000-00000000ca11 recording_url=https://media.example.com/r/7a1e.mp3 duration_s=7`,
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

// TestIVRWithCallSim walks every branch of /ivr/ with the call simulator,
// through the real router with a replay guard, as Plivo would play the call:
// on the host the request arrives at, and behind PUBLIC_BASE_URL.
func TestIVRWithCallSim(t *testing.T) {
	const transfer = "14155550199"
	menu := []string{ivrMenuPrompt}
	tests := []struct {
		name     string
		digits   []string
		transfer string
		said     []string
		dialled  []string
		paths    []string // the path of each request
		logged   string
	}{
		{"1: a message", []string{"1"}, transfer, append(menu, ivrMessage), nil,
			[]string{"/ivr/", "/ivr/choice/", "/hangup/"}, `digits=1`},
		{"2: connected", []string{"2"}, transfer, append(menu, ivrConnecting), []string{transfer},
			[]string{"/ivr/", "/ivr/choice/", "/hangup/"}, `digits=2`},
		{"2: nobody to connect, back to the menu, then the caller hangs up", []string{"2"}, "", append(menu, ivrNobody, ivrMenuPrompt), nil,
			[]string{"/ivr/", "/ivr/choice/", "/ivr/", "/hangup/"}, `digits=2`},
		{"3: a voicemail", []string{"3"}, transfer, append(menu, ivrLeaveMessage, defaultVoicemailThanks), nil,
			[]string{"/ivr/", "/ivr/choice/", "/ivr/voicemail/", "/hangup/"}, `msg=voicemail`},
		{"no input", []string{""}, transfer, append(menu, ivrNoInput), nil,
			[]string{"/ivr/", "/hangup/"}, `hangup_cause="Normal Hangup" hangup_source="Answer XML"`},
		{"not an option", []string{"7", "1"}, transfer, append(menu, ivrNotAnOption, ivrMenuPrompt, ivrMessage), nil,
			[]string{"/ivr/", "/ivr/choice/", "/ivr/", "/ivr/choice/", "/hangup/"}, `digits=7`},
	}
	for _, origin := range []string{"http://example.com", "https://abc.ngrok-free.app"} {
		for _, tt := range tests {
			t.Run(origin+" "+tt.name, func(t *testing.T) {
				h, logs := testRouter(t, func(o *Options) {
					o.IVRTransferNumber = tt.transfer
					o.Replay = &replay.Guard{Store: replay.NewMemory(1000), Window: time.Minute, Lease: 20 * time.Second}
					if strings.HasPrefix(origin, "https") {
						o.PublicURL.Base, _ = publicurl.ParseBaseURL(origin)
					}
				})
				res, err := callsim.Call{Handler: h, Token: token, AnswerURL: origin + "/ivr/", HangupURL: origin + "/hangup/",
					Digits: tt.digits}.Run(context.Background())
				if err != nil {
					t.Fatalf("%v\n%s", err, strings.Join(res.Lines, "\n"))
				}
				if !slices.Equal(res.Said, tt.said) || !slices.Equal(res.Dialled, tt.dialled) {
					t.Errorf("said %q, dialled %q\nwant %q, %q", res.Said, res.Dialled, tt.said, tt.dialled)
				}
				var paths []string
				for _, rq := range res.Requests {
					paths = append(paths, strings.TrimPrefix(rq.URL, origin))
				}
				if !slices.Equal(paths, tt.paths) {
					t.Errorf("requests %q, want %q", paths, tt.paths)
				}
				if !strings.Contains(logs.String(), tt.logged) || !strings.Contains(logs.String(), `msg="call ended" call_uuid=`+res.CallUUID) {
					t.Errorf("log lacks %q or the call's end:\n%s", tt.logged, logs)
				}
			})
		}
	}
}

// TestIVRWrongToken: a call signed with another token is refused at the
// answer URL, and the error carries the 403 and the server's reason.
func TestIVRWrongToken(t *testing.T) {
	h, _ := testRouter(t, nil)
	res, err := callsim.Call{Handler: h, Token: "not-the-token", AnswerURL: "http://example.com/ivr/", Digits: []string{"1"}}.Run(context.Background())
	var refused *callsim.RefusedError
	if !errors.As(err, &refused) || refused.Status != http.StatusForbidden || !strings.Contains(refused.Reason, "signature") {
		t.Fatalf("Run = %v; want a RefusedError with 403 and the reason", err)
	}
	// Two requests: the answer URL, then the hangup callback, which goes to
	// the answer URL when no hangup URL is given, as a Plivo application's does.
	if len(res.Said) != 0 || len(res.Requests) != 2 {
		t.Errorf("said %q after %d requests; want nothing after two", res.Said, len(res.Requests))
	}
}

// TestCallFlowPointsAtRoutes: every URL a document of the call flow names
// (the menu's GetInput action, a Redirect back to the menu, the Record
// action), for every key a caller may press, is a route of the router: an
// action URL built from a path the table does not add would be a 404 in
// the middle of a live call.
func TestCallFlowPointsAtRoutes(t *testing.T) {
	h, _ := testRouter(t, func(o *Options) { o.IVRTransferNumber = "14155550199" })
	routes := map[string]bool{}
	for _, r := range h.Routes() {
		routes[r.Path] = true
	}
	urls := regexp.MustCompile(`(?:action="|<Redirect[^>]*>)([^"<]+)`)
	pointed := map[string]bool{}
	for _, digits := range []string{"", "0", "1", "2", "3", "4", "5", "6", "7", "8", "9", "#", "*"} {
		for _, path := range []string{PathIVR, PathIVRChoice} {
			form := url.Values{"CallUUID": {"c0ffee"}, "Digits": {digits}}
			w := call{method: "POST", target: "http://example.com" + path, contentType: "application/x-www-form-urlencoded",
				body: form.Encode(), params: form}.do(t, h)
			for _, m := range urls.FindAllStringSubmatch(w.Body.String(), -1) {
				u, err := url.Parse(m[1])
				if err != nil || u.Host != "example.com" || !routes[strings.TrimSuffix(u.Path, "/")] {
					t.Errorf("%s with Digits=%q points at %q: not a route of the router", path, digits, m[1])
				}
				pointed[u.Path] = true
			}
		}
	}
	for _, p := range []string{PathIVR, PathIVRChoice, PathIVRVoicemail} {
		if !pointed[p] {
			t.Errorf("no document points at %s: the walk proves less than it says", p)
		}
	}
}
