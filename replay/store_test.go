package replay_test

import (
	"testing"

	"answerurl/replay"
	"answerurl/replay/storetest"
)

func TestMemoryStore(t *testing.T) {
	t.Parallel()
	storetest.Run(t, replay.NewMemory(1000))
}

func TestKey(t *testing.T) {
	k := replay.Key("plivo-v3", "signed", "12345678901234567890")
	if k != replay.Key("plivo-v3", "signed", "12345678901234567890") || k == replay.Key("plivo-v2", "signed", "12345678901234567890") ||
		k == replay.Key("plivo-v3", "/hangup", "12345678901234567890") {
		t.Error("keys of different namespaces or kinds collide, or one value gives two keys")
	}
	if len(k) != len("plivo-v3:signed:")+32 {
		t.Errorf("key %q: want the namespace, the kind and 16 hex bytes", k)
	}
}

// TestStateZero: a State nobody set is no state, never Claimed.
func TestStateZero(t *testing.T) {
	var zero replay.State
	if zero == replay.Claimed || zero.String() != "no state" {
		t.Fatalf("the zero State is %q: it must not read as a claim", zero)
	}
}
