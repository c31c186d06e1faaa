package security

import (
	"crypto/sha256"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

const (
	testToken = "MAXXXXXXXXXXXXXXXXXX-token"
	mainToken = "main-account-token"
	testNonce = "05429567804466091622"
)

func mustSignV3(t *testing.T, token, method, u string, params url.Values, nonce string) string {
	t.Helper()
	s, err := SignPlivoV3(token, method, u, params, nonce)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestPlivoV3Verify(t *testing.T) {
	const u = "https://answer.example.com/speak/?flow=ivr"
	params := url.Values{"From": {"14155550100"}, "To": {"14155550111"}}
	good := mustSignV3(t, testToken, "POST", u, params, testNonce)
	goodMain := mustSignV3(t, mainToken, "POST", u, params, testNonce)
	other := mustSignV3(t, "another-token", "POST", u, params, testNonce)

	tests := []struct {
		name    string
		tokens  PlivoTokens
		url     string
		params  url.Values
		header  map[string]string
		wantErr error
	}{
		{"valid", PlivoTokens{AuthTokens: []string{testToken}}, u, params,
			map[string]string{HeaderPlivoV3: good, HeaderPlivoV3Nonce: testNonce}, nil},
		{"second of several signatures", PlivoTokens{AuthTokens: []string{testToken}}, u, params,
			map[string]string{HeaderPlivoV3: other + " , " + good, HeaderPlivoV3Nonce: testNonce}, nil},
		{"rotated: second token", PlivoTokens{AuthTokens: []string{"old", testToken}}, u, params,
			map[string]string{HeaderPlivoV3: good, HeaderPlivoV3Nonce: testNonce}, nil},
		{"main-account header alone", PlivoTokens{AuthTokens: []string{"sub"}, MainAccountTokens: []string{mainToken}}, u, params,
			map[string]string{HeaderPlivoMainV3: goodMain, HeaderPlivoV3Nonce: testNonce}, nil},
		{"main-account header needs the main token", PlivoTokens{AuthTokens: []string{mainToken}}, u, params,
			map[string]string{HeaderPlivoMainV3: goodMain, HeaderPlivoV3Nonce: testNonce}, ErrMismatch},
		{"wrong token", PlivoTokens{AuthTokens: []string{"another"}}, u, params,
			map[string]string{HeaderPlivoV3: good, HeaderPlivoV3Nonce: testNonce}, ErrMismatch},
		{"tampered param", PlivoTokens{AuthTokens: []string{testToken}}, u, url.Values{"From": {"14155550101"}, "To": {"14155550111"}},
			map[string]string{HeaderPlivoV3: good, HeaderPlivoV3Nonce: testNonce}, ErrMismatch},
		{"extra param", PlivoTokens{AuthTokens: []string{testToken}}, u, url.Values{"From": {"14155550100"}, "To": {"14155550111"}, "X": {""}},
			map[string]string{HeaderPlivoV3: good, HeaderPlivoV3Nonce: testNonce}, ErrMismatch},
		{"tampered query", PlivoTokens{AuthTokens: []string{testToken}}, u + "&x=1", params,
			map[string]string{HeaderPlivoV3: good, HeaderPlivoV3Nonce: testNonce}, ErrMismatch},
		{"other nonce", PlivoTokens{AuthTokens: []string{testToken}}, u, params,
			map[string]string{HeaderPlivoV3: good, HeaderPlivoV3Nonce: "1"}, ErrMismatch},
		{"http for https", PlivoTokens{AuthTokens: []string{testToken}}, strings.Replace(u, "https", "http", 1), params,
			map[string]string{HeaderPlivoV3: good, HeaderPlivoV3Nonce: testNonce}, ErrMismatch},
		{"trailing slash removed", PlivoTokens{AuthTokens: []string{testToken}}, strings.Replace(u, "speak/", "speak", 1), params,
			map[string]string{HeaderPlivoV3: good, HeaderPlivoV3Nonce: testNonce}, ErrMismatch},
		{"default port written", PlivoTokens{AuthTokens: []string{testToken}}, strings.Replace(u, ".com/", ".com:443/", 1), params,
			map[string]string{HeaderPlivoV3: good, HeaderPlivoV3Nonce: testNonce}, nil},
		{"non-default port", PlivoTokens{AuthTokens: []string{testToken}}, strings.Replace(u, ".com/", ".com:8443/", 1), params,
			map[string]string{HeaderPlivoV3: good, HeaderPlivoV3Nonce: testNonce}, ErrMismatch},
		{"truncated signature", PlivoTokens{AuthTokens: []string{testToken}}, u, params,
			map[string]string{HeaderPlivoV3: good[:20], HeaderPlivoV3Nonce: testNonce}, ErrMismatch},
		{"not base64", PlivoTokens{AuthTokens: []string{testToken}}, u, params,
			map[string]string{HeaderPlivoV3: "!!!" + good[3:], HeaderPlivoV3Nonce: testNonce}, ErrMismatch},
		{"no signature header", PlivoTokens{AuthTokens: []string{testToken}}, u, params,
			map[string]string{HeaderPlivoV3Nonce: testNonce}, ErrNoSignature},
		{"blank signature header", PlivoTokens{AuthTokens: []string{testToken}}, u, params,
			map[string]string{HeaderPlivoV3: " , ", HeaderPlivoV3Nonce: testNonce}, ErrNoSignature},
		{"no nonce", PlivoTokens{AuthTokens: []string{testToken}}, u, params,
			map[string]string{HeaderPlivoV3: good}, ErrNoNonce},
		{"nonce with a dot", PlivoTokens{AuthTokens: []string{testToken}}, u, params,
			map[string]string{HeaderPlivoV3: good, HeaderPlivoV3Nonce: "0085." + testNonce}, ErrBadNonce},
		{"nonce with a slash", PlivoTokens{AuthTokens: []string{testToken}}, u, params,
			map[string]string{HeaderPlivoV3: good, HeaderPlivoV3Nonce: "/" + testNonce}, ErrBadNonce},
		{"nonce too long", PlivoTokens{AuthTokens: []string{testToken}}, u, params,
			map[string]string{HeaderPlivoV3: good, HeaderPlivoV3Nonce: strings.Repeat("1", 65)}, ErrBadNonce},
		{"V2 headers do not count", PlivoTokens{AuthTokens: []string{testToken}}, u, params,
			map[string]string{HeaderPlivoV2: good, HeaderPlivoV2Nonce: testNonce}, ErrNoSignature},
		{"bad URL", PlivoTokens{AuthTokens: []string{testToken}}, "/speak/", params,
			map[string]string{HeaderPlivoV3: good, HeaderPlivoV3Nonce: testNonce}, ErrBadURL},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v, err := NewPlivoV3(tt.tokens)
			if err != nil {
				t.Fatal(err)
			}
			h := http.Header{}
			for k, val := range tt.header {
				h.Set(k, val)
			}
			_, err = v.Verify(&Request{Method: "POST", URL: tt.url, Params: tt.params, Header: h})
			if !errors.Is(err, tt.wantErr) || (tt.wantErr == nil) != (err == nil) {
				t.Fatalf("Verify = %v, want %v", err, tt.wantErr)
			}
			for _, secret := range []string{testToken, mainToken, good, goodMain} {
				if err != nil && strings.Contains(err.Error(), secret) {
					t.Errorf("error %q leaks a secret", err)
				}
			}
		})
	}
}

func TestPlivoV3MethodMatters(t *testing.T) {
	const u = "https://h/speak/?a=1"
	sig := mustSignV3(t, testToken, "GET", u, nil, "n")
	v, _ := NewPlivoV3(PlivoTokens{AuthTokens: []string{testToken}})
	h := http.Header{HeaderPlivoV3: {sig}, HeaderPlivoV3Nonce: {"n"}}
	if _, err := v.Verify(&Request{Method: "GET", URL: u, Header: h}); err != nil {
		t.Fatalf("GET: %v", err)
	}
	// With body parameters the two methods sign different strings.
	if _, err := v.Verify(&Request{Method: "POST", URL: u, Header: h, Params: url.Values{"b": {"2"}}}); !errors.Is(err, ErrMismatch) {
		t.Fatalf("the GET signature verified a POST with a body: %v", err)
	}
	if _, err := v.Verify(&Request{Method: "PUT", URL: u, Header: h}); !errors.Is(err, ErrMismatch) {
		t.Fatalf("PUT: %v", err)
	}
}

// TestV3Message pins the signed string for each shape of request, as
// v3Message's comment lays it out and Plivo's SDKs build it (testdata/vectors
// holds what they compute).
func TestV3Message(t *testing.T) {
	tests := []struct {
		name, method, url string
		params            url.Values
		want              string
	}{
		{"GET bare", "GET", "https://h/s/", nil, "https://h/s/.N"},
		{"GET query sorted, values sorted", "GET", "https://h/s/?b=2&a=1&a=0", nil, "https://h/s/?a=0&a=1&b=2.N"},
		{"GET decoded, not re-encoded", "GET", "https://h/s/?q=caf%C3%A9+noir&e=", nil, "https://h/s/?e=&q=café noir.N"},
		{"GET extra params merged", "GET", "https://h/s/?b=2", url.Values{"a": {"1"}, "b": {"1"}}, "https://h/s/?a=1&b=1&b=2.N"},
		{"POST bare", "POST", "https://h/s/", nil, "https://h/s/.N"},
		{"POST query only", "POST", "https://h/s/?b=2&a=1", nil, "https://h/s/?a=1&b=2.N"},
		{"POST body only", "POST", "https://h/s/", url.Values{"To": {"2"}, "From": {"1"}}, "https://h/s/?From1To2.N"},
		{"POST both", "POST", "https://h/s/?z=9", url.Values{"D": {"9", "1"}}, "https://h/s/?z=9.D1D9.N"},
		{"POST value ending in a dot kept", "POST", "https://h/s/", url.Values{"a": {"x."}}, "https://h/s/?ax..N"},
		{"path raw, port kept", "GET", "https://h:8443/caf%C3%A9/", nil, "https://h:8443/caf%C3%A9/.N"},
		{"semicolon in query", "GET", "https://h/?a=1;b=2", nil, "https://h/?a=1;b=2.N"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := NewRequest(tt.method, tt.url, nil)
			if err != nil {
				t.Fatal(err)
			}
			query, _ := r.Query()
			got, err := v3Message(tt.method, r.parsed.parts.Base(), query, tt.params, "N")
			if err != nil || string(got) != tt.want {
				t.Errorf("got %q, %v; want %q", got, err, tt.want)
			}
		})
	}
}

func TestPlivoV2Verify(t *testing.T) {
	const u = "https://answer.example.com/receive_sms/"
	sig, _ := SignPlivoV2(testToken, u, testNonce)
	v, _ := NewPlivoV2(PlivoTokens{AuthTokens: []string{testToken}})
	tests := []struct {
		name, url, sig, nonce string
		wantErr               error
	}{
		{"valid", u, sig, testNonce, nil},
		{"query is not covered", u + "?any=thing", sig, testNonce, nil},
		{"several signatures", u, "x," + sig, testNonce, nil},
		{"other path", u + "x", sig, testNonce, ErrMismatch},
		{"other nonce", u, sig, testNonce + "1", ErrMismatch},
		{"no nonce", u, sig, "", ErrNoNonce},
		{"nonce not a plain token", u[:len(u)-1], sig, "/" + testNonce, ErrBadNonce},
		{"no signature", u, "", testNonce, ErrNoSignature},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := http.Header{}
			if tt.sig != "" {
				h.Set(HeaderPlivoV2, tt.sig)
			}
			if tt.nonce != "" {
				h.Set(HeaderPlivoV2Nonce, tt.nonce)
			}
			_, err := v.Verify(&Request{Method: "POST", URL: tt.url, Header: h, Params: url.Values{"Text": {"anything"}}})
			if !errors.Is(err, tt.wantErr) || (tt.wantErr == nil) != (err == nil) {
				t.Fatalf("Verify = %v, want %v", err, tt.wantErr)
			}
		})
	}
}

func TestNewWithoutToken(t *testing.T) {
	if _, err := NewPlivoV3(PlivoTokens{AuthTokens: []string{""}}); !errors.Is(err, ErrNoToken) {
		t.Errorf("NewPlivoV3 with no token: %v", err)
	}
	if _, err := NewPlivoV2(PlivoTokens{}); !errors.Is(err, ErrNoToken) {
		t.Errorf("NewPlivoV2 with no token: %v", err)
	}
}

// TestSignedDigest: the digest names the signed content, whichever token or
// header matched, and differs for different content. A replay guard keys on
// it, so a request cut at another place between URL, body and nonce (which
// the nonce rule refuses first) could never pass as new.
func TestSignedDigest(t *testing.T) {
	const u = "https://h.example/speak/"
	params := url.Values{"BillRate": {"0.0085"}, "CallUUID": {"c"}}
	v, _ := NewPlivoV3(PlivoTokens{AuthTokens: []string{testToken}, MainAccountTokens: []string{mainToken}})
	digest := func(header string, token string, params url.Values, nonce string) [sha256.Size]byte {
		t.Helper()
		sig := mustSignV3(t, token, "POST", u, params, nonce)
		signed, err := v.Verify(&Request{Method: "POST", URL: u, Params: params,
			Header: http.Header{header: {sig}, HeaderPlivoV3Nonce: {nonce}}})
		if err != nil {
			t.Fatal(err)
		}
		return signed.Digest()
	}
	account := digest(HeaderPlivoV3, testToken, params, testNonce)
	if main := digest(HeaderPlivoMainV3, mainToken, params, testNonce); main != account {
		t.Error("the main account's signature of the same request has another digest")
	}
	if other := digest(HeaderPlivoV3, testToken, params, "1"+testNonce); other == account {
		t.Error("another nonce has the same digest")
	}
	msg, _ := v3Message("POST", u, nil, params, testNonce)
	if account != sha256.Sum256(msg) {
		t.Error("the digest is not the SHA-256 of the signed string")
	}
	// Received with the default port written, verified by the spelling without it:
	// the digest is still that of the string Plivo signed.
	sig := mustSignV3(t, testToken, "POST", u, params, testNonce)
	signed, err := v.Verify(&Request{Method: "POST", URL: "https://h.example:443/speak/", Params: params,
		Header: http.Header{HeaderPlivoV3: {sig}, HeaderPlivoV3Nonce: {testNonce}}})
	if err != nil || signed.Digest() != account {
		t.Errorf("through another spelling: %v, digest differs: %v", err, signed.Digest() != account)
	}
}

func TestValidNonce(t *testing.T) {
	for nonce, want := range map[string]bool{
		"05429567804466091622": true, "12345": true, "7": true, "0148871A928026967571": true, "abcXYZ09": true,
		"": false, "/1": false, "1.2": false, "0085CallStatusringing.123": false, "12 34": false, "١٢": false,
		strings.Repeat("9", maxNonceLength): true, strings.Repeat("9", maxNonceLength+1): false,
	} {
		if got := validNonce(nonce); got != want {
			t.Errorf("validNonce(%q) = %v, want %v", nonce, got, want)
		}
	}
}
