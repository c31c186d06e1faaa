package callsim

import (
	"bufio"
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"slices"
	"strings"
	"testing"
	"time"
)

// sim walks answer (the document at /answer) with docs at other paths, and
// the caller c.
func sim(t *testing.T, answer string, c Call, docs ...string) (*Result, error) {
	t.Helper()
	f := &flow{docs: map[string]string{"/answer": answer}}
	for i := 0; i+1 < len(docs); i += 2 {
		f.docs[docs[i]] = docs[i+1]
	}
	return run(t, f, c)
}

// must is sim that fails the test on an error.
func must(t *testing.T, answer string, c Call, docs ...string) *Result {
	t.Helper()
	res, err := sim(t, answer, c, docs...)
	if err != nil {
		t.Fatalf("Run: %v\n%s", err, lines(res))
	}
	return res
}

func lines(res *Result) string {
	if res == nil {
		return ""
	}
	return strings.Join(res.Lines, "\n")
}

// sent is the request to path, or fails the test.
func sent(t *testing.T, res *Result, path string) Exchange {
	t.Helper()
	for _, rq := range res.Requests {
		if u := strings.SplitN(rq.URL, "?", 2)[0]; strings.HasSuffix(u, path) {
			return rq
		}
	}
	t.Fatalf("no request to %s:\n%s", path, lines(res))
	return Exchange{}
}

// endedAs checks the hangup callback's cause code, source and durations.
func endedAs(t *testing.T, res *Result, code, source, duration, bill string) {
	t.Helper()
	h := res.Requests[len(res.Requests)-1].Params
	got := []string{h.Get("HangupCauseCode"), h.Get("HangupSource"), h.Get("Duration"), h.Get("BillDuration")}
	want := []string{code, source, duration, bill}
	for i := range want {
		if want[i] != "" && got[i] != want[i] {
			t.Errorf("hangup callback code, source, Duration, BillDuration = %q, want %q\n%s", got, want, lines(res))
			return
		}
	}
}

func has(t *testing.T, res *Result, line string) {
	t.Helper()
	if !strings.Contains(lines(res), line) {
		t.Errorf("transcript lacks %q:\n%s", line, lines(res))
	}
}

const next = `<Response><Speak>Next</Speak></Response>`

// fidelity holds the test of each row of FIDELITY.md, by the row's ID.
var fidelity = map[string]func(t *testing.T){
	"speak-text": func(t *testing.T) {
		res := must(t, `<Response><Speak voice="WOMAN" language="en-US">Hello there</Speak></Response>`, Call{})
		if !slices.Equal(res.Said, []string{"Hello there"}) {
			t.Errorf("said %q", res.Said)
		}
	},
	"speak-loop": func(t *testing.T) {
		res := must(t, `<Response><Speak loop="3">Hi</Speak></Response>`, Call{})
		if len(res.Said) != 3 {
			t.Errorf("said %q, want Hi three times", res.Said)
		}
	},
	"speak-loop-endless": func(t *testing.T) {
		res := must(t, `<Response><Speak loop="0">Hold on</Speak><Speak>never</Speak></Response>`, Call{})
		if slices.Contains(res.Said, "never") {
			t.Error("what follows an endless Speak ran")
		}
		endedAs(t, res, "4000", "Caller", "60", "60")
		has(t, res, `loop="0"> is endless`)
	},
	"speak-ssml": func(t *testing.T) {
		res := must(t, `<Response><Speak>Hi <break time="1s"/><prosody rate="slow">there,</prosody> <say-as interpret-as="spell-out">abc</say-as> <sub alias="World Wide Web">W3</sub></Speak></Response>`, Call{})
		if !slices.Equal(res.Said, []string{"Hi there, abc World Wide Web"}) {
			t.Errorf("said %q", res.Said)
		}
	},
	"play-loop": func(t *testing.T) {
		res := must(t, `<Response><Play loop="2">https://a.example/x.mp3</Play></Response>`, Call{})
		if len(res.Played) != 2 {
			t.Errorf("played %q", res.Played)
		}
	},
	"play-loop-endless": func(t *testing.T) {
		res := must(t, `<Response><Play loop="0">https://a.example/x.mp3</Play><Speak>never</Speak></Response>`, Call{HangupAfter: 12 * time.Second})
		endedAs(t, res, "4000", "Caller", "12", "12")
	},
	"wait-length": func(t *testing.T) {
		res := must(t, `<Response><Speak>Hi</Speak><Wait length="7"/></Response>`, Call{})
		endedAs(t, res, "4010", "Plivo", "8", "8")
	},
	"wait-silence": func(t *testing.T) {
		res := must(t, `<Response><Speak>Hi</Speak><Wait length="10" silence="true" minSilence="3000"/></Response>`, Call{})
		endedAs(t, res, "4010", "Plivo", "4", "4")
	},
	"wait-beep": func(t *testing.T) {
		res := must(t, `<Response><Speak>Hi</Speak><Wait length="5" beep="true"/></Response>`, Call{})
		endedAs(t, res, "4010", "Plivo", "6", "6")
		has(t, res, "no beep comes")
	},
	"wait-leading": func(t *testing.T) {
		res := must(t, `<Response><Wait length="4"/><Speak>Hi</Speak></Response>`, Call{})
		endedAs(t, res, "4010", "Plivo", "5", "1")
	},
	"preanswer": func(t *testing.T) {
		res := must(t, `<Response><PreAnswer><Speak>Early</Speak><Wait length="3"/></PreAnswer><Speak>Hi</Speak></Response>`, Call{})
		if !slices.Equal(res.Said, []string{"Early", "Hi"}) {
			t.Errorf("said %q", res.Said)
		}
		endedAs(t, res, "4010", "Plivo", "5", "1") // other nested verbs: preanswer-nesting
	},
	"preanswer-nesting": func(t *testing.T) {
		for _, tt := range []struct {
			name, answer string
			c            Call
			docs         []string
			code         string // HangupCauseCode
			said         []string
		}{
			{"GetDigits in the answer", `<Response><PreAnswer><Speak>Early</Speak><GetDigits action="http://example.com/in"/></PreAnswer></Response>`, Call{}, nil, "8011", nil},
			{"then the fallback answer URL", `<Response><PreAnswer><GetDigits action="http://example.com/in"/></PreAnswer></Response>`,
				Call{FallbackURL: "http://example.com/fallback"}, []string{"/fallback", next}, "4010", []string{"Next"}},
			{"DTMF in a Redirect's answer", `<Response><Redirect>http://example.com/in</Redirect></Response>`, Call{},
				[]string{"/in", `<Response><PreAnswer><DTMF>1</DTMF></PreAnswer></Response>`}, "8014", nil},
		} {
			res, err := sim(t, tt.answer, tt.c, tt.docs...)
			if (tt.code != "4010") != errors.Is(err, ErrBadXML) || !slices.Equal(res.Said, tt.said) {
				t.Errorf("%s: Run = %v, said %q, want %q", tt.name, err, res.Said, tt.said)
			}
			endedAs(t, res, tt.code, "", "", "")
			has(t, res, "taken as invalid XML")
		}
	},
	"getinput-dtmf": func(t *testing.T) {
		res := must(t, `<Response><GetInput action="http://example.com/in" inputType="dtmf"><Speak>Press</Speak></GetInput></Response>`, Call{Digits: []string{"42"}}, "/in", next)
		p := sent(t, res, "/in").Params
		if p.Get("Digits") != "42" || p.Get("InputType") != "dtmf" || !slices.Contains(res.Said, "Next") {
			t.Errorf("action got %v; said %q", p, res.Said)
		}
	},
	"getinput-nesting": func(t *testing.T) {
		res := must(t, `<Response><GetInput action="http://example.com/in" inputType="dtmf"><Speak>Press</Speak><Wait length="2"/><Play>https://example.com/a.mp3</Play></GetInput></Response>`, Call{Digits: []string{"4"}}, "/in", next)
		has(t, res, "<Wait> nested in <GetInput>")
		if d := sent(t, res, "/in").Params.Get("Digits"); d != "4" {
			t.Errorf("Digits %q, want 4", d)
		}
		_, err := sim(t, `<Response><GetInput action="http://example.com/in"><Hangup/></GetInput></Response>`, Call{})
		if !errors.Is(err, ErrUnsupported) || !strings.Contains(err.Error(), "<Hangup> nested in <GetInput>") {
			t.Errorf("a Hangup nested in GetInput: %v", err)
		}
	},
	"getinput-finishonkey": func(t *testing.T) {
		res := must(t, `<Response><GetInput action="http://example.com/in" inputType="dtmf"/></Response>`, Call{Digits: []string{"12#3"}}, "/in", next)
		if d := sent(t, res, "/in").Params.Get("Digits"); d != "12" {
			t.Errorf("Digits %q, want 12 (the # not kept)", d)
		}
	},
	"getinput-finishonkey-none": func(t *testing.T) {
		res := must(t, `<Response><GetInput action="http://example.com/in" inputType="dtmf" finishOnKey="none" digitEndTimeout="3"/></Response>`, Call{Digits: []string{"12#"}}, "/in", next)
		if d := sent(t, res, "/in").Params.Get("Digits"); d != "12#" {
			t.Errorf("Digits %q, want 12#", d)
		}
	},
	"getinput-numdigits": func(t *testing.T) {
		res := must(t, `<Response><GetInput action="http://example.com/in" inputType="dtmf" numDigits="2"/></Response>`, Call{Digits: []string{"1234"}}, "/in", next)
		if d := sent(t, res, "/in").Params.Get("Digits"); d != "12" {
			t.Errorf("Digits %q, want 12", d)
		}
	},
	"getinput-digitendtimeout": func(t *testing.T) {
		res := must(t, `<Response><GetInput action="http://example.com/in" inputType="dtmf" digitEndTimeout="4"/></Response>`, Call{Digits: []string{"7"}}, "/in", `<Response/>`)
		endedAs(t, res, "4010", "", "4", "")
		res = must(t, `<Response><GetInput action="http://example.com/in" inputType="dtmf"/></Response>`, Call{Digits: []string{"7"}}, "/in", `<Response/>`)
		endedAs(t, res, "4010", "", "5", "")
		has(t, res, "digitEndTimeout auto: Plivo's page gives no length; 5s taken")
	},
	"getinput-speech": func(t *testing.T) {
		res := must(t, `<Response><GetInput action="http://example.com/in" inputType="speech"/></Response>`, Call{Digits: []string{"speech:sales please"}}, "/in", next)
		p := sent(t, res, "/in").Params
		if p.Get("InputType") != "speech" || p.Get("Speech") != "sales please" || p.Get("SpeechConfidenceScore") == "" || p.Has("Digits") {
			t.Errorf("action got %v", p)
		}
	},
	"getinput-dtmf-speech": func(t *testing.T) {
		for _, entry := range []string{"3", "speech:three"} {
			res := must(t, `<Response><GetInput action="http://example.com/in" inputType="dtmf speech"/></Response>`, Call{Digits: []string{entry}}, "/in", next)
			if p := sent(t, res, "/in").Params; p.Get("Digits")+p.Get("Speech") == "" {
				t.Errorf("%q: action got %v", entry, p)
			}
		}
	},
	"getinput-no-input": func(t *testing.T) {
		res := must(t, `<Response><GetInput action="http://example.com/in" inputType="dtmf" executionTimeout="9"/><Speak>Bye</Speak></Response>`, Call{Digits: []string{""}})
		if len(res.Requests) != 2 || !slices.Equal(res.Said, []string{"Bye"}) {
			t.Errorf("requests %d, said %q: want the action not called and the next element run", len(res.Requests), res.Said)
		}
		endedAs(t, res, "4010", "Plivo", "10", "")
		has(t, res, "no input: the action is not requested")
	},
	"getinput-no-inputtype": func(t *testing.T) {
		res := must(t, `<Response><GetInput action="http://example.com/in"/></Response>`, Call{Digits: []string{"1"}}, "/in", next)
		has(t, res, "taken as dtmf")
	},
	"getinput-redirect-true": func(t *testing.T) {
		res := must(t, `<Response><GetInput action="http://example.com/in" inputType="dtmf"/><Speak>never</Speak></Response>`, Call{Digits: []string{"1"}}, "/in", next)
		if !slices.Equal(res.Said, []string{"Next"}) {
			t.Errorf("said %q: the action's answer replaces the document", res.Said)
		}
	},
	"getinput-redirect-false": func(t *testing.T) {
		res := must(t, `<Response><GetInput action="http://example.com/missing" inputType="dtmf" redirect="false"/><Speak>After</Speak></Response>`, Call{Digits: []string{"1"}})
		if !slices.Equal(res.Said, []string{"After"}) {
			t.Errorf("said %q: with redirect false a failed action does not end the call", res.Said)
		}
		endedAs(t, res, "4010", "Plivo", "", "")
	},
	"getdigits": func(t *testing.T) {
		res := must(t, `<Response><GetDigits action="http://example.com/in" numDigits="4"><Speak>PIN</Speak></GetDigits></Response>`, Call{Digits: []string{"12#"}}, "/in", next)
		if d := sent(t, res, "/in").Params.Get("Digits"); d != "12" {
			t.Errorf("Digits %q", d)
		}
	},
	"getdigits-retries": func(t *testing.T) {
		res := must(t, `<Response><GetDigits action="http://example.com/in" retries="2"><Speak>PIN</Speak></GetDigits></Response>`, Call{Digits: []string{"", "5#"}}, "/in", next)
		if len(res.Said) != 3 || sent(t, res, "/in").Params.Get("Digits") != "5" {
			t.Errorf("said %q", res.Said)
		}
	},
	"getdigits-validdigits": func(t *testing.T) {
		res := must(t, `<Response><GetDigits action="http://example.com/in" validDigits="12" invalidDigitsSound="https://a.example/no.mp3"/><Speak>Bye</Speak></Response>`, Call{Digits: []string{"9#"}})
		if !slices.Equal(res.Played, []string{"https://a.example/no.mp3"}) || !slices.Equal(res.Said, []string{"Bye"}) {
			t.Errorf("played %q, said %q", res.Played, res.Said)
		}
	},
	"getdigits-timeout": func(t *testing.T) {
		res := must(t, `<Response><GetDigits action="http://example.com/in" timeout="8"/></Response>`, Call{Digits: []string{""}})
		endedAs(t, res, "4010", "Plivo", "8", "")
	},
	"getdigits-redirect-false": func(t *testing.T) {
		res := must(t, `<Response><GetDigits action="http://example.com/in" redirect="false"/><Speak>After</Speak></Response>`, Call{Digits: []string{"1#"}}, "/in", next)
		if !slices.Equal(res.Said, []string{"After"}) {
			t.Errorf("said %q", res.Said)
		}
	},
	"redirect-get-query": func(t *testing.T) {
		res := must(t, `<Response><Redirect method="GET">http://example.com/in?menu=2</Redirect></Response>`, Call{}, "/in", next)
		if u := sent(t, res, "/in").URL; !strings.HasPrefix(u, "http://example.com/in?menu=2&") || !strings.Contains(u, "Event=Redirect") {
			t.Errorf("URL %s", u)
		}
	},
	"redirect-relative": func(t *testing.T) {
		res := must(t, `<Response><Redirect>/in</Redirect></Response>`, Call{}, "/in", next)
		sent(t, res, "/in")
		has(t, res, "relative URL")
	},
	"url-fragment": func(t *testing.T) {
		res := must(t, `<Response><Redirect method="GET">http://example.com/in?x=1#ct=2000&amp;rc=3</Redirect></Response>`, Call{}, "/in", next)
		if u := sent(t, res, "/in").URL; strings.Contains(u, "#") || strings.Contains(u, "rc=3") || !strings.Contains(u, "CallUUID=") {
			t.Errorf("URL %s: want the parameters in the query and no fragment", u)
		}
		has(t, res, "#ct=2000&rc=3 is Plivo's callback configuration: not sent, and not signed")
	},
	"dial-action": func(t *testing.T) {
		for status, ring := range map[string]string{"completed": "true", "busy": "false", "failed": "false", "timeout": "true", "no-answer": "true"} {
			res := must(t, `<Response><Dial action="http://example.com/in"><Number>14155550199</Number><User>sip:a@phone.plivo.com</User></Dial></Response>`, Call{DialStatus: status}, "/in", next)
			p := sent(t, res, "/in").Params
			if p.Get("DialStatus") != status || p.Get("DialRingStatus") != ring || p.Get("DialALegUUID") != res.CallUUID ||
				(p.Get("DialBLegUUID") != "") != (status == "completed") || p.Get("DialHangupCause") == "" {
				t.Errorf("%s: action got %v", status, p)
			}
			if status == "no-answer" {
				has(t, res, "without timeout: Plivo's page gives no default; it rings 30s")
			}
		}
	},
	"dial-no-action": func(t *testing.T) {
		res := must(t, `<Response><Dial><Number>14155550199</Number></Dial><Speak>After</Speak></Response>`, Call{})
		if !slices.Equal(res.Said, []string{"After"}) {
			t.Errorf("said %q", res.Said)
		}
	},
	"dial-redirect-false": func(t *testing.T) {
		res := must(t, `<Response><Dial action="http://example.com/in" redirect="false"><Number>1</Number></Dial><Speak>After</Speak></Response>`, Call{}, "/in", next)
		if !slices.Equal(res.Said, []string{"After"}) {
			t.Errorf("said %q", res.Said)
		}
	},
	"dial-relative-action": func(t *testing.T) {
		res := must(t, `<Response><Dial action="/dial-status/"><Number>1</Number></Dial></Response>`, Call{}, "/dial-status/", next)
		sent(t, res, "/dial-status/")
	},
	"dial-callbackurl": func(t *testing.T) {
		res := must(t, `<Response><Dial action="http://example.com/in" callbackUrl="http://example.com/cb" callbackMethod="GET" callerId="14155550177"><Number>14155550199</Number><User>sip:a@phone.plivo.com</User></Dial></Response>`, Call{}, "/in", next, "/cb", "ok")
		answer, bLeg := sent(t, res, "/cb"), sent(t, res, "/in").Params.Get("DialBLegUUID")
		want := map[string]string{"Event": "DialAnswer", "DialAction": "answer", "DialBLegStatus": "answer", "CallUUID": res.CallUUID,
			"DialALegUUID": res.CallUUID, "DialBLegUUID": bLeg, "DialBLegFrom": "14155550177", "DialBLegTo": "14155550199", "DialBLegPosition": "1"}
		for k, v := range want {
			if got := answer.Params.Get(k); got != v || v == "" {
				t.Errorf("%s %s: %s = %q, want %q", answer.Method, answer.URL, k, got, v)
			}
		}
		if answer.Method != "GET" || !strings.HasPrefix(answer.URL, "http://example.com/cb?") || answer.Params.Get("DialBLegBillRate") == "" {
			t.Errorf("DialAnswer sent as %s %s with %v", answer.Method, answer.URL, answer.Params)
		}
		has(t, res, "the simulator has the first answer (DialBLegPosition 1)")
		has(t, res, "DialBLegBillRate is the simulator's")
	},
	"dial-callbackurl-hangup": func(t *testing.T) {
		for _, tt := range []struct {
			name     string
			c        Call
			duration string
			paths    []string // the requests' paths, in order
		}{
			{"the B leg hangs up at timeLimit", Call{}, "20", []string{"/answer", "/cb", "/cb", "/in", "/hangup"}},
			{"the caller hangs up first", Call{HangupAfter: 8 * time.Second}, "7", []string{"/answer", "/cb", "/cb", "/hangup"}},
		} {
			res := must(t, `<Response><Speak>Hi</Speak><Dial action="http://example.com/in" callbackUrl="http://example.com/cb" timeLimit="20"><Number>1</Number></Dial></Response>`, tt.c, "/in", next, "/cb", "ok")
			var paths []string
			for _, rq := range res.Requests {
				u, _ := url.Parse(rq.URL)
				paths = append(paths, u.Path)
			}
			if !slices.Equal(paths, tt.paths) {
				t.Errorf("%s: requests %q, want %q\n%s", tt.name, paths, tt.paths, lines(res))
				continue
			}
			if p := res.Requests[2].Params; p.Get("Event") != "DialHangup" || p.Get("DialAction") != "hangup" || p.Get("DialBLegStatus") != "hangup" ||
				p.Get("DialBLegDuration") != tt.duration || p.Get("DialBLegBillDuration") != tt.duration || p.Get("DialBLegHangupCause") != "NORMAL_CLEARING" ||
				p.Get("DialBLegUUID") != res.Requests[1].Params.Get("DialBLegUUID") {
				t.Errorf("%s: DialHangup got %v", tt.name, p)
			}
			has(t, res, "DialHangup is sent before the Dial's action")
		}
	},
	"dial-callbackurl-answer-ignored": func(t *testing.T) {
		var refused *RefusedError
		for _, tt := range []struct {
			name, url, method string
			line              string // what the transcript says of the callback
			err               bool   // whether Run returns, once the call has ended, the failure
		}{
			{"XML", "http://example.com/cb", "GET", "GET http://example.com/cb?", false},
			{"a method Plivo does not allow", "http://example.com/cb", "PUT", "POST is used", false},
			{"404", "http://example.com/missing", "POST", "the Dial's callbackUrl failed", true},
			{"another host, not signed", "https://evil.example/cb", "POST", "host evil.example is not the answer URL's; nothing was signed", true},
		} {
			res, err := sim(t, `<Response><Dial callbackUrl="`+tt.url+`" callbackMethod="`+tt.method+`"><Number>1</Number></Dial><Speak>After</Speak></Response>`, Call{}, "/cb", `<Response><Hangup/></Response>`)
			if !slices.Equal(res.Said, []string{"After"}) || res.Hangup.Code != 4010 || slices.ContainsFunc(res.Requests, func(rq Exchange) bool { return strings.Contains(rq.URL, "evil.example") }) {
				t.Errorf("%s: said %q, ended %d: the callbackUrl's answer changed the call\n%s", tt.name, res.Said, res.Hangup.Code, lines(res))
			}
			if (err != nil) != tt.err || (err != nil && !errors.As(err, &refused) && !errors.Is(err, ErrHost)) {
				t.Errorf("%s: Run = %v, want the failure: %v", tt.name, err, tt.err)
			}
			has(t, res, tt.line)
		}
	},
	"dial-callbackurl-unanswered": func(t *testing.T) {
		for _, status := range []string{"busy", "failed", "timeout", "no-answer"} {
			res := must(t, `<Response><Dial callbackUrl="http://example.com/cb" timeout="10"><Number>1</Number></Dial></Response>`, Call{DialStatus: status}, "/cb", "ok")
			if len(res.Requests) != 2 {
				t.Errorf("%s: %d requests, want the answer and hangup URLs only\n%s", status, len(res.Requests), lines(res))
			}
			has(t, res, "nobody answered, so no dial event is sent")
		}
	},
	"dial-digitsmatch": func(t *testing.T) {
		res := must(t, `<Response><Dial callbackUrl="http://example.com/cb" digitsMatch="123,#9"><Number>1</Number></Dial></Response>`, Call{Digits: []string{"123"}}, "/cb", "ok")
		for _, rq := range res.Requests {
			if rq.Params.Get("Event") == "DialDigitsMatch" {
				t.Errorf("a DialDigitsMatch was sent: %v", rq.Params)
			}
		}
		has(t, res, "the scripted caller presses no key during a Dial")
	},
	"dial-caller-hangs-up": func(t *testing.T) {
		res := must(t, `<Response><Dial action="http://example.com/in"><Number>1</Number></Dial></Response>`, Call{HangupAfter: 10 * time.Second})
		endedAs(t, res, "4000", "Caller", "10", "10")
	},
	"record-finishonkey": func(t *testing.T) {
		res := must(t, `<Response><Record action="http://example.com/in" finishOnKey="*"/></Response>`, Call{RecordLength: 9 * time.Second}, "/in", next)
		p := sent(t, res, "/in").Params
		if p.Get("Digits") != "*" || p.Get("RecordingDuration") != "9" || p.Get("RecordingDurationMs") != "9000" {
			t.Errorf("action got %v", p)
		}
	},
	"record-finishonkey-none": func(t *testing.T) {
		res := must(t, `<Response><Record action="http://example.com/in" finishOnKey="none" timeout="4"/></Response>`, Call{RecordLength: 9 * time.Second}, "/in", next)
		if p := sent(t, res, "/in").Params; p.Has("Digits") || p.Get("RecordingDuration") != "13" {
			t.Errorf("action got %v", p)
		}
	},
	"record-maxlength": func(t *testing.T) {
		res := must(t, `<Response><Record action="http://example.com/in" maxLength="30"/></Response>`, Call{RecordLength: 90 * time.Second}, "/in", next)
		if p := sent(t, res, "/in").Params; p.Has("Digits") || p.Get("RecordingDuration") != "30" {
			t.Errorf("action got %v", p)
		}
	},
	"record-playbeep": func(t *testing.T) {
		res := must(t, `<Response><Record playBeep="false"/><Record/></Response>`, Call{})
		if strings.Count(lines(res), "  beep") != 1 {
			t.Errorf("want one beep:\n%s", lines(res))
		}
	},
	"record-redirect-false": func(t *testing.T) {
		res := must(t, `<Response><Record action="http://example.com/in" redirect="false"/><Speak>After</Speak></Response>`, Call{}, "/in", next)
		if !slices.Equal(res.Said, []string{"After"}) {
			t.Errorf("said %q", res.Said)
		}
	},
	"record-caller-hangs-up": func(t *testing.T) {
		res := must(t, `<Response><Speak>Hi</Speak><Record action="http://example.com/in" maxLength="60"/></Response>`, Call{RecordLength: 40 * time.Second, HangupAfter: 11 * time.Second}, "/in", next)
		if p := sent(t, res, "/in").Params; p.Get("RecordingDuration") != "10" {
			t.Errorf("action got %v", p)
		}
		endedAs(t, res, "4000", "Caller", "11", "11")
	},
	"record-callbackurl": func(t *testing.T) {
		res := must(t, `<Response><Record callbackUrl="http://example.com/cb" callbackMethod="GET"/></Response>`, Call{}, "/cb", "ok")
		if rq := sent(t, res, "/cb"); rq.Method != "GET" || rq.Params.Get("RecordingDuration") != "7" {
			t.Errorf("callback %s %v", rq.Method, rq.Params)
		}
	},
	"record-session": func(t *testing.T) {
		res := must(t, `<Response><Record action="http://example.com/in" recordSession="true" redirect="false" callbackUrl="http://example.com/cb"/><Speak>One two three</Speak><Wait length="5"/></Response>`, Call{}, "/in", "ok", "/cb", "ok")
		if p := sent(t, res, "/in").Params; p.Get("RecordingDuration") != "-1" || p.Get("RecordingDurationMs") != "-1" || p.Get("RecordingEndMs") != "-1" {
			t.Errorf("action got %v", p)
		}
		if p := sent(t, res, "/cb").Params; p.Get("RecordingDuration") != "7" || p.Get("RecordUrl") != sent(t, res, "/in").Params.Get("RecordUrl") {
			t.Errorf("callback got %v", p)
		}
	},
	"record-startondialanswer": func(t *testing.T) {
		res := must(t, `<Response><Record startOnDialAnswer="true" callbackUrl="http://example.com/cb"/><Dial><Number>1</Number></Dial><Wait length="5"/></Response>`, Call{}, "/cb", "ok")
		if p := sent(t, res, "/cb").Params; p.Get("RecordingDuration") != "30" {
			t.Errorf("callback got %v", p)
		}
	},
	"hangup-rejected": func(t *testing.T) {
		res := must(t, `<Response><Hangup/><Speak>never</Speak></Response>`, Call{})
		endedAs(t, res, "3020", "Answer XML", "0", "0")
		has(t, res, "name no cause code for a rejected call")
		if h := res.Requests[1].Params.Get("HangupCause"); h != "CALL_REJECTED" || len(res.Said) != 0 {
			t.Errorf("HangupCause %q, said %q", h, res.Said)
		}
	},
	"hangup-busy": func(t *testing.T) {
		res := must(t, `<Response><Hangup reason="busy"/></Response>`, Call{})
		endedAs(t, res, "3010", "Answer XML", "0", "0")
	},
	"hangup-answered": func(t *testing.T) {
		res := must(t, `<Response><Speak>Bye</Speak><Hangup/><Speak>never</Speak></Response>`, Call{})
		endedAs(t, res, "4000", "Answer XML", "1", "1")
	},
	"hangup-schedule": func(t *testing.T) {
		res := must(t, `<Response><Hangup schedule="10"/><Speak loop="0">This announcement will loop.</Speak></Response>`, Call{})
		endedAs(t, res, "6000", "Plivo", "10", "10")
		has(t, res, "name no cause for a scheduled hangup")
	},
	"hangup-schedule-last": func(t *testing.T) {
		res := must(t, `<Response><Speak>Hi</Speak><Hangup schedule="10"/></Response>`, Call{})
		endedAs(t, res, "4000", "Answer XML", "1", "")
	},
	"dtmf": func(t *testing.T) {
		res := must(t, `<Response><Speak>Hi</Speak><DTMF async="true">12w3</DTMF></Response>`, Call{})
		if !slices.Equal(res.Digits, []string{"12w3"}) {
			t.Errorf("digits %q", res.Digits)
		}
	},
	"unsupported": func(t *testing.T) {
		res, err := sim(t, `<Response><Stream>wss://a.example</Stream></Response>`, Call{})
		if !errors.Is(err, ErrUnsupported) || !strings.Contains(err.Error(), "<Stream>") {
			t.Fatalf("Run = %v", err)
		}
		endedAs(t, res, "0", "Unknown", "", "")
	},
	"answer-params": func(t *testing.T) {
		res := must(t, next, Call{})
		p := res.Requests[0].Params
		if p.Get("CallStatus") != "ringing" || p.Get("Direction") != "inbound" || p.Has("ALegUUID") || p.Has("ALegRequestUUID") || p.Get("CallUUID") != res.CallUUID {
			t.Errorf("answer URL got %v", p)
		}
	},
	"hangup-url-default": func(t *testing.T) {
		res, err := Call{Handler: &flow{docs: map[string]string{"/answer": next}}, Token: testToken, AnswerURL: "http://example.com/answer"}.Run(context.Background())
		if err != nil || len(res.Requests) != 2 || res.Requests[1].URL != "http://example.com/answer" || res.Requests[1].Params.Get("Event") != "Hangup" {
			t.Fatalf("Run = %v, %v", err, lines(res))
		}
	},
	"hangup-params": func(t *testing.T) {
		res := must(t, `<Response><Speak>One two three four five six</Speak></Response>`, Call{})
		p := res.Requests[1].Params
		if p.Get("CallStatus") != "completed" || p.Get("HangupCause") != "NORMAL_CLEARING" || p.Get("HangupCauseName") != "End Of XML Instructions" {
			t.Errorf("hangup got %v", p)
		}
		endedAs(t, res, "4010", "Plivo", "3", "3")
	},
	"caller-hangs-up": func(t *testing.T) {
		res := must(t, `<Response><GetInput action="http://example.com/in" inputType="dtmf"/></Response>`, Call{})
		endedAs(t, res, "4000", "Caller", "", "")
	},
	"answer-url-fails": func(t *testing.T) {
		f := &flow{docs: map[string]string{}}
		res, _ := Call{Handler: f, Token: testToken, AnswerURL: "http://example.com/answer", HangupURL: "http://example.com/hangup"}.Run(context.Background())
		endedAs(t, res, "7011", "Error", "0", "0")
	},
	"fallback": func(t *testing.T) {
		f := &flow{docs: map[string]string{"/fallback": next}}
		res, err := Call{Handler: f, Token: testToken, AnswerURL: "http://example.com/answer", FallbackURL: "http://example.com/fallback", HangupURL: "http://example.com/hangup"}.Run(context.Background())
		if err != nil || !slices.Equal(res.Said, []string{"Next"}) {
			t.Fatalf("Run = %v\n%s", err, lines(res))
		}
	},
	"invalid-answer-xml": func(t *testing.T) {
		res, err := sim(t, `<Response><Speak>unclosed</Response>`, Call{})
		if !errors.Is(err, ErrBadXML) {
			t.Fatalf("Run = %v", err)
		}
		endedAs(t, res, "8011", "Error", "", "")
	},
	"action-fails": func(t *testing.T) {
		res, _ := sim(t, `<Response><GetInput action="http://example.com/missing" inputType="dtmf"/></Response>`, Call{Digits: []string{"1"}})
		endedAs(t, res, "7012", "Error", "", "")
	},
	"action-bad-xml": func(t *testing.T) {
		res, _ := sim(t, `<Response><GetInput action="http://example.com/in" inputType="dtmf"/></Response>`, Call{Digits: []string{"1"}}, "/in", "ok")
		endedAs(t, res, "8012", "Error", "", "")
	},
	"redirect-fails": func(t *testing.T) {
		res, _ := sim(t, `<Response><Redirect>http://example.com/missing</Redirect></Response>`, Call{})
		endedAs(t, res, "7014", "Error", "", "")
	},
	"redirect-invalid-url": func(t *testing.T) {
		res, _ := sim(t, `<Response><Redirect>ftp://example.com/x</Redirect></Response>`, Call{})
		endedAs(t, res, "7024", "Error", "", "")
	},
	"host-refused": func(t *testing.T) {
		res, err := sim(t, `<Response><Redirect>https://evil.example/steal</Redirect></Response>`, Call{})
		if !errors.Is(err, ErrHost) {
			t.Fatalf("Run = %v", err)
		}
		for _, rq := range res.Requests {
			if strings.Contains(rq.URL, "evil.example") {
				t.Errorf("sent to %s", rq.URL)
			}
		}
		has(t, res, "host evil.example is not the answer URL's; nothing was signed")
	},
	"host-allowed": func(t *testing.T) {
		res := must(t, `<Response><Redirect>http://api.example.net/in</Redirect></Response>`, Call{AllowHosts: []string{"api.example.net"}}, "/in", next)
		sent(t, res, "/in")
	},
	"redirect-3xx-other-host": func(t *testing.T) {
		var hit bool
		other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { hit = true }))
		defer other.Close()
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, other.URL+"/answer", http.StatusTemporaryRedirect)
		}))
		defer srv.Close()
		res, err := Call{Token: testToken, AnswerURL: srv.URL + "/answer"}.Run(context.Background())
		var refused *RefusedError
		if !errors.As(err, &refused) || refused.Status != 307 || hit {
			t.Fatalf("Run = %v; the other host was reached: %v", err, hit)
		}
		has(t, res, "its signature and body stay here")
	},
	"escape": func(t *testing.T) {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			http.Error(w, "denied \x1b]0;pwned\x07\x1b[2J", http.StatusForbidden)
		}))
		defer srv.Close()
		res, err := Call{Token: testToken, AnswerURL: srv.URL + "/answer"}.Run(context.Background())
		if err == nil || strings.ContainsAny(err.Error(), "\x1b\x07") || !strings.Contains(err.Error(), `\x1b`) {
			t.Errorf("error %q: want the control characters escaped", err)
		}
		if strings.ContainsAny(lines(res), "\x1b\x07") {
			t.Errorf("transcript holds raw control characters")
		}
	},
}

// TestFidelity runs the test of each row of FIDELITY.md, and checks the
// table against the code: every row names a test that exists, every test
// has a row, and every verb the simulator runs has rows.
func TestFidelity(t *testing.T) {
	rows := fidelityRows(t)
	for id, test := range fidelity {
		if _, ok := rows[id]; !ok {
			t.Errorf("test %q has no row in FIDELITY.md", id)
		}
		t.Run(id, test)
	}
	for id, first := range rows {
		if fidelity[id] == nil {
			t.Errorf("FIDELITY.md row %q (%s) has no test", id, first)
		}
	}
	for verb := range verbs {
		found := false
		for _, first := range rows {
			found = found || strings.HasPrefix(first, "<"+verb+">") || strings.HasPrefix(first, "<"+verb+" ")
		}
		if !found {
			t.Errorf("the simulator runs <%s>, but FIDELITY.md has no row for it", verb)
		}
	}
}

// fidelityRows reads FIDELITY.md's table: the test ID in the last cell of
// each row, and the row's first cell.
func fidelityRows(t *testing.T) map[string]string {
	f, err := os.Open("FIDELITY.md")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows := map[string]string{}
	lines := bufio.NewScanner(f)
	for lines.Scan() {
		cells := strings.Split(strings.Trim(lines.Text(), "| "), " | ")
		if len(cells) < 4 || !strings.HasPrefix(cells[len(cells)-1], "`") {
			continue
		}
		id := strings.Trim(cells[len(cells)-1], "`")
		if _, dup := rows[id]; dup {
			t.Errorf("FIDELITY.md: row %q twice", id)
		}
		rows[id] = strings.Trim(cells[0], "`")
	}
	return rows
}
