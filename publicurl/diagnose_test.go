package publicurl

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"answerurl/security"
)

const (
	testToken = "MAXXXXXXXXXXXXXXXXXX-token"
	testNonce = "05429567804466091622"
)

// TestDiagnoseNeverAccepts: whatever a diagnosis finds, Verify's verdict on
// the request as received is unchanged.
func TestDiagnoseNeverAccepts(t *testing.T) {
	v, _ := security.NewPlivoV2(security.PlivoTokens{AuthTokens: []string{testToken}})
	sig, _ := security.SignPlivoV2(testToken, "https://public.example/receive_sms/", testNonce)
	hr := httptest.NewRequest("POST", "http://internal:8080/receive_sms", nil)
	hr.Header.Set("X-Forwarded-Host", "public.example")
	hr.Header.Set("X-Forwarded-Proto", "https")
	hr.Header.Set(security.HeaderPlivoV2, sig)
	hr.Header.Set(security.HeaderPlivoV2Nonce, testNonce)
	res := PublicURL{}.Resolve(hr)
	r := &security.Request{Method: "POST", URL: res.URL, Header: hr.Header}
	if _, err := v.Verify(r); err == nil {
		t.Fatal("the request verified as received")
	}
	d := Diagnose(v, r, res)
	if d.WouldVerify != "https://public.example/receive_sms/" {
		t.Errorf("WouldVerify = %q", d.WouldVerify)
	}
	for _, want := range []string{"https://", "public.example", "trust the proxy at 192.0.2.1 with TRUSTED_PROXIES"} {
		if !strings.Contains(d.Hint, want) {
			t.Errorf("hint %q lacks %q", d.Hint, want)
		}
	}
	if _, err := v.Verify(r); r.URL != res.URL || err == nil {
		t.Error("Diagnose changed the request or its verdict")
	}
}

func TestDiagnoseSuspects(t *testing.T) {
	tests := []struct {
		name, received, signed, wantHint string
		header                           http.Header
	}{
		{"http for https", "http://h.example/speak/", "https://h.example/speak/", "set PUBLIC_BASE_URL=https://h.example", nil},
		{"port of the local server", "http://h.example:8080/speak/", "http://h.example/speak/", "set PUBLIC_BASE_URL=http://h.example", nil},
		{"trailing slash", "https://h.example/speak", "https://h.example/speak/", "signed the path /speak/", nil},
		{"scheme, host and slash at once", "http://localhost:8080/speak", "https://pub.example/speak/", "set PUBLIC_BASE_URL=https://pub.example",
			http.Header{"X-Forwarded-Host": {"pub.example"}}},
		{"a proxy that drops the port", "https://pub.example/speak/", "https://pub.example:8443/speak/",
			"the proxy drops the port: use $http_host, not $host, in nginx's proxy_set_header, or set PUBLIC_BASE_URL=https://pub.example:8443", nil},
		{"the port a proxy forwards", "https://pub.example/speak/", "https://pub.example:9443/speak/", "the proxy drops the port",
			http.Header{"X-Forwarded-Port": {"9443"}}},
		{"Host header instead of a forwarded host", "https://pub.example/speak/", "https://internal.example/speak/",
			"set PUBLIC_BASE_URL=https://internal.example", nil},
	}
	v, _ := security.NewPlivoV3(security.PlivoTokens{AuthTokens: []string{testToken}})
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			hr := httptest.NewRequest("GET", tt.received, nil)
			hr.Host = "internal.example"
			for k, vs := range tt.header {
				hr.Header[k] = vs
			}
			sig, err := security.SignPlivoV3(testToken, "GET", tt.signed, nil, testNonce)
			if err != nil {
				t.Fatal(err)
			}
			hr.Header.Set(security.HeaderPlivoV3, sig)
			hr.Header.Set(security.HeaderPlivoV3Nonce, testNonce)
			r := &security.Request{Method: "GET", URL: tt.received, Header: hr.Header}
			res := ResolvedURL{URL: tt.received, Peer: hr.RemoteAddr, Host: hr.Host, SchemeFrom: FromPlainHTTP, HostFrom: FromHost}
			d := Diagnose(v, r, res)
			if d.WouldVerify != tt.signed || !strings.Contains(d.Hint, tt.wantHint) {
				t.Errorf("got %+v, want %s and a hint with %q", d, tt.signed, tt.wantHint)
			}
		})
	}
}
