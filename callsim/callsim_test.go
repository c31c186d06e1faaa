package callsim

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"

	"answerurl/security"
)

const testToken = "callsim-test-token"

// flow is a server of fixed documents, path -> XML, that verifies every
// request with this project's V3 verifier and refuses it (403) otherwise,
// and keeps the nonces it saw.
type flow struct {
	docs   map[string]string
	nonces []string
}

func (f *flow) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	v, _ := security.NewPlivoV3(security.PlivoTokens{AuthTokens: []string{testToken}})
	r.ParseForm()
	var params url.Values
	if r.Method == "POST" {
		params = r.PostForm
	}
	if _, err := v.Verify(&security.Request{Method: r.Method, URL: "http://" + r.Host + r.URL.RequestURI(), Params: params, Header: r.Header}); err != nil {
		http.Error(w, "invalid signature: "+err.Error(), http.StatusForbidden)
		return
	}
	f.nonces = append(f.nonces, r.Header.Get(security.HeaderPlivoV3Nonce))
	doc, ok := f.docs[r.URL.Path]
	if !ok && r.URL.Path != "/hangup" {
		http.NotFound(w, r)
		return
	}
	io.WriteString(w, doc)
}

func run(t *testing.T, f *flow, c Call) (*Result, error) {
	t.Helper()
	c.Handler, c.Token, c.AnswerURL, c.HangupURL = f, testToken, "http://example.com/answer", "http://example.com/hangup"
	return c.Run(context.Background())
}

// TestVerbs walks each verb: what is said, dialled and requested, with
// which method and parameters.
func TestVerbs(t *testing.T) {
	f := &flow{docs: map[string]string{
		"/answer": `<Response><Play>https://a.example/hi.mp3</Play><Wait length="2"/>
			<GetInput action="http://example.com/notify" inputType="dtmf" numDigits="2" redirect="false"><Speak>First</Speak></GetInput>
			<GetInput action="http://example.com/menu?x=1" method="GET" inputType="dtmf"><Speak>Second</Speak></GetInput></Response>`,
		"/notify":  `ignored`,
		"/menu":    `<Response><Redirect method="GET">http://example.com/dial</Redirect><Speak>never</Speak></Response>`,
		"/dial":    `<Response><Dial action="http://example.com/dialled"><Number>14155550199</Number><User>sip:a@b.example</User></Dial></Response>`,
		"/dialled": `<Response><Record action="http://example.com/vm" fileFormat="wav" finishOnKey="*"/></Response>`,
		"/vm":      `<Response><Speak>Bye</Speak><Hangup/><Speak>never</Speak></Response>`,
	}}
	res, err := run(t, f, Call{Digits: []string{"123", "3"}, DialStatus: "busy"})
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"First", "Second", "Bye"}; !slices.Equal(res.Said, want) {
		t.Errorf("said %q, want %q", res.Said, want)
	}
	if !slices.Equal(res.Played, []string{"https://a.example/hi.mp3"}) || !slices.Equal(res.Dialled, []string{"14155550199", "sip:a@b.example"}) {
		t.Errorf("played %q, dialled %q", res.Played, res.Dialled)
	}
	var got []string
	for _, rq := range res.Requests {
		got = append(got, rq.Method+" "+strings.SplitN(rq.URL, "&", 2)[0])
	}
	want := []string{"POST http://example.com/answer", "POST http://example.com/notify", "GET http://example.com/menu?x=1",
		"GET http://example.com/dial?CallStatus=in-progress", "POST http://example.com/dialled", "POST http://example.com/vm", "POST http://example.com/hangup"}
	if !slices.Equal(got, want) {
		t.Fatalf("requests\n %q\nwant %q", got, want)
	}
	checks := []struct {
		req       int
		key, want string
	}{
		{0, "CallStatus", "ringing"}, {0, "Direction", "inbound"}, {1, "Digits", "12"}, {1, "InputType", "dtmf"},
		{2, "Digits", "3"}, {3, "Event", "Redirect"}, {4, "DialStatus", "busy"}, {4, "DialRingStatus", "false"}, {4, "DialHangupCause", "USER_BUSY"},
		{4, "DialALegUUID", res.CallUUID}, {4, "DialBLegUUID", ""}, {5, "RecordingDuration", "7"}, {5, "RecordingDurationMs", "7000"},
		{5, "Digits", "*"}, {6, "CallStatus", "completed"}, {6, "HangupSource", "Answer XML"}, {6, "HangupCauseCode", "4000"},
	}
	for _, c := range checks {
		if got := res.Requests[c.req].Params.Get(c.key); got != c.want {
			t.Errorf("request %d %s = %q, want %q", c.req, c.key, got, c.want)
		}
	}
	if u := res.Requests[5].Params.Get("RecordUrl"); !strings.HasSuffix(u, ".wav") {
		t.Errorf("RecordUrl %q, want a .wav", u)
	}
	for i, n := range f.nonces {
		if len(n) != 20 || slices.Contains(f.nonces[:i], n) {
			t.Errorf("nonce %q: want 20 digits, fresh each time", n)
		}
	}
}

// TestEnds: each way a call ends early, and the cause, code and source the
// hangup URL is told (https://www.plivo.com/docs/voice/troubleshooting/hangup-causes/).
func TestEnds(t *testing.T) {
	menu := `<Response><GetInput action="http://example.com/loop" inputType="dtmf"><Speak>Menu</Speak></GetInput><Speak>Bye</Speak></Response>`
	tests := []struct {
		name, answer string
		digits       []string
		err          error
		source       string // HangupSource sent to the hangup URL
		code         string // HangupCauseCode
	}{
		{"no input, then the end of the document", menu, []string{""}, nil, "Plivo", "4010"},
		{"digits run out: the caller hangs up", menu, nil, nil, "Caller", "4000"},
		{"a Redirect loop: the caller hangs up", `<Response><Redirect>http://example.com/loop</Redirect></Response>`, nil, ErrTooLong, "Caller", "4000"},
		{"a verb it cannot simulate", `<Response><Conference>room</Conference></Response>`, nil, ErrUnsupported, "Unknown", "0"},
		{"speech the GetInput does not listen for", `<Response><GetInput action="http://example.com/x" inputType="dtmf"/></Response>`, []string{"speech:hello"}, nil, "Plivo", "4010"},
		{"not XML", `Hello`, nil, ErrBadXML, "Error", "8011"},
		{"another root", `<Say>Hi</Say>`, nil, ErrBadXML, "Error", "8011"},
		{"an action that fails, redirect true", `<Response><GetInput action="http://example.com/missing" inputType="dtmf"/></Response>`, []string{"1"}, nil, "Error", "7012"},
		{"an action answering other XML", `<Response><GetInput action="http://example.com/bad" inputType="dtmf"/></Response>`, []string{"1"}, ErrBadXML, "Error", "8012"},
		{"a Redirect that fails", `<Response><Redirect>http://example.com/missing</Redirect></Response>`, nil, nil, "Error", "7014"},
		{"Hangup first: rejected, never answered", `<Response><Hangup/><Speak>never</Speak></Response>`, nil, nil, "Answer XML", "3020"},
		{"Hangup busy first", `<Response><Hangup reason="busy"/></Response>`, nil, nil, "Answer XML", "3010"},
		{"Hangup after a Speak", `<Response><Speak>Hi</Speak><Hangup reason="rejected"/></Response>`, nil, nil, "Answer XML", "4000"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := &flow{docs: map[string]string{"/answer": tt.answer, "/loop": `<Response><Redirect>http://example.com/loop</Redirect></Response>`,
				"/bad": `<Say/>`}}
			res, err := run(t, f, Call{Digits: tt.digits, MaxRequests: 6})
			if tt.err == nil && err != nil {
				var refused *RefusedError
				if !errors.As(err, &refused) {
					t.Fatalf("Run = %v, want no error or a refusal", err)
				}
			} else if !errors.Is(err, tt.err) {
				t.Fatalf("Run = %v, want %v", err, tt.err)
			}
			last := res.Requests[len(res.Requests)-1]
			if !strings.HasSuffix(last.URL, "/hangup") || last.Params.Get("HangupSource") != tt.source || last.Params.Get("HangupCauseCode") != tt.code {
				t.Errorf("last request %s with HangupSource %q, code %q; want the hangup URL with %q, %q\n%s", last.URL,
					last.Params.Get("HangupSource"), last.Params.Get("HangupCauseCode"), tt.source, tt.code, strings.Join(res.Lines, "\n"))
			}
		})
	}
}

// TestRefused: a callback answered 403 ends the call with the status and
// the server's reason.
func TestRefused(t *testing.T) {
	f := &flow{docs: map[string]string{}}
	_, err := Call{Handler: f, Token: "wrong", AnswerURL: "http://example.com/answer"}.Run(context.Background())
	var refused *RefusedError
	if !errors.As(err, &refused) || refused.Status != 403 || !strings.Contains(err.Error(), `403 Forbidden: "invalid signature`) {
		t.Fatalf("Run = %v", err)
	}
}

// TestOverTheNetwork: without a Handler, requests go over HTTP, signed
// for the URL requested.
func TestOverTheNetwork(t *testing.T) {
	srv := httptest.NewServer(&flow{docs: map[string]string{"/answer": `<Response><Speak>Hi</Speak></Response>`}})
	defer srv.Close()
	res, err := Call{Token: testToken, AnswerURL: srv.URL + "/answer", HangupURL: srv.URL + "/hangup"}.Run(context.Background())
	if err != nil || !slices.Equal(res.Said, []string{"Hi"}) || len(res.Requests) != 2 {
		t.Fatalf("Run = %+v, %v", res, err)
	}
}

// TestBadDialStatus: an outcome Plivo does not report is refused up front.
func TestBadDialStatus(t *testing.T) {
	if _, err := (Call{AnswerURL: "http://example.com/", DialStatus: "answered"}).Run(context.Background()); err == nil || !strings.Contains(err.Error(), "no-answer") {
		t.Fatalf("Run = %v; want an error listing the statuses", err)
	}
}
