package handlers_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"

	"answerurl/callsim"
	"answerurl/handlers"
	"answerurl/handlers/handlertest"
	"answerurl/security"
	"answerurl/xmlresp"
)

// TestVoicemail walks a call to the voicemail (option 3 of the menu) with
// the call simulator, through the real router: the recording's action URL
// is verified, logged, and answered with the thanks of VOICEMAIL_THANKS.
// It is the README's test of a route of your own, word for word.
func TestVoicemail(t *testing.T) {
	for _, tt := range []struct{ setting, says string }{
		{"", "Thanks, your message was recorded. Goodbye."},
		{"Thank you. We will call you back.", "Thank you. We will call you back."},
	} {
		ctx := context.Background()
		router, logs := handlertest.NewRouter(t, func(o *handlers.Options) {
			o.Setting = func(name string) string { return map[string]string{"VOICEMAIL_THANKS": tt.setting}[name] }
		})
		res, err := callsim.Call{Handler: router, Token: handlertest.Token, AnswerURL: "http://example.com/ivr/",
			HangupURL: "http://example.com/hangup/", Digits: []string{"3"}}.Run(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Contains(res.Said, tt.says) {
			t.Errorf("VOICEMAIL_THANKS=%q: the caller heard %q, want %q", tt.setting, res.Said, tt.says)
		}
		var action *callsim.Exchange
		for i, r := range res.Requests {
			if strings.HasSuffix(r.URL, handlers.PathIVRVoicemail) {
				action = &res.Requests[i]
			}
		}
		if action == nil || action.Status != 200 || action.Params.Get("RecordUrl") == "" {
			t.Fatalf("the Record action: %+v", action)
		}
		if !strings.Contains(logs.String(), `msg=voicemail`) || !strings.Contains(logs.String(), "recording_url="+action.Params.Get("RecordUrl")) {
			t.Errorf("the voicemail was not logged with its recording URL:\n%s", logs)
		}
	}
}

// TestReadmeCallFlow holds the README's test of a call flow, word for word
// (TestReadmeGoSnippets checks that it does).
func TestReadmeCallFlow(t *testing.T) {
	ctx := context.Background()
	router, logs := handlertest.NewRouter(t, nil) // logs: what the router logged
	token := handlertest.Token
	res, err := callsim.Call{Handler: router, Token: token, AnswerURL: "http://example.com/ivr/",
		HangupURL: "http://example.com/hangup/", Digits: []string{"3"}}.Run(ctx)
	// res.Said, res.Dialled, res.Requests: what the caller heard, who was dialled, every request and answer
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Contains(res.Said, "Thanks, your message was recorded. Goodbye.") || !strings.Contains(logs.String(), "msg=voicemail") {
		t.Fatalf("heard %q; logged:\n%s", res.Said, logs)
	}
}

// TestSignedRequests: the requests handlertest signs are verified by the
// real router (V3 for a voice URL, V2 for a message URL), and the same
// request unsigned is refused.
func TestSignedRequests(t *testing.T) {
	router, _ := handlertest.NewRouter(t, nil)
	w := httptest.NewRecorder()
	router.ServeHTTP(w, handlertest.VoiceRequest(handlertest.Token, "http://example.com/ivr/choice/", url.Values{"Digits": {"1"}}))
	// w.Code, w.Body: the answer, as Plivo would get it
	if w.Code != http.StatusOK || !strings.Contains(w.Body.String(), "<Speak>") {
		t.Fatalf("a signed voice callback: %d %q", w.Code, w.Body)
	}
	sms := url.Values{"From": {"14155550100"}, "To": {"14155550111"}, "Text": {"hi"}, "MessageUUID": {"m-1"}}
	w = httptest.NewRecorder()
	router.ServeHTTP(w, handlertest.MessageRequest(handlertest.Token, "http://example.com/receive_sms/", sms))
	if w.Code != http.StatusOK || !strings.Contains(w.Body.String(), "<Message") {
		t.Fatalf("a signed message callback: %d %q", w.Code, w.Body)
	}
	unsigned := handlertest.VoiceRequest("another-token", "http://example.com/ivr/choice/", url.Values{"Digits": {"1"}})
	w = httptest.NewRecorder()
	router.ServeHTTP(w, unsigned)
	if w.Code != http.StatusForbidden {
		t.Fatalf("signed with another token: %d", w.Code)
	}
}

// TestVoicemailSettingChecked: a VOICEMAIL_THANKS that cannot be spoken
// stops NewRouter with an error that names the variable.
func TestVoicemailSettingChecked(t *testing.T) {
	_, err := handlers.NewRouter(handlers.Options{Plivo: security.PlivoTokens{AuthTokens: []string{"t"}}, Speak: xmlresp.Speak{Text: "Hello"},
		Setting: func(name string) string { return map[string]string{"VOICEMAIL_THANKS": "bad\x00text"}[name] }})
	if err == nil || !strings.HasPrefix(err.Error(), "VOICEMAIL_THANKS: ") {
		t.Fatalf("NewRouter = %v, want an error naming VOICEMAIL_THANKS", err)
	}
}
