package callsim

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"unicode"
)

// FuzzAnswer serves any bytes as the answer URL's document, and as every
// action's: the call always ends with the hangup callback, within
// MaxRequests, and no line of the transcript nor the error holds a control
// character, whatever the server sent (issue 24, hole 8, as a property).
func FuzzAnswer(f *testing.F) {
	for _, seed := range []string{
		`<Response><Speak loop="2">Hi <break/>there</Speak><Hangup schedule="3"/><Play loop="0">x</Play></Response>`,
		`<Response><GetInput action="/in" inputType="dtmf speech"><Speak>a</Speak></GetInput><Redirect>/in</Redirect></Response>`,
		`<Response><PreAnswer><Wait length="2"/></PreAnswer><GetDigits action="/in" retries="3" validDigits="1"/><Dial action="/in"><Number>1</Number></Dial></Response>`,
		`<Response><Record recordSession="true" callbackUrl="/cb"/><Record action="/in" finishOnKey="none"/><DTMF>1</DTMF></Response>`,
		"<Response><Speak>\x1b[2J</Speak><Redirect>http://evil.example/\x1b</Redirect></Response>",
		`<Response><Dial callbackUrl="/cb" callbackMethod="PUT" digitsMatch="1"></Dial><Dial callbackUrl="/cb" action="/in"><User>sip:a@b</User><Number>2</Number></Dial></Response>`,
		`<Response><PreAnswer><Speak>a</Speak><GetDigits action="/in"/></PreAnswer></Response>`,
		`<Response><Hangup reason="busy"/></Response>`, "not xml \x07", "",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, doc string) {
		h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write([]byte(doc)) })
		res, err := Call{Handler: h, Token: "t", AnswerURL: "http://example.com/answer", HangupURL: "http://example.com/hangup",
			Digits: []string{"1", "", "speech:yes", "12#"}, MaxRequests: 8, HangupAfter: 600e9}.Run(context.Background())
		if res == nil {
			t.Fatalf("Run = nil, %v", err)
		}
		last := res.Requests[len(res.Requests)-1]
		if last.URL != "http://example.com/hangup" || len(res.Requests) > 9 {
			t.Fatalf("%d requests, the last %s: want the hangup callback last, at most 9", len(res.Requests), last.URL)
		}
		text := strings.Join(res.Lines, "\n")
		if err != nil {
			text += err.Error()
		}
		if i := strings.IndexFunc(text, func(r rune) bool { return r != '\n' && unicode.IsControl(r) }); i >= 0 {
			t.Fatalf("a control character at %d in %q", i, text)
		}
	})
}
