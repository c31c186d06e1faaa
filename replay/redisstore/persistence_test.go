package redisstore_test

import (
	"context"
	"testing"
	"time"

	"answerurl/internal/redistest"
	"answerurl/replay/redisstore"
)

// TestPersistent: Persistent tells a Redis that keeps its keys on disk
// from one that does not, and fails where CONFIG is refused.
func TestPersistent(t *testing.T) {
	tests := []struct {
		name    string
		args    []string
		want    bool
		wantErr bool
	}{
		{"save and appendonly off", nil, false, false},
		{"appendonly", []string{"--appendonly", "yes"}, true, false},
		{"save schedule", []string{"--save", "3600 1"}, true, false},
		{"CONFIG refused", []string{"--rename-command", "CONFIG", ""}, false, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := redistest.Start(t, tt.args...)
			r, err := redisstore.New(srv.URL(), "answerurl:", time.Second)
			if err != nil {
				t.Fatal(err)
			}
			defer r.Close()
			got, err := r.Persistent(context.Background())
			if got != tt.want || (err != nil) != tt.wantErr {
				t.Errorf("Persistent = %v, %v; want %v, error %v", got, err, tt.want, tt.wantErr)
			}
		})
	}
}
