package tokensource

import (
	"flag"
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

// TestFlags: -token-file wins and is read to its first line; -token is
// warned about, since ps shows it; an empty or missing file is an error
// that names the flag.
func TestFlags(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "token")
	os.WriteFile(file, []byte("from-file,older\nignored\n"), 0o600)
	noEnv := func(string) string { return "" }
	parse := func(args ...string) *Flags {
		var f Flags
		fs := flag.NewFlagSet("tool", flag.ContinueOnError)
		f.Register(fs, "PLIVO_AUTH_TOKEN")
		if err := fs.Parse(args); err != nil {
			t.Fatal(err)
		}
		return &f
	}
	var warn strings.Builder
	if tok, src, err := parse("-token-file", file, "-token", "x").Find("PLIVO_AUTH_TOKEN", noEnv, dir, &warn); err != nil || tok != "from-file" || !strings.Contains(src, "-token-file") || warn.Len() != 0 {
		t.Errorf("-token-file: %q %q %v, warned %q", tok, src, err, warn.String())
	}
	if tok, _, err := parse("-token", "from-flag").Find("PLIVO_AUTH_TOKEN", noEnv, dir, &warn); err != nil || tok != "from-flag" || !strings.Contains(warn.String(), "ps") {
		t.Errorf("-token: %q %v, warned %q", tok, err, warn.String())
	}
	os.WriteFile(file, []byte("\n"), 0o600)
	for _, path := range []string{file, filepath.Join(dir, "none")} {
		if _, _, err := parse("-token-file", path).Find("PLIVO_AUTH_TOKEN", noEnv, dir, &warn); err == nil || !strings.Contains(err.Error(), "-token-file") {
			t.Errorf("-token-file %s: %v", path, err)
		}
	}
}
