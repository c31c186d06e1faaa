package handlers

import (
	"context"
	"slices"
	"strings"
	"testing"

	"answerurl/callsim"
	"answerurl/security"
	"answerurl/xmlresp"
)

// TestVoicemail walks a call to the voicemail (option 3 of the menu) with
// the call simulator, through the real router: the recording's action URL
// is verified, logged, and answered with the thanks of VOICEMAIL_THANKS.
func TestVoicemail(t *testing.T) {
	for _, tt := range []struct{ setting, says string }{
		{"", defaultVoicemailThanks},
		{"Thank you. We will call you back.", "Thank you. We will call you back."},
	} {
		h, logs := testRouter(t, func(o *Options) {
			o.Setting = func(name string) string { return map[string]string{"VOICEMAIL_THANKS": tt.setting}[name] }
		})
		res, err := callsim.Call{Handler: h, Token: token, AnswerURL: "http://example.com/ivr/",
			HangupURL: "http://example.com/hangup/", Digits: []string{"3"}}.Run(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Contains(res.Said, tt.says) {
			t.Errorf("VOICEMAIL_THANKS=%q: the caller heard %q, want %q", tt.setting, res.Said, tt.says)
		}
		var action *callsim.Exchange
		for i, r := range res.Requests {
			if strings.HasSuffix(r.URL, "/ivr/voicemail/") {
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

// TestVoicemailSettingChecked: a VOICEMAIL_THANKS that cannot be spoken
// stops NewRouter with an error that names the variable.
func TestVoicemailSettingChecked(t *testing.T) {
	_, err := NewRouter(Options{Plivo: security.PlivoTokens{AuthTokens: []string{token}}, Speak: xmlresp.Speak{Text: "Hello"},
		Setting: func(name string) string { return map[string]string{"VOICEMAIL_THANKS": "bad\x00text"}[name] }})
	if err == nil || !strings.HasPrefix(err.Error(), "VOICEMAIL_THANKS: ") {
		t.Fatalf("NewRouter = %v, want an error naming VOICEMAIL_THANKS", err)
	}
}
