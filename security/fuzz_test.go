package security

import (
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"
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

// FuzzParseQueryAgainstStdlib checks the decoder against net/url's: each
// value ParseQuery returns is what url.QueryUnescape makes of that component,
// and ParseQuery refuses a string only where url.QueryUnescape does or where
// the decoded bytes are not valid UTF-8.
func FuzzParseQueryAgainstStdlib(f *testing.F) {
	for _, s := range []string{"a=1+2&b=%41%42c", "k=%e2%82%ac", "k=%e2%82", "%=1", "a=%4", "\xff=1", "x+y=a%2Bb+c"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		var want []string
		wantErr := false // net/url refuses a component, or it decodes to invalid UTF-8
		for _, pair := range strings.Split(s, "&") {
			if pair == "" {
				continue
			}
			k, v, _ := strings.Cut(pair, "=")
			for _, c := range []string{k, v} {
				d, err := url.QueryUnescape(c)
				wantErr = wantErr || err != nil || !utf8.ValidString(d)
				want = append(want, d)
			}
		}
		got, err := appendQueryPairs(nil, s)
		if (err != nil) != wantErr {
			t.Fatalf("decoding %q: error = %v, want an error: %v", s, err, wantErr)
		}
		if err != nil {
			return
		}
		var flat []string
		for _, p := range got {
			flat = append(flat, p.Key, p.Value)
		}
		if !slices.Equal(flat, want) {
			t.Fatalf("decoded %q to %q, net/url to %q", s, flat, want)
		}
	})
}

// FuzzParseJSONParams checks that the JSON canonicaliser never panics and
// either returns values or an ErrMalformedParams.
func FuzzParseJSONParams(f *testing.F) {
	for _, s := range []string{`{"a":"b"}`, `{"a":[3,1,2]}`, `{"a":{"b":[true,false]}}`, `{"a":1e400}`, `[]`, `{"a":null}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		if _, err := ParseJSONParams(b); err != nil && !errors.Is(err, ErrMalformedParams) {
			t.Fatalf("error %v does not wrap ErrMalformedParams", err)
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
		err = v.Verify(&Request{Method: method, URL: u, Params: NewParams(params), Header: h})
		if nonce == "" || strings.TrimSpace(nonce) != nonce {
			return // an empty nonce is refused; header values are trimmed
		}
		if err != nil {
			t.Fatalf("signed request did not verify: %v", err)
		}
		h.Set(HeaderPlivoV3Nonce, nonce+"x")
		if v.Verify(&Request{Method: method, URL: u, Params: NewParams(params), Header: h}) == nil {
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
		base, _, err := splitURL(s)
		if err != nil {
			return
		}
		again, q, err := splitURL(base)
		if err != nil || again != base || q != "" {
			t.Fatalf("splitURL(%q) = %q, but that splits to %q, %q, %v", s, base, again, q, err)
		}
		for _, b := range equivalentBases(base) {
			if _, _, err := splitURL(b); err != nil {
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
			if _, ok := bodyHashParam(stripFragment(u)[strings.IndexByte(stripFragment(u), '?')+1:]); ok {
				return // a JSON-body URL: covered by the body hash, tested elsewhere
			}
			h := http.Header{HeaderTwilio: {sig}}
			if err := v.Verify(&Request{Method: "POST", URL: u, Params: NewParams(params), Header: h}); err != nil {
				t.Fatalf("signalwire=%v: signed request did not verify: %v", signalwire, err)
			}
			more := url.Values{key: {value, value}, key + "\x00" + extra: {""}}
			if v.Verify(&Request{Method: "POST", URL: u, Params: NewParams(more), Header: h}) == nil {
				t.Fatalf("signalwire=%v: verified with an extra parameter", signalwire)
			}
		}
	})
}

// FuzzParseForm checks that a form body parses to what ParseQuery gives,
// sorted by key with a repeated key's values in request order.
func FuzzParseForm(f *testing.F) {
	for _, s := range []string{"To=2&From=1", "b=2&a=1&b=1", "a=%zz", "x=1;2&x=%C3%A9", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		p, err := ParseForm(s)
		q, qerr := ParseQuery(s)
		if (err == nil) != (qerr == nil) {
			t.Fatalf("ParseForm error %v, ParseQuery error %v", err, qerr)
		}
		if err != nil {
			return
		}
		if !slices.IsSortedFunc(p, compareKeys) {
			t.Fatalf("not sorted by key: %v", p)
		}
		for k, vs := range q {
			var got []string
			for _, kv := range p {
				if kv.Key == k {
					got = append(got, kv.Value)
				}
			}
			if !slices.Equal(got, vs) {
				t.Fatalf("key %q: %q, want %q in request order", k, got, vs)
			}
		}
	})
}
