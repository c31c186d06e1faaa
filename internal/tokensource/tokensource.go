// Package tokensource finds the Plivo auth token a development tool signs
// with, and says where it came from, so that a tool's output can tell a
// developer which token a refused request was signed with.
package tokensource

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/joho/godotenv"
)

// DevTokenFile is where the development server (go run . with no token
// set) keeps the token it made up, while it runs.
const DevTokenFile = ".dev-token"

// Find returns the token to sign with, and its source, from the first of:
// flagValue (a -token flag), PLIVO_AUTH_TOKEN from getenv, PLIVO_AUTH_TOKEN
// in dir/.env, and dir/.dev-token. A comma-separated list (tokens being
// rotated) gives its first token.
func Find(flagValue string, getenv func(string) string, dir string) (token, source string, err error) {
	if flagValue != "" {
		return first(flagValue), "the -token flag", nil
	}
	if v := getenv("PLIVO_AUTH_TOKEN"); v != "" {
		return first(v), "PLIVO_AUTH_TOKEN in the environment", nil
	}
	env, err := godotenv.Read(filepath.Join(dir, ".env"))
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return "", "", fmt.Errorf("read .env: %w (fix it, or pass -token)", err)
	}
	if v := env["PLIVO_AUTH_TOKEN"]; v != "" {
		return first(v), "PLIVO_AUTH_TOKEN in .env", nil
	}
	b, err := os.ReadFile(filepath.Join(dir, DevTokenFile))
	if v := strings.TrimSpace(string(b)); err == nil && v != "" {
		return v, "the development server's " + DevTokenFile, nil
	}
	return "", "", errors.New("no token: pass -token, set PLIVO_AUTH_TOKEN, or start the development server (go run .) in this directory so that it writes " + DevTokenFile)
}

// first is the first token of a comma-separated list.
func first(list string) string {
	t, _, _ := strings.Cut(list, ",")
	return strings.TrimSpace(t)
}
