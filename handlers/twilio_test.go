package handlers

import (
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"answerurl/security"
)

const (
	twilioToken   = "twilio-test-token"
	signalwireKey = "PSK_signalwire-test-key"
)

func TestTwilioAndSignalWireRoutes(t *testing.T) {
	h, logs := testRouter(t, func(o *Options) {
		o.TwilioAuthTokens = []string{twilioToken}
		o.SignalWireSigningKeys = []string{signalwireKey}
	})
	form := url.Values{"From": {"+14155550100"}, "To": {"+14155550111"}, "Body": {"hi"}, "MessageSid": {"SM1"}, "Digits": {"2", "1", "2"}}
	jsonBody := `{"From":"+14155550100","To":"+14155550111","Nested":[{"a":1}]}`
	tests := []struct {
		name, method, path, header, secret string
		body, contentType                  string
		params                             url.Values
		signedPath                         string // when the signature is for another URL
		tamperBody                         bool
		want                               int
		wantBody                           string
	}{
		{"twilio voice GET", "GET", "/twilio/voice/?CallSid=CA1", security.HeaderTwilio, twilioToken, "", "", nil, "", false, 200, "<Response><Say loop=\"3\">Hello, from Plivo</Say></Response>"},
		{"twilio voice POST form", "POST", "/twilio/voice", security.HeaderTwilio, twilioToken, form.Encode(), "application/x-www-form-urlencoded", form, "", false, 200, "<Say"},
		{"twilio sms", "POST", "/twilio/sms/", security.HeaderTwilio, twilioToken, form.Encode(), "application/x-www-form-urlencoded", form, "", false, 200, "<Response><Message>Thanks, we got your message.</Message></Response>"},
		{"twilio JSON body with bodySHA256", "POST", "/twilio/voice/", security.HeaderTwilio, twilioToken, jsonBody, "application/json", nil, "", false, 200, "<Say"},
		{"twilio sms JSON body, media type in capitals", "POST", "/twilio/sms/", security.HeaderTwilio, twilioToken, jsonBody, "Application/JSON; charset=utf-8", nil, "", false, 200, "<Message>"},
		{"twilio JSON body changed", "POST", "/twilio/voice/", security.HeaderTwilio, twilioToken, jsonBody, "application/json", nil, "", true, 403, ""},
		{"twilio tampered form", "POST", "/twilio/sms/", security.HeaderTwilio, twilioToken, form.Encode() + "&x=1", "application/x-www-form-urlencoded", form, "", false, 403, ""},
		{"twilio other path", "POST", "/twilio/sms/", security.HeaderTwilio, twilioToken, form.Encode(), "application/x-www-form-urlencoded", form, "/twilio/sms", false, 403, ""},
		{"twilio signed with SignalWire key", "GET", "/twilio/voice/", security.HeaderTwilio, signalwireKey, "", "", nil, "", false, 403, ""},
		{"twilio missing From", "POST", "/twilio/sms/", security.HeaderTwilio, twilioToken, "To=1", "application/x-www-form-urlencoded", url.Values{"To": {"1"}}, "", false, 400, ""},
		{"signalwire voice", "GET", "/signalwire/voice/", security.HeaderSignalWire, signalwireKey, "", "", nil, "", false, 200, "<Say"},
		{"signalwire sms with X-Twilio-Signature", "POST", "/signalwire/sms", security.HeaderTwilio, signalwireKey, form.Encode(), "application/x-www-form-urlencoded", form, "", false, 200, "<Message>"},
		{"signalwire wrong key", "GET", "/signalwire/voice/", security.HeaderSignalWire, twilioToken, "", "", nil, "", false, 403, ""},
		{"signalwire unsigned", "GET", "/signalwire/voice/", "", "", "", "", nil, "", false, 403, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			target := "http://example.com" + tt.path
			if strings.HasPrefix(strings.ToLower(tt.contentType), "application/json") {
				target += "?bodySHA256=" + security.BodySHA256([]byte(tt.body))
			}
			signed := target
			if tt.signedPath != "" {
				signed = "http://example.com" + tt.signedPath
			}
			body := tt.body
			if tt.tamperBody {
				body = strings.Replace(body, "0100", "0199", 1)
			}
			r := httptest.NewRequest(tt.method, target, strings.NewReader(body))
			r.RemoteAddr = "127.0.0.1:1"
			if tt.contentType != "" {
				r.Header.Set("Content-Type", tt.contentType)
			}
			if tt.header != "" {
				var sig string
				if strings.HasPrefix(tt.path, "/signalwire") {
					sig, _ = security.SignSignalWire(tt.secret, signed, tt.params)
				} else {
					sig, _ = security.SignTwilio(tt.secret, signed, tt.params)
				}
				r.Header.Set(tt.header, sig)
			}
			w := httptest.NewRecorder()
			h.ServeHTTP(w, r)
			if w.Code != tt.want || !strings.Contains(w.Body.String(), tt.wantBody) {
				t.Fatalf("%d %q, want %d containing %q", w.Code, w.Body, tt.want, tt.wantBody)
			}
			if w.Code != 200 && strings.Contains(w.Body.String(), "<Response") {
				t.Errorf("a %d carries XML", w.Code)
			}
		})
	}
	if strings.Contains(logs.String(), twilioToken) || strings.Contains(logs.String(), signalwireKey) {
		t.Error("a secret reached the log")
	}
}

// TestProviderRoutesNeedTheirSecret: without a secret, a provider's routes do not exist.
func TestProviderRoutesNeedTheirSecret(t *testing.T) {
	h, _ := testRouter(t, func(o *Options) { o.TwilioAuthTokens = []string{twilioToken} })
	for path, want := range map[string]int{"/twilio/voice/": 403, "/signalwire/voice/": 404, "/signalwire/sms": 404} {
		r := httptest.NewRequest("GET", path, nil)
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		if w.Code != want {
			t.Errorf("%s: %d, want %d", path, w.Code, want)
		}
	}
	h, _ = testRouter(t, nil)
	r := httptest.NewRequest("POST", "/twilio/sms/", nil)
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	if w.Code != 404 {
		t.Errorf("twilio route without TWILIO_AUTH_TOKEN: %d, want 404", w.Code)
	}
}
