package main

import (
	"bufio"
	"bytes"
	"context"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"answerurl/callsim"
)

// startServer builds the real server and starts it in release mode on
// loopback, in an empty directory (so it reads no developer's .env). It
// returns its base URL.
func startServer(t *testing.T, token string, env ...string) string {
	t.Helper()
	dir := t.TempDir()
	bin := filepath.Join(dir, "answerurl")
	if out, err := exec.Command("go", "build", "-o", bin, "../..").CombinedOutput(); err != nil { // the module root, whatever its name
		t.Fatalf("go build: %v\n%s", err, out)
	}
	cmd := exec.Command(bin)
	cmd.Dir = dir
	cmd.Env = append([]string{"GIN_MODE=release", "PORT=0", "PLIVO_AUTH_TOKEN=" + token, "IVR_TRANSFER_NUMBER=14155550199"}, env...)
	stdout, _ := cmd.StdoutPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	listening := regexp.MustCompile(`msg=listening addr=\S*:(\d+)`)
	lines := bufio.NewScanner(stdout)
	for lines.Scan() {
		if m := listening.FindStringSubmatch(lines.Text()); m != nil {
			go func() {
				for lines.Scan() {
				}
			}()
			return "http://127.0.0.1:" + m[1]
		}
	}
	t.Fatal("the server did not say where it listens")
	return ""
}

func noEnv(string) string { return "" }

// TestAgainstTheReleaseServer walks the voicemail branch of the real
// server, built and run in release mode, then signs with a wrong token:
// exit 1, with the 403 and the server's reason shown.
func TestAgainstTheReleaseServer(t *testing.T) {
	const token = "release-test-token"
	base := startServer(t, token)
	var out, errs bytes.Buffer
	args := []string{"-answer", base + "/ivr/", "-hangup", base + "/hangup/", "-digits", "3"}
	if code := run(context.Background(), append(args, "-token", token), noEnv, t.TempDir(), nil, &out, &errs); code != 0 {
		t.Fatalf("exit %d\n%s%s", code, out.String(), errs.String())
	}
	for _, want := range []string{
		"signing with the token from the -token flag",
		"POST " + base + "/ivr/  200",
		`say  "Leave a message after the beep, then press the hash key."`,
		"POST " + base + "/ivr/voicemail/  200",
		"POST " + base + "/hangup/  200",
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("transcript lacks %q:\n%s", want, out.String())
		}
	}
	out.Reset()
	errs.Reset()
	if code := run(context.Background(), append(args, "-token", "wrong"), noEnv, t.TempDir(), nil, &out, &errs); code != 1 ||
		!strings.Contains(errs.String(), "403 Forbidden") || !strings.Contains(errs.String(), "signature") {
		t.Fatalf("wrong token: exit %d\n%s%s", code, out.String(), errs.String())
	}
	asksAndFindsTheToken(t, base, token)
}

// asksAndFindsTheToken: with no -digits it asks for each input, and it
// signs with the development server's .dev-token, saying so.
func asksAndFindsTheToken(t *testing.T, base, token string) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, ".dev-token"), []byte(token+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	var out, errs bytes.Buffer
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	code := run(ctx, []string{"-answer", base + "/ivr/"}, noEnv, dir, strings.NewReader("7\n1\n"), &out, &errs)
	if code != 0 || !strings.Contains(out.String(), "the development server's .dev-token") ||
		strings.Count(out.String(), "press digits") != 2 || !strings.Contains(out.String(), "Thanks for calling") {
		t.Fatalf("exit %d\n%s%s", code, out.String(), errs.String())
	}
}

// TestBehindPublicBaseURL: the release server with PUBLIC_BASE_URL, as
// behind a tunnel: callsim signs the public URLs, the requests arrive on
// loopback, and every branch's action URLs are public ones.
func TestBehindPublicBaseURL(t *testing.T) {
	const token, public = "public-test-token", "http://calls.example.com"
	addr := strings.TrimPrefix(startServer(t, token, "PUBLIC_BASE_URL="+public), "http://")
	tunnel := &http.Client{Transport: &http.Transport{
		DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
			return (&net.Dialer{}).DialContext(ctx, "tcp", addr)
		},
	}}
	for _, digits := range [][]string{{"1"}, {"2"}, {"3"}, {""}, {"7", "1"}} {
		res, err := callsim.Call{Client: tunnel, Token: token, AnswerURL: public + "/ivr/", HangupURL: public + "/hangup/",
			Digits: digits}.Run(context.Background())
		if err != nil {
			t.Fatalf("digits %q: %v\n%s", digits, err, strings.Join(res.Lines, "\n"))
		}
		for _, rq := range res.Requests {
			if !strings.HasPrefix(rq.URL, public+"/") || rq.Status != 200 {
				t.Errorf("digits %q: %s %s %d", digits, rq.Method, rq.URL, rq.Status)
			}
		}
	}
}

// TestUsage: a missing -answer, or no token anywhere, is a usage error.
func TestUsage(t *testing.T) {
	var out, errs bytes.Buffer
	if code := run(context.Background(), nil, noEnv, t.TempDir(), nil, &out, &errs); code != 2 {
		t.Errorf("no -answer: exit %d", code)
	}
	if code := run(context.Background(), []string{"-answer", "http://127.0.0.1:1/"}, noEnv, t.TempDir(), nil, &out, &errs); code != 2 ||
		!strings.Contains(errs.String(), "PLIVO_AUTH_TOKEN") {
		t.Errorf("no token: exit %d, %s", code, errs.String())
	}
}
