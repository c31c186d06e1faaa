package security

import (
	"crypto/sha1"
	"crypto/sha256"
	"hash"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// countingHash counts the bytes written to every hash made by it and by
// its clones.
type countingHash struct {
	hash.Hash
	n *int
}

func (c countingHash) Write(p []byte) (int, error) { *c.n += len(p); return c.Hash.Write(p) }

func (c countingHash) Clone() (hash.Cloner, error) {
	inner, err := c.Hash.(hash.Cloner).Clone()
	if err != nil {
		return nil, err
	}
	return countingHash{inner.(hash.Hash), c.n}, nil
}

func counting(newHash func() hash.Hash, n *int) func() hash.Hash {
	return func() hash.Hash { return countingHash{newHash(), n} }
}

// TestForgedHashesWhatSignedHashes is I4 with several secrets: a forged
// request makes the verifier hash exactly as many bytes as a signed one of
// the same size, whichever secret signed it and whichever spelling of the
// URL was signed (rotation: three account tokens and a main account token;
// Twilio: two tokens).
func TestForgedHashesWhatSignedHashes(t *testing.T) {
	params := url.Values{"Text": {strings.Repeat("x", 60<<10)}, "From": {"14155550100"}}
	const u = "https://h.example/speak/?flow=1"
	var n int
	tokens := []string{"new-token", "old-token", "subaccount-token"}
	v3 := &PlivoV3{plivoScheme{signature: HeaderPlivoV3, mainSignature: HeaderPlivoMainV3, nonce: HeaderPlivoV3Nonce,
		account: newKeys(counting(sha256.New, &n), tokens), main: newKeys(counting(sha256.New, &n), []string{"main-token"})}}
	twilio := &Twilio{twilioScheme{keys: newKeys(counting(sha1.New, &n), tokens[:2]), headers: []string{HeaderTwilio}}}
	v3Request := func(token, signedURL string) *Request {
		sig, _ := SignPlivoV3(token, "POST", signedURL, params, testNonce)
		mainToken := "main-token"
		if token == "forger" {
			mainToken = token
		}
		main, _ := SignPlivoV3(mainToken, "POST", signedURL, params, testNonce)
		return &Request{Method: "POST", URL: u, Params: params,
			Header: http.Header{HeaderPlivoV3: {sig}, HeaderPlivoMainV3: {main}, HeaderPlivoV3Nonce: {testNonce}}}
	}
	twilioRequest := func(token, signedURL string) *Request {
		sig, _ := SignTwilio(token, signedURL, params)
		return &Request{Method: "POST", URL: u, Params: params,
			Header: http.Header{HeaderTwilio: {sig}, "Content-Type": {"application/x-www-form-urlencoded"}}}
	}
	for _, tt := range []struct {
		name    string
		v       Verifier
		request func(token, signedURL string) *Request
		tokens  []string
	}{{"plivo-v3", v3, v3Request, tokens}, {"twilio", twilio, twilioRequest, tokens[:2]}} {
		hashed := func(r *Request, wantOK bool) int {
			n = 0
			if _, err := tt.v.Verify(r); (err == nil) != wantOK {
				t.Fatalf("%s: verified = %v, want %v", tt.name, err == nil, wantOK)
			}
			return n
		}
		forged := hashed(tt.request("forger", u), false)
		for _, token := range tt.tokens {
			for _, signedURL := range []string{u, "https://h.example:443/speak/?flow=1"} {
				if signed := hashed(tt.request(token, signedURL), true); signed != forged {
					t.Errorf("%s: a forged request hashed %d bytes, one signed with %s for %s %d", tt.name, forged, token, signedURL, signed)
				}
			}
		}
	}
}
