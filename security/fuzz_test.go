package security

import (
	"errors"
	"net/http"
	"net/url"
	"reflect"
	"strings"
	"testing"
)

// FuzzParseQuery checks that the query and form parser never panics, that it
// accepts exactly what it can decode, and that what it returns re-encodes
// to the same values.
func FuzzParseQuery(f *testing.F) {
	for _, s := range []string{"", "a=1&b=2", "a=1;b=2", "q=caf%C3%A9+noir", "a", "=x", "%zz", "a=%ff", "&&"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		v, err := ParseQuery(s)
		if err != nil {
			if !errors.Is(err, ErrMalformedParams) {
				t.Fatalf("error %v does not wrap ErrMalformedParams", err)
			}
			return
		}
		again, err := ParseQuery(v.Encode())
		if err != nil {
			t.Fatalf("re-encoded %q: %v", v.Encode(), err)
		}
		if len(again) != len(v) {
			t.Fatalf("round trip changed %v into %v", v, again)
		}
		for k := range v {
			if strings.Join(v[k], "\x00") != strings.Join(again[k], "\x00") {
				t.Fatalf("round trip changed %q: %q vs %q", k, v[k], again[k])
			}
		}
	})
}

// FuzzParseQueryAgainstStdlib checks ParseQuery against url.ParseQuery,
// which it follows except for two rules: a ';' is data (url.ParseQuery
// refuses it), and decoded bytes must be valid UTF-8. On a string without
// ';' that ParseQuery accepts, both give the same values.
func FuzzParseQueryAgainstStdlib(f *testing.F) {
	for _, s := range []string{"a=1+2&b=%41%42c", "k=%e2%82%ac", "k=%e2%82", "%=1", "a=%4", "\xff=1", "x+y=a%2Bb+c", "a=1;b=2"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, err := ParseQuery(s)
		want, stdErr := url.ParseQuery(s)
		if strings.Contains(s, ";") {
			if err == nil && stdErr == nil {
				t.Fatalf("url.ParseQuery accepted %q with a ';'", s)
			}
			return
		}
		if err != nil {
			if stdErr == nil && !strings.Contains(err.Error(), "UTF-8") {
				t.Fatalf("ParseQuery refused %q (%v), which url.ParseQuery decodes", s, err)
			}
			return
		}
		if stdErr != nil || !reflect.DeepEqual(got, want) {
			t.Fatalf("ParseQuery(%q) = %q; url.ParseQuery = %q, %v", s, got, want, stdErr)
		}
	})
}

// FuzzParseJSONParams checks that the JSON canonicaliser never panics,
// either returns values or an ErrMalformedParams, and that its work stays
// within its bound whatever the body (the bound that makes it linear).
func FuzzParseJSONParams(f *testing.F) {
	for _, s := range []string{`{"a":"b"}`, `{"a":[3,1,2]}`, `{"a":{"b":[true,false]}}`, `{"a":1e400}`, `[]`, `{"a":null}`,
		`{"a":[1,"x",true]}`, `{"a":{"b":{"c":["\"]"]}}}`, `{"kkkkkkkkkkkkkkkk":[1,1,1,1,1,1,1,1,1,1,1,1]}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		_, work, err := parseJSON(b)
		if err != nil && !errors.Is(err, ErrMalformedParams) {
			t.Fatalf("error %v does not wrap ErrMalformedParams", err)
		}
		if limit := maxJSONExpansion*len(b) + 1024; work > limit {
			t.Fatalf("%d bytes written for a body of %d", work, len(b))
		}
	})
}

// FuzzPlivoV3 checks the canonical-string builder end to end: signing never
// panics, what is signed verifies, and changing the nonce breaks it.
func FuzzPlivoV3(f *testing.F) {
	f.Add("POST", "https://h/speak/?b=2&a=1", "From", "1415", "n")
	f.Add("GET", "https://h:8443/s?x=%C3%A9;y", "To", "", "0")
	f.Add("POST", "http://[::1]/", "k", "v.", "")
	f.Fuzz(func(t *testing.T, method, u, key, value, nonce string) {
		params := url.Values{key: {value}}
		sig, err := SignPlivoV3(testToken, method, u, params, nonce)
		if err != nil {
			return
		}
		v, _ := NewPlivoV3(PlivoTokens{AuthTokens: []string{testToken}})
		h := http.Header{HeaderPlivoV3: {sig}, HeaderPlivoV3Nonce: {nonce}}
		if strings.Contains(u, "#") { // signed as the client requests it, without the fragment; refused with it
			if _, err := v.Verify(&Request{Method: method, URL: u, Params: params, Header: h}); validNonce(nonce) && !errors.Is(err, ErrBadURL) {
				t.Fatalf("a URL with a fragment: %v, want ErrBadURL", err)
			}
			u = withoutFragment(u)
		}
		_, err = v.Verify(&Request{Method: method, URL: u, Params: params, Header: h})
		if !validNonce(nonce) {
			if !errors.Is(err, ErrBadNonce) && !errors.Is(err, ErrNoNonce) {
				t.Fatalf("nonce %q: %v, want it refused", nonce, err)
			}
			return
		}
		if err != nil {
			t.Fatalf("signed request did not verify: %v", err)
		}
		h.Set(HeaderPlivoV3Nonce, nonce+"x")
		if _, err := v.Verify(&Request{Method: method, URL: u, Params: params, Header: h}); err == nil {
			t.Fatal("verified with another nonce")
		}
	})
}

// FuzzSplitURL checks that URL splitting never panics and that a split URL
// splits to itself.
func FuzzSplitURL(f *testing.F) {
	for _, s := range []string{"https://h/p?q#f", "HTTP://u@h:1", "x://", "https://[::1]:80/a?b?c"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		u, err := SplitURL(s)
		if err != nil {
			return
		}
		base := u.Base()
		again, err := SplitURL(base)
		if err != nil || again.Base() != base || again.HasQuery {
			t.Fatalf("SplitURL(%q) = %q, but that splits to %+v, %v", s, base, again, err)
		}
		for _, b := range equivalentBases(u) {
			if _, err := SplitURL(b); err != nil {
				t.Fatalf("equivalent base %q of %q does not parse", b, base)
			}
		}
	})
}

// FuzzTwilio checks the Twilio and SignalWire canonical strings: signing never
// panics, what is signed verifies, and one more parameter breaks it.
func FuzzTwilio(f *testing.F) {
	f.Add("https://h/twilio/voice/?a=1", "From", "+1415", "x")
	f.Add("http://h:80/?bodySHA256=00", "Digits", "1", "")
	f.Fuzz(func(t *testing.T, u, key, value, extra string) {
		params := url.Values{key: {value, value}}
		for _, signalwire := range []bool{false, true} {
			var sig string
			var err error
			var v Verifier
			if signalwire {
				sig, err = SignSignalWire(testToken, u, params)
				v, _ = NewSignalWire(testToken)
			} else {
				sig, err = SignTwilio(testToken, u, params)
				v, _ = NewTwilio(testToken)
			}
			if err != nil {
				return
			}
			if strings.Contains(u, "bodySHA256") {
				return // a JSON-body URL: covered by the body hash, tested elsewhere
			}
			h := http.Header{HeaderTwilio: {sig}, "Content-Type": {"application/x-www-form-urlencoded"}}
			if strings.Contains(u, "#") { // signed as the client requests it, without the fragment; refused with it
				if _, err := v.Verify(&Request{Method: "POST", URL: u, Params: params, Header: h}); !errors.Is(err, ErrBadURL) {
					t.Fatalf("a URL with a fragment: %v, want ErrBadURL", err)
				}
				u = withoutFragment(u)
			}
			if _, err := v.Verify(&Request{Method: "POST", URL: u, Params: params, Header: h}); err != nil {
				t.Fatalf("signalwire=%v: signed request did not verify: %v", signalwire, err)
			}
			more := url.Values{key: {value, value}, key + "\x00" + extra: {""}}
			if _, err := v.Verify(&Request{Method: "POST", URL: u, Params: more, Header: h}); err == nil {
				t.Fatalf("signalwire=%v: verified with an extra parameter", signalwire)
			}
		}
	})
}
