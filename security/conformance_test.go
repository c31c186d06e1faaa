package security

import (
	"encoding/json"
	"mime"
	"net/http"
	"os"
	"path/filepath"
	"testing"
)

// conformanceVector is one vector from testdata/vectors/, written by
// testdata/gen/gen.js with the providers' own SDK code.
type conformanceVector struct {
	ID          string            `json:"id"`
	Kind        string            `json:"kind"`
	Note        string            `json:"note"`
	Method      string            `json:"method"`
	URL         string            `json:"url"`
	ContentType string            `json:"content_type"`
	Body        string            `json:"body"`
	Headers     map[string]string `json:"headers"`
	Tokens      []string          `json:"tokens"`
	MainTokens  []string          `json:"main_tokens"`
	SDK         string            `json:"sdk"`
	SDKValid    bool              `json:"sdk_valid"`
	ExpectValid bool              `json:"expect_valid"`
	Follows     string            `json:"follows"`
}

// request builds the Request the middleware would build from the vector,
// parsing its body with the same functions.
func (v conformanceVector) request(t *testing.T) *Request {
	r := &Request{Method: v.Method, URL: v.URL, Header: http.Header{}, Body: []byte(v.Body)}
	for k, val := range v.Headers {
		r.Header.Set(k, val)
	}
	if v.ContentType != "" {
		r.Header.Set("Content-Type", v.ContentType)
	}
	mt, _, _ := mime.ParseMediaType(v.ContentType)
	var err error
	switch {
	case v.Body == "":
	case mt == "application/x-www-form-urlencoded":
		r.Params, err = ParseQuery(v.Body)
	case mt == "application/json" && v.Kind == "plivo-v3":
		r.Params, err = ParseJSONParams(r.Body)
	}
	if err != nil {
		t.Fatalf("%s: body: %v", v.ID, err)
	}
	return r
}

func (v conformanceVector) verifier(t *testing.T) Verifier {
	var ver Verifier
	var err error
	switch v.Kind {
	case "plivo-v3":
		ver, err = NewPlivoV3(PlivoTokens{AuthTokens: v.Tokens, MainAccountTokens: v.MainTokens})
	case "plivo-v2":
		ver, err = NewPlivoV2(PlivoTokens{AuthTokens: v.Tokens, MainAccountTokens: v.MainTokens})
	case "twilio":
		ver, err = NewTwilio(v.Tokens...)
	case "signalwire":
		ver, err = NewSignalWire(v.Tokens...)
	default:
		t.Fatalf("%s: unknown kind %q", v.ID, v.Kind)
	}
	if err != nil {
		t.Fatal(err)
	}
	return ver
}

// TestConformanceVectors runs every vector the providers' SDKs produced: the
// verifier must answer what the vector expects, which is what the SDK's own
// validator answered except where the vector says whom we follow instead.
func TestConformanceVectors(t *testing.T) {
	files, _ := filepath.Glob("../testdata/vectors/*.json")
	if len(files) != 4 {
		t.Fatalf("want 4 vector files, found %v", files)
	}
	total, negatives, divergences := 0, 0, 0
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var vs []conformanceVector
		if err := json.Unmarshal(b, &vs); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		for _, v := range vs {
			total++
			if !v.ExpectValid {
				negatives++
			}
			if v.ExpectValid != v.SDKValid {
				divergences++
				if v.Follows == "" {
					t.Errorf("%s: differs from %s without saying whom it follows", v.ID, v.SDK)
				}
			}
			_, err := v.verifier(t).Verify(v.request(t))
			if got := err == nil; got != v.ExpectValid {
				t.Errorf("%s (%s): valid = %v (%v), want %v; %s %s", v.ID, v.Note, got, err, v.ExpectValid, v.Method, v.URL)
			}
		}
	}
	if total < 300 || negatives < 50 {
		t.Errorf("only %d vectors, %d negative", total, negatives)
	}
	t.Logf("%d vectors, %d negative, %d where we follow another SDK than the one that computed them", total, negatives, divergences)
}
