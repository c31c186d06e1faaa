package handlers

import (
	"strings"
	"testing"

	"answerurl/security"
)

// TestRefusalLine holds the README's sentence: "Every refusal logs one warn
// line: the route, the URL rebuilt and where its scheme and host came from,
// the parameter keys read (never values, clipped), which signature headers
// came, the reason, and for a mismatch a hint. Never a token, a signature or
// a nonce." It walks every kind of refusal of a verified route.
func TestRefusalLine(t *testing.T) {
	const secretValue = "s3cr3t-value"
	form := "From=" + secretValue + "&Digits=1"
	tests := []struct {
		name   string
		c      call
		status int
		keys   string // param_keys=
	}{
		{"no signature", call{method: "POST", target: "http://example.com/speak/?flow=" + secretValue, noSign: true,
			contentType: "application/x-www-form-urlencoded", body: form}, 403, "flow"},
		{"mismatch", call{method: "POST", target: "http://example.com/speak/?flow=1", sigToken: "forger",
			contentType: "application/x-www-form-urlencoded", body: form}, 403, "Digits,From,flow"},
		{"malformed query", call{method: "POST", target: "http://example.com/speak/?a=%zz&flow=1",
			header: map[string]string{security.HeaderPlivoV3: "Zm9yZ2Vk"}}, 400, `""`},
		{"fragment", call{method: "GET", target: "http://example.com/speak/?flow=1#&From=x"}, 400, `""`},
		{"malformed body", call{method: "POST", target: "http://example.com/speak/?flow=1",
			contentType: "application/x-www-form-urlencoded", body: "a=%zz"}, 400, "flow"},
		{"unsupported content type", call{method: "POST", target: "http://example.com/speak/?flow=1",
			contentType: "text/plain", body: "hi"}, 415, "flow"},
		{"too large", call{method: "POST", target: "http://example.com/speak/?flow=1",
			contentType: "application/x-www-form-urlencoded", body: "a=" + strings.Repeat("x", DefaultMaxBodyBytes)}, 413, "flow"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h, logs := testRouter(t, nil)
			if w := tt.c.do(t, h); w.Code != tt.status {
				t.Fatalf("status %d, want %d", w.Code, tt.status)
			}
			lines := strings.Split(strings.TrimSpace(logs.String()), "\n")
			if len(lines) != 1 {
				t.Fatalf("%d lines, want one:\n%s", len(lines), logs)
			}
			line := lines[0]
			want := []string{"level=WARN", "route=/speak/", `url="http://example.com/speak/?`, `scheme_from="plain HTTP connection"`,
				`host_from="Host header"`, "param_keys=" + tt.keys, "signature_headers=", "reason="}
			if tt.name == "mismatch" {
				want = append(want, "hint=")
			}
			for _, w := range want {
				if !strings.Contains(line, w) {
					t.Errorf("no %s in %s", w, line)
				}
			}
			for _, never := range []string{token, mainToken, nonce, secretValue} {
				if strings.Contains(line, never) && !strings.Contains(tt.c.target, never) {
					t.Errorf("%q in %s", never, line)
				}
			}
			if tt.c.noSign {
				return
			}
			sig, _ := security.SignPlivoV3(token, tt.c.method, tt.c.target, nil, nonce)
			if sig != "" && strings.Contains(line, sig) {
				t.Errorf("a signature in %s", line)
			}
		})
	}
}
