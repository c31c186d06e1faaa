package callsim

// These tests are written against the API the simulator had before issue
// 24 (holes 7 and 8) and 26: each failed there, and passes here.

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestHole7(t *testing.T) {
	f := &flow{docs: map[string]string{"/answer": `<Response><Redirect>https://evil.example/steal</Redirect></Response>`}}
	res, _ := run(t, f, Call{})
	for _, rq := range res.Requests {
		if strings.Contains(rq.URL, "evil.example") {
			t.Errorf("signed and sent to %s", rq.URL)
		}
	}
}

func TestHole8(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "denied \x1b]0;pwned\x07", http.StatusForbidden)
	}))
	defer srv.Close()
	_, err := Call{Token: testToken, AnswerURL: srv.URL + "/answer"}.Run(context.Background())
	if err == nil || strings.ContainsAny(err.Error(), "\x1b\x07") {
		t.Errorf("error %q holds raw control characters", err)
	}
}

func TestIssue26(t *testing.T) {
	for name, doc := range map[string]string{
		"GetDigits": `<Response><GetDigits action="http://example.com/x"/></Response>`,
		"PreAnswer": `<Response><PreAnswer><Speak>x</Speak></PreAnswer></Response>`,
	} {
		f := &flow{docs: map[string]string{"/answer": doc, "/x": `<Response/>`}}
		if _, err := run(t, f, Call{Digits: []string{"1"}}); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
}
