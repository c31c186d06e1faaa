// Package tokensource finds the secret a development tool signs with (a
// Plivo auth token, a Twilio auth token, a SignalWire signing key), and says
// where it came from, so that a tool's output can tell a developer which
// secret a refused request was signed with.
package tokensource

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"answerurl/internal/dotenv"
)

// DevTokenFile is where the development server (go run . with no token
// set) keeps the token it made up, while it runs.
const DevTokenFile = ".dev-token"

// Find returns the secret to sign with, and its source, from the first of:
// flagValue (the -token flag's value), the variable name from getenv, name in
// dir/.env, and, for PLIVO_AUTH_TOKEN, dir/.dev-token. A comma-separated
// list (secrets being rotated) gives its first secret.
func Find(flagValue, name string, getenv func(string) string, dir string) (token, source string, err error) {
	if flagValue != "" {
		return first(flagValue), "the -token flag", nil
	}
	if v := getenv(name); v != "" {
		return first(v), name + " in the environment", nil
	}
	env, err := dotenv.Read(filepath.Join(dir, ".env"))
	if err != nil {
		return "", "", fmt.Errorf("%w (fix it, or set %s in the environment)", err, name)
	}
	if v := env[name]; v != "" {
		return first(v), name + " in .env", nil
	}
	if name != "PLIVO_AUTH_TOKEN" {
		return "", "", fmt.Errorf("no secret: pass -token-file, or set %s (in the environment or .env)", name)
	}
	b, err := os.ReadFile(filepath.Join(dir, DevTokenFile))
	if v := strings.TrimSpace(string(b)); err == nil && v != "" {
		return v, "the development server's " + DevTokenFile, nil
	}
	return "", "", errors.New("no token: pass -token-file, set PLIVO_AUTH_TOKEN, or start the development server (go run .) in this directory so that it writes " + DevTokenFile)
}

// first is the first token of a comma-separated list.
func first(list string) string {
	t, _, _ := strings.Cut(list, ",")
	return strings.TrimSpace(t)
}

// Flags are a tool's -token and -token-file flags. A token on the command
// line is seen by anyone who can list processes (ps): -token-file, or the
// environment, keeps it out of sight, and -token is warned about.
type Flags struct {
	token, file string
}

// Register defines -token and -token-file on fs; name is the variable the
// secret comes from otherwise, for the flags' help.
func (f *Flags) Register(fs *flag.FlagSet, name string) {
	fs.StringVar(&f.file, "token-file", "", "file whose first line is the secret to sign with (default: "+name+" from the environment or .env)")
	fs.StringVar(&f.token, "token", "", "the secret to sign with; shown to anyone who can list processes: prefer -token-file or "+name)
}

// Find returns the secret as [Find] does, from -token-file first, then
// -token (warning on warn that ps shows it), then the other sources.
func (f *Flags) Find(name string, getenv func(string) string, dir string, warn io.Writer) (token, source string, err error) {
	if f.file != "" {
		b, err := os.ReadFile(f.file)
		line, _, _ := strings.Cut(string(b), "\n")
		if t := first(line); err == nil && t != "" {
			return t, "-token-file " + f.file, nil
		}
		if err == nil {
			err = errors.New("its first line is empty")
		}
		return "", "", fmt.Errorf("-token-file: %w", err)
	}
	if f.token != "" {
		fmt.Fprintln(warn, "warning: -token shows the secret to anyone who can list processes (ps); use -token-file, or set "+name)
	}
	return Find(f.token, name, getenv, dir)
}
