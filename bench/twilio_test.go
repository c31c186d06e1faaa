// Package bench compares this project's Twilio verifier with twilio-go's
// RequestValidator on the same requests. It is a module of its own so that
// the application's dependencies stay the three it needs.
//
//	cd bench && go test -bench . -benchmem
package bench

import (
	"fmt"
	"net/http"
	"net/url"
	"testing"

	"github.com/twilio/twilio-go/client"

	"answerurl/security"
)

const (
	token   = "12345678901234567890123456789012"
	hookURL = "https://abc123.ngrok-free.app/twilio/voice/?flow=ivr"
)

// callback is a typical Twilio voice webhook: a dozen parameters.
func callback(n int) map[string]string {
	p := map[string]string{
		"AccountSid": "AC0123456789abcdef0123456789abcdef", "ApiVersion": "2010-04-01", "CallSid": "CA0123456789abcdef0123456789abcdef",
		"CallStatus": "ringing", "Called": "+14155550111", "Caller": "+14155550100", "Direction": "inbound",
		"From": "+14155550100", "FromCountry": "US", "To": "+14155550111", "ToCountry": "US", "CallToken": "%7B%7D",
	}
	for i := len(p); i < n; i++ {
		p[fmt.Sprintf("Param%04d", i)] = fmt.Sprint("value-", i)
	}
	return p
}

func values(m map[string]string) url.Values {
	v := url.Values{}
	for k, x := range m {
		v.Set(k, x)
	}
	return v
}

// TestSameVerdicts checks that both verifiers agree on the requests the
// benchmarks use, valid and tampered.
func TestSameVerdicts(t *testing.T) {
	theirs := client.NewRequestValidator(token)
	ours, _ := security.NewTwilio(token)
	for _, n := range []int{1, 12, 100} {
		params := callback(n)
		sig, _ := security.SignTwilio(token, hookURL, values(params))
		for _, tamper := range []bool{false, true} {
			p := params
			if tamper {
				p = callback(n)
				p["From"] = "+19995550000"
			}
			h := http.Header{"Content-Type": {"application/x-www-form-urlencoded"}}
			h.Set(security.HeaderTwilio, sig)
			_, err := ours.Verify(&security.Request{Method: "POST", URL: hookURL, Params: values(p), Header: h})
			oursOK := err == nil
			if theirsOK := theirs.Validate(hookURL, p, sig); oursOK != theirsOK || oursOK == tamper {
				t.Errorf("n=%d tamper=%v: ours %v, twilio-go %v", n, tamper, oursOK, theirsOK)
			}
		}
	}
}

func BenchmarkTwilioGo(b *testing.B) {
	for _, n := range []int{12, 100} {
		params := callback(n)
		sig, _ := security.SignTwilio(token, hookURL, values(params))
		v := client.NewRequestValidator(token)
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if !v.Validate(hookURL, params, sig) {
					b.Fatal("invalid")
				}
			}
		})
	}
}

// BenchmarkAnswerURL verifies from url.Values, as the server hands them over
// (twilio-go's Validate takes a map of the same parameters).
func BenchmarkAnswerURL(b *testing.B) {
	for _, n := range []int{12, 100} {
		req, v := ours(n)
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := v.Verify(req); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func ours(n int) (*security.Request, *security.Twilio) {
	params := values(callback(n))
	sig, _ := security.SignTwilio(token, hookURL, params)
	h := http.Header{"Content-Type": {"application/x-www-form-urlencoded"}}
	h.Set(security.HeaderTwilio, sig)
	v, _ := security.NewTwilio(token)
	return &security.Request{Method: "POST", URL: hookURL, Params: params, Header: h}, v
}
