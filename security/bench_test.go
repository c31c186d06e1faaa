package security

import (
	"crypto/hmac"
	"crypto/sha1"
	"crypto/sha256"
	"fmt"
	"hash"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// A typical voice callback: a dozen parameters the size of those Plivo
// posts (the A-leg UUIDs, sent on outbound calls only, stand in for that
// size), a query string, and a nonce.
const benchURL = "https://abc123.ngrok-free.app/speak/?flow=ivr&step=2"

func benchParams(n int) url.Values {
	call := "3e82ae9d-2c78-4d85-b1a4-6eae7dbafb36"
	p := url.Values{
		"ALegRequestUUID": {call}, "ALegUUID": {call}, "BillRate": {"0.0085"}, "CallStatus": {"in-progress"},
		"CallUUID": {call}, "CallerName": {"+14155550100"}, "Direction": {"inbound"}, "Event": {"StartApp"},
		"From": {"14155550100"}, "RequestUUID": {call}, "SessionStart": {"2026-11-25 10:00:00.238707"}, "To": {"14155550111"},
	}
	if n == 12 {
		return p
	}
	p = url.Values{}
	for i := 0; i < n; i++ {
		p.Set(fmt.Sprintf("Param%04d", i), fmt.Sprintf("value-%d-%s", i, call))
	}
	return p
}

// benchCase is one signed request and the exact string its scheme signs.
type benchCase struct {
	req     *Request
	v       Verifier
	newHash func() hash.Hash
	msg     []byte
}

func v3Case(b testing.TB, params url.Values) benchCase {
	sig, _ := SignPlivoV3(testToken, "POST", benchURL, params, testNonce)
	v, _ := NewPlivoV3(PlivoTokens{AuthTokens: []string{testToken}})
	r, _ := NewRequest("POST", benchURL, http.Header{HeaderPlivoV3: {sig}, HeaderPlivoV3Nonce: {testNonce}}) // parsed once, as the route does
	r.Params = params
	msg, _ := v3Message("POST", r.parsed.parts.Base(), r.parsed.query, params, testNonce)
	return benchCase{r, v, sha256.New, msg}
}

func v2Case(b testing.TB) benchCase {
	u := "https://abc123.ngrok-free.app/receive_sms/"
	sig, _ := SignPlivoV2(testToken, u, testNonce)
	v, _ := NewPlivoV2(PlivoTokens{AuthTokens: []string{testToken}})
	return benchCase{&Request{Method: "POST", URL: u, Params: benchParams(12),
		Header: http.Header{HeaderPlivoV2: {sig}, HeaderPlivoV2Nonce: {testNonce}}}, v, sha256.New, []byte(u + testNonce)}
}

func twilioCase(b testing.TB, signalwire bool, params url.Values) benchCase {
	u := "https://abc123.ngrok-free.app/twilio/voice/?flow=ivr"
	var sig string
	var v Verifier
	header := HeaderTwilio
	if signalwire {
		sig, _ = SignSignalWire(testToken, u, params)
		v, _ = NewSignalWire(testToken)
		header = HeaderSignalWire
	} else {
		sig, _ = SignTwilio(testToken, u, params)
		v, _ = NewTwilio(testToken)
	}
	h := http.Header{"Content-Type": {"application/x-www-form-urlencoded"}}
	h.Set(header, sig)
	r, _ := NewRequest("POST", u, h)
	r.Params = params
	return benchCase{r, v, sha1.New, twilioMessage(r.parsed.parts, params, signalwire)}
}

// floor is the cost of the hash itself: an HMAC keyed once and reused,
// over the exact string the scheme signs, summed into a buffer.
func floor(b *testing.B, c benchCase) {
	h := hmac.New(c.newHash, []byte(testToken))
	buf := make([]byte, 0, 64)
	b.ReportAllocs()
	b.SetBytes(int64(len(c.msg)))
	for b.Loop() {
		h.Reset()
		h.Write(c.msg)
		buf = h.Sum(buf[:0])
	}
}

func verify(b *testing.B, c benchCase) {
	if _, err := c.v.Verify(c.req); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.SetBytes(int64(len(c.msg)))
	for b.Loop() {
		if _, err := c.v.Verify(c.req); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkHMACFloor(b *testing.B)       { floor(b, v3Case(b, benchParams(12))) }
func BenchmarkVerifyV3(b *testing.B)        { verify(b, v3Case(b, benchParams(12))) }
func BenchmarkHMACFloorV2(b *testing.B)     { floor(b, v2Case(b)) }
func BenchmarkVerifyV2(b *testing.B)        { verify(b, v2Case(b)) }
func BenchmarkHMACFloorTwilio(b *testing.B) { floor(b, twilioCase(b, false, benchParams(12))) }
func BenchmarkVerifyTwilio(b *testing.B)    { verify(b, twilioCase(b, false, benchParams(12))) }
func BenchmarkVerifySignalWire(b *testing.B) {
	verify(b, twilioCase(b, true, benchParams(12)))
}

// BenchmarkVerifyV3Params measures how verification grows with the number of
// parameters: it should be linear (sorting adds a log factor at most).
func BenchmarkVerifyV3Params(b *testing.B) {
	for _, n := range []int{1, 10, 100, 1000} {
		b.Run(fmt.Sprint(n), func(b *testing.B) { verify(b, v3Case(b, benchParams(n))) })
	}
}

// BenchmarkVerifyV3ValueSize measures growth with the size of one value.
func BenchmarkVerifyV3ValueSize(b *testing.B) {
	for _, n := range []int{10, 100, 1000, 10000} {
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			verify(b, v3Case(b, url.Values{"Text": {strings.Repeat("x", n)}}))
		})
	}
}

// BenchmarkParseQuery measures decoding a form body; it should be linear.
func BenchmarkParseQuery(b *testing.B) {
	for _, n := range []int{1, 12, 100, 1000} {
		body := benchParams(n).Encode()
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(body)))
			for b.Loop() {
				if _, err := ParseQuery(body); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
