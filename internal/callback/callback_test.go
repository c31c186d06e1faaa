package callback

import (
	"regexp"
	"testing"
)

// TestIdentifiers: UUIDs are version 4, nonces 20 digits, each fresh.
func TestIdentifiers(t *testing.T) {
	uuid := regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)
	nonce := regexp.MustCompile(`^[0-9]{20}$`)
	seen := map[string]bool{}
	for range 100 {
		u, n := NewUUID(), NewNonce()
		if !uuid.MatchString(u) || !nonce.MatchString(n) || seen[u] || seen[n] {
			t.Fatalf("NewUUID %q, NewNonce %q: want a fresh v4 UUID and 20 digits", u, n)
		}
		seen[u], seen[n] = true, true
	}
}

// TestInboundHasNoALeg: an inbound call's parameters carry no ALegUUID nor
// ALegRequestUUID, as Plivo's application page says.
func TestInboundHasNoALeg(t *testing.T) {
	p := PlivoVoice(NewUUID(), "2026-12-05 10:00:00.000000")
	if p.Get("Direction") != "inbound" || p.Has("ALegUUID") || p.Has("ALegRequestUUID") {
		t.Errorf("PlivoVoice = %v", p)
	}
}
