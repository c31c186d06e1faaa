package main

import (
	"bytes"
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// secrets are what the server must never print: each token and the
// password of the Redis URL.
var secrets = map[string]string{
	"PLIVO_AUTH_TOKEN":       "SeCrEtPlivo0123456789",
	"PLIVO_MAIN_AUTH_TOKEN":  "SeCrEtMain0123456789",
	"TWILIO_AUTH_TOKEN":      "SeCrEtTwilio0123456789",
	"SIGNALWIRE_SIGNING_KEY": "PSK_SeCrEtSignal0123456789",
	"REPLAY_STORE":           "PaSsWoRd0123456789",
}

// TestNoSecretInErrors feeds the secrets through every error path of the
// configuration: each setting of the README's table (every one the server
// reads) set beyond its bounds, each secret malformed (a placeholder, over
// the length bound), Redis URLs that do not parse or are refused, and .env
// files that cannot be read; in the environment and in .env. No error,
// warning or log line holds a piece of a secret.
func TestNoSecretInErrors(t *testing.T) {
	base := map[string]string{"GIN_MODE": "release"}
	for name, s := range secrets {
		base[name] = s
	}
	base["REPLAY_STORE"] = "redis://app:" + secrets["REPLAY_STORE"] + "@127.0.0.1:1/0"
	var cases []map[string]string
	with := func(name, value string) {
		kv := map[string]string{}
		for k, v := range base {
			kv[k] = v
		}
		kv[name] = value
		cases = append(cases, kv)
	}
	for name := range readmeSettings(t) {
		for _, v := range []string{"nope", "-1", "99999999999", "1ns", "999h", strings.Repeat("x", 5000), "a\x00b"} {
			with(name, v)
		}
	}
	for name, s := range secrets {
		if name != "REPLAY_STORE" {
			with(name, s+" # mine")
			with(name, "<"+s+">")
			with(name, strings.Repeat(s, 300))
		}
	}
	pw := secrets["REPLAY_STORE"]
	for _, u := range []string{"redis://app:" + pw + "/x@h:1/0", "redis://app:" + pw + "%zz@h:1/0", "redis://app:" + pw + "@h:abc/0",
		"http://app:" + pw + "@h:1/0", "redis://app:" + pw + "@h:1/notadb", "redis://app:" + pw + "@h:1/0?dial_timeout=x", "redis://app:" + pw + "@:1/0",
		"redis://app:" + pw + "@h:1/0\x7f"} {
		with("REPLAY_STORE", u)
	}
	for _, kv := range cases {
		checkNoSecret(t, kv, configOutput(kv, ""))
		dir := t.TempDir()
		var dotenv strings.Builder
		for k, v := range kv {
			dotenv.WriteString(k + "='" + strings.ReplaceAll(v, "'", "") + "'\n")
		}
		path := filepath.Join(dir, ".env")
		os.WriteFile(path, []byte(dotenv.String()), 0o600)
		checkNoSecret(t, kv, configOutput(nil, path))
	}
	for name, s := range secrets {
		for _, line := range []string{name + "=\"" + s, name + "='" + s + "'x", strings.ReplaceAll(name, "_", "-") + "=" + s, "\uFEFF" + name + "=" + s + "\n\uFEFF"} {
			path := filepath.Join(t.TempDir(), ".env")
			os.WriteFile(path, []byte("GIN_MODE=release\n"+line+"\nPORT=1\n"), 0o600)
			checkNoSecret(t, map[string]string{"line": line}, configOutput(nil, path))
		}
	}
}

// configOutput is what loading kv (and the .env at path) and starting the
// server print: the error, the warnings, and the start-up log lines.
func configOutput(kv map[string]string, path string) string {
	cfg, err := loadConfig(env(kv), path)
	if err != nil {
		return err.Error()
	}
	var logs bytes.Buffer
	log := slog.New(slog.NewTextHandler(&logs, nil))
	srv, redis, err := newServer(cfg, log)
	if err != nil {
		return err.Error()
	}
	srv.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	reportStore(ctx, cfg, redis, log)
	return strings.Join(cfg.Warnings, "\n") + "\n" + storeName(cfg) + "\n" + logs.String()
}

// checkNoSecret fails when out holds 8 bytes of a secret.
func checkNoSecret(t *testing.T, in map[string]string, out string) {
	t.Helper()
	for _, s := range secrets {
		for i := 0; i+8 <= len(s); i++ {
			if strings.Contains(out, s[i:i+8]) {
				t.Errorf("with %.300q\nthe server prints %q, a piece of a secret:\n%.500s", in, s[i:i+8], out)
				return
			}
		}
	}
}
