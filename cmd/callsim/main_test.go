package main

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
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
	bin := filepath.Join(dir, "server")
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

// docServer answers each path with its document, unverified.
func docServer(t *testing.T, docs map[string]string) string {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if d, ok := docs[r.URL.Path]; ok {
			io.WriteString(w, d)
			return
		}
		http.Error(w, "denied \x1b]0;pwned\x07\x1b[2J", http.StatusForbidden)
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}

// TestHelp: -h shows every flag with an example.
func TestHelp(t *testing.T) {
	var out, errs bytes.Buffer
	run(context.Background(), []string{"-h"}, noEnv, t.TempDir(), nil, &out, &errs)
	for _, flag := range []string{"answer", "hangup", "fallback", "method", "digits", "from", "to", "dial", "record-length", "hangup-after", "allow-host", "cacert"} {
		i := strings.Index(errs.String(), "  -"+flag+" ")
		if i < 0 {
			t.Errorf("-h lacks -%s:\n%s", flag, errs.String())
			continue
		}
		if help, _, _ := strings.Cut(errs.String()[i+3:], "\n  -"); !strings.Contains(help, "e.g. -"+flag) {
			t.Errorf("-%s has no example: %q", flag, help)
		}
	}
}

// TestScriptedCaller: -digits "" is one GetInput with no input; speech,
// -hangup-after and the hangup to the answer URL by default.
func TestScriptedCaller(t *testing.T) {
	base := docServer(t, map[string]string{
		"/answer": `<Response><GetInput action="/in" inputType="dtmf speech"><Speak>Say or press</Speak></GetInput><Speak>No input</Speak><Wait length="60"/></Response>`,
		"/in":     `<Response><Speak>Got it</Speak></Response>`,
	})
	for _, tt := range []struct {
		args []string
		want []string
	}{
		{[]string{"-digits", ""}, []string{"no input (timeout)", `say  "No input"`, "the caller hangs up at 30s", "  (hangup: Caller, 4000 Normal Hangup)\nPOST " + base + "/answer  200"}},
		{[]string{"-digits", "speech:sales"}, []string{`speech "sales"`, `say  "Got it"`}},
	} {
		var out, errs bytes.Buffer
		args := append([]string{"-answer", base + "/answer", "-token", "t", "-hangup-after", "30s"}, tt.args...)
		if code := run(context.Background(), args, noEnv, t.TempDir(), nil, &out, &errs); code != 0 {
			t.Fatalf("%q: exit %d\n%s%s", tt.args, code, out.String(), errs.String())
		}
		for _, w := range tt.want {
			if !strings.Contains(out.String(), w) {
				t.Errorf("%q: transcript lacks %q:\n%s", tt.args, w, out.String())
			}
		}
	}
}

// TestNetworkBytesEscaped: a refusal's body reaches the terminal with its
// control characters escaped (issue 24, hole 8).
func TestNetworkBytesEscaped(t *testing.T) {
	base := docServer(t, map[string]string{})
	var out, errs bytes.Buffer
	code := run(context.Background(), []string{"-answer", base + "/answer", "-token", "t"}, noEnv, t.TempDir(), nil, &out, &errs)
	if code != 1 || strings.ContainsAny(out.String()+errs.String(), "\x1b\x07") || !strings.Contains(errs.String(), `\x1b]0;pwned`) {
		t.Fatalf("exit %d; want 1 and the bytes escaped:\n%q\n%q", code, out.String(), errs.String())
	}
}

// TestOtherHostRefused: a document naming another host gets no signed
// request, and the transcript says why (issue 24, hole 7); -allow-host
// lets it through.
func TestOtherHostRefused(t *testing.T) {
	other := docServer(t, map[string]string{"/x": `<Response><Speak>Other</Speak></Response>`})
	base := docServer(t, map[string]string{"/answer": `<Response><Redirect>` + other + `/x</Redirect></Response>`})
	var out, errs bytes.Buffer
	args := []string{"-answer", base + "/answer", "-token", "t"}
	if code := run(context.Background(), args, noEnv, t.TempDir(), nil, &out, &errs); code != 1 ||
		!strings.Contains(out.String(), "is not the answer URL's; nothing was signed") || strings.Contains(out.String(), "Other") {
		t.Fatalf("exit %d\n%s%s", code, out.String(), errs.String())
	}
	out.Reset()
	host := strings.TrimPrefix(other, "http://")
	if code := run(context.Background(), append(args, "-allow-host", host), noEnv, t.TempDir(), nil, &out, &errs); code != 0 || !strings.Contains(out.String(), `"Other"`) {
		t.Fatalf("-allow-host: exit %d\n%s", code, out.String())
	}
}

// TestDialCallbackRefused: a Dial's callbackUrl that refuses its event
// leaves the call as it was (Plivo reads no answer from it), and the
// command still exits 1 with the refusal once the call has ended.
func TestDialCallbackRefused(t *testing.T) {
	base := docServer(t, map[string]string{
		"/answer": `<Response><Dial callbackUrl="/events"><Number>14155550199</Number></Dial><Speak>After</Speak></Response>`,
		"/hangup": "ok",
	})
	var out, errs bytes.Buffer
	args := []string{"-answer", base + "/answer", "-hangup", base + "/hangup", "-token", "t"}
	if code := run(context.Background(), args, noEnv, t.TempDir(), nil, &out, &errs); code != 1 ||
		!strings.Contains(out.String(), "dial event  DialAnswer") || !strings.Contains(out.String(), `say  "After"`) ||
		!strings.Contains(out.String(), "POST "+base+"/hangup  200") || !strings.Contains(errs.String(), "/events was refused: 403") {
		t.Fatalf("exit %d\n%s%s", code, out.String(), errs.String())
	}
}
