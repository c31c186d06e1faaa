package tokensource

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestFind: each source in order of precedence, and the error when there
// is none.
func TestFind(t *testing.T) {
	write := func(dir, name, body string) {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	env := func(v string) func(string) string {
		return func(k string) string {
			if k == "PLIVO_AUTH_TOKEN" {
				return v
			}
			return ""
		}
	}
	full := t.TempDir()
	write(full, ".env", "PLIVO_AUTH_TOKEN=from-dotenv,older\n")
	write(full, DevTokenFile, "from-devtoken\n")
	devOnly := t.TempDir()
	write(devOnly, DevTokenFile, "from-devtoken\n")
	tests := []struct {
		name, flag, env, dir, token, source string
	}{
		{"flag", "from-flag", "from-env", full, "from-flag", "-token"},
		{"environment, first of a list", "", "from-env, older", full, "from-env", "environment"},
		{".env", "", "", full, "from-dotenv", ".env"},
		{".dev-token", "", "", devOnly, "from-devtoken", ".dev-token"},
	}
	for _, tt := range tests {
		token, source, err := Find(tt.flag, "PLIVO_AUTH_TOKEN", env(tt.env), tt.dir)
		if err != nil || token != tt.token || !strings.Contains(source, tt.source) {
			t.Errorf("%s: Find = %q, %q, %v; want %q from %s", tt.name, token, source, err, tt.token, tt.source)
		}
	}
	if _, _, err := Find("", "PLIVO_AUTH_TOKEN", env(""), t.TempDir()); err == nil || !strings.Contains(err.Error(), "PLIVO_AUTH_TOKEN") {
		t.Errorf("no source: %v; want an error saying what to set", err)
	}
}
