package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/gin-gonic/gin"

	"answerurl/internal/redistest"
	"answerurl/security"
)

func init() { gin.SetMode(gin.TestMode) }

var listeningAddr = regexp.MustCompile(`msg=listening addr=\S*:(\d+)`)

// scanAddr reads start-up lines until the server says where it listens,
// calling each(line) on every line read; it returns 127.0.0.1:port, or "".
func scanAddr(lines *bufio.Scanner, each func(string)) string {
	for lines.Scan() {
		if each != nil {
			each(lines.Text())
		}
		if m := listeningAddr.FindStringSubmatch(lines.Text()); m != nil {
			return "127.0.0.1:" + m[1]
		}
	}
	return ""
}

func env(kv map[string]string) func(string) string {
	return func(k string) string { return kv[k] }
}

func TestLoadConfig(t *testing.T) {
	cfg, err := loadConfig(env(nil), "no-such-file")
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Port != "8080" || cfg.Release || cfg.GeneratedToken == "" || cfg.AuthTokens[0] != cfg.GeneratedToken ||
		*cfg.Speak.Loop != 3 || cfg.Speak.Text != "Hello, from Plivo" || cfg.MaxBodyBytes != 64<<10 || len(cfg.TrustedProxies) != 2 {
		t.Errorf("defaults: %+v", cfg)
	}
	cfg, err = loadConfig(env(map[string]string{"PLIVO_AUTH_TOKEN": " a, b ,", "PLIVO_MAIN_AUTH_TOKEN": "m", "GIN_MODE": "release",
		"PUBLIC_BASE_URL": "https://x.example", "TRUSTED_PROXIES": "10.0.0.5", "SPEAK_LOOP": "0", "SPEAK_VOICE": "Polly.Joanna"}), "")
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(cfg.AuthTokens, "|") != "a|b" || cfg.MainAccountTokens[0] != "m" || cfg.GeneratedToken != "" ||
		cfg.PublicBaseURL.Host != "x.example" || *cfg.Speak.Loop != 0 || cfg.TrustedProxies[0].String() != "10.0.0.5/32" {
		t.Errorf("set: %+v", cfg)
	}
}

func TestLoadConfigErrors(t *testing.T) {
	tests := []struct {
		env  map[string]string
		want string // the variable the message must name
	}{
		{map[string]string{"GIN_MODE": "release"}, "set PLIVO_AUTH_TOKEN"},
		{map[string]string{"PORT": "http"}, "PORT"},
		{map[string]string{"PUBLIC_BASE_URL": "abc.ngrok-free.app"}, "PUBLIC_BASE_URL"},
		{map[string]string{"TRUSTED_PROXIES": "everyone"}, "TRUSTED_PROXIES"},
		{map[string]string{"MAX_BODY_BYTES": "0"}, "MAX_BODY_BYTES"},
		{map[string]string{"SPEAK_LOOP": "-1"}, "SPEAK_LOOP"},
		{map[string]string{"SPEAK_VOICE": "ROBOT"}, "SPEAK_VOICE"},
		{map[string]string{"SMS_REPLY_TEXT": "a\x00"}, "SMS_REPLY_TEXT"},
		{map[string]string{"SHUTDOWN_TIMEOUT": "soon"}, "SHUTDOWN_TIMEOUT"},
		{map[string]string{"GIN_MODE": "production"}, "GIN_MODE"},
		{map[string]string{"GIN_MODE": "release", "PLIVO_AUTH_TOKEN": "your-auth-token"}, "PLIVO_AUTH_TOKEN"},
		{map[string]string{"GIN_MODE": "release", "PLIVO_AUTH_TOKEN": "..."}, "PLIVO_AUTH_TOKEN"},
		{map[string]string{"GIN_MODE": "release", "PLIVO_AUTH_TOKEN": "<your-auth-token>"}, "PLIVO_AUTH_TOKEN"},
		{map[string]string{"GIN_MODE": "release", "PLIVO_AUTH_TOKEN": "MA1234 # my token"}, "PLIVO_AUTH_TOKEN"},
		{map[string]string{"GIN_MODE": "release", "PLIVO_AUTH_TOKEN": "t", "TWILIO_AUTH_TOKEN": "your_auth_token"}, "TWILIO_AUTH_TOKEN"},
	}
	for _, tt := range tests {
		_, err := loadConfig(env(tt.env), "")
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%v: error %v, want one naming %s", tt.env, err, tt.want)
		}
	}
}

// TestReleaseWithoutPublicURLWarns: in release mode, without PUBLIC_BASE_URL
// the Host header decides which URL is verified; the server says so at
// start-up, and what to set.
func TestReleaseWithoutPublicURLWarns(t *testing.T) {
	warned := func(kv map[string]string) bool {
		cfg, err := loadConfig(env(kv), "")
		if err != nil {
			t.Fatal(err)
		}
		return strings.Contains(strings.Join(cfg.Warnings, "\n"), "set PUBLIC_BASE_URL")
	}
	if !warned(map[string]string{"GIN_MODE": "release", "PLIVO_AUTH_TOKEN": "t"}) {
		t.Error("release mode without PUBLIC_BASE_URL: no warning")
	}
	if warned(map[string]string{"GIN_MODE": "release", "PLIVO_AUTH_TOKEN": "t", "PUBLIC_BASE_URL": "https://a.example"}) ||
		warned(map[string]string{"PLIVO_AUTH_TOKEN": "t"}) {
		t.Error("a warning where PUBLIC_BASE_URL is set, or in development")
	}
}

// TestConfigWarnings: settings that start a development server but are
// probably wrong are warned about, saying what to set: a placeholder
// token, and a route's URL given as PUBLIC_BASE_URL. The documented
// GIN_MODE words are accepted.
func TestConfigWarnings(t *testing.T) {
	tests := []struct {
		name string
		env  map[string]string
		want string // "" for no warning
	}{
		{"placeholder token", map[string]string{"PLIVO_AUTH_TOKEN": "your-auth-token"}, "PLIVO_AUTH_TOKEN holds a placeholder"},
		{"a route as the base", map[string]string{"PUBLIC_BASE_URL": "https://abc.ngrok-free.app/speak/"}, "set PUBLIC_BASE_URL=https://abc.ngrok-free.app"},
		{"a nested route as the base", map[string]string{"PUBLIC_BASE_URL": "https://a.example/hooks/ivr/choice"}, "ends in the route /ivr/choice: every callback will be refused, since the server adds each route's path to the base; set PUBLIC_BASE_URL=https://a.example/hooks"},
		{"a prefix", map[string]string{"PUBLIC_BASE_URL": "https://a.example/hooks/"}, ""},
		{"a real token", map[string]string{"PLIVO_AUTH_TOKEN": "MzQ5ZTU1YjEtNmIyZC00NDU3LWE2"}, ""},
		{"GIN_MODE=test", map[string]string{"GIN_MODE": "test"}, ""},
		{"every IPv4 address trusted", map[string]string{"TRUSTED_PROXIES": "10.0.0.1,0.0.0.0/0"}, "TRUSTED_PROXIES holds 0.0.0.0/0 or ::/0"},
		{"every IPv6 address trusted", map[string]string{"TRUSTED_PROXIES": "::/0"}, "set your proxy's own address or CIDR"},
		{"GIN_MODE=debug", map[string]string{"GIN_MODE": "debug"}, ""},
	}
	for _, tt := range tests {
		cfg, err := loadConfig(env(tt.env), "")
		if err == nil {
			_, _, err = newServer(cfg, slog.New(slog.DiscardHandler)) // warns of a route in PUBLIC_BASE_URL, from the router's routes
		}
		if err != nil {
			t.Errorf("%s: %v", tt.name, err)
			continue
		}
		warnings := strings.Join(cfg.Warnings, "\n")
		if (tt.want == "") != (warnings == "") || !strings.Contains(warnings, tt.want) {
			t.Errorf("%s: warnings %q, want %q", tt.name, warnings, tt.want)
		}
	}
}

// TestGinModeWords: the built server takes Gin's mode words, from the
// environment or from .env, and refuses another word in .env naming
// GIN_MODE and the words; in the environment, Gin itself panics on one in
// its init, before main, as the README says.
func TestGinModeWords(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	checkGinModes(t, serverBinary(t))
}

// checkGinModes runs the server binary bin with each GIN_MODE, in the
// environment and in .env.
func checkGinModes(t *testing.T, bin string) {
	tests := []struct {
		name, environ, dotenv string
		exit                  int    // 0: it starts and is stopped
		want                  string // in its output
	}{
		{"debug in the environment", "GIN_MODE=debug", "", 0, "release=false"},
		{"empty in the environment", "GIN_MODE=", "", 0, "release=false"},
		{"release in the environment", "GIN_MODE=release", "PLIVO_AUTH_TOKEN=t\n", 0, "release=true"},
		{"release in .env", "", "GIN_MODE=release\nPLIVO_AUTH_TOKEN=t\n", 0, "release=true"},
		{"test in .env", "", "GIN_MODE=test\n", 0, "release=false"},
		{"a wrong word in .env", "", "GIN_MODE=development\n", 1, `GIN_MODE="development": set release in production, or debug or test (Gin's words)`},
		{"a wrong word in the environment", "GIN_MODE=development", "", 2, "panic: gin mode unknown: development (available mode: debug release test)"},
	}
	for _, tt := range tests {
		dir := t.TempDir()
		if tt.dotenv != "" {
			os.WriteFile(filepath.Join(dir, ".env"), []byte(tt.dotenv), 0o600)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		cmd := exec.CommandContext(ctx, bin)
		cmd.Dir, cmd.Env = dir, []string{"PORT=0", tt.environ}
		stdout, _ := cmd.StdoutPipe()
		cmd.Stderr = cmd.Stdout
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		var head []string
		addr := scanAddr(bufio.NewScanner(stdout), func(l string) { head = append(head, l) })
		if addr != "" {
			cmd.Process.Signal(syscall.SIGTERM)
		}
		cmd.Wait()
		cancel()
		out := strings.Join(head, "\n")
		if code := cmd.ProcessState.ExitCode(); code != tt.exit || (addr != "") != (tt.exit == 0) || !strings.Contains(out, tt.want) {
			t.Errorf("%s: exit %d, listening %q; want exit %d and %q in:\n%s", tt.name, code, addr, tt.exit, tt.want, out)
		}
	}
}

func TestDotEnv(t *testing.T) {
	path := filepath.Join(t.TempDir(), ".env")
	os.WriteFile(path, []byte("PLIVO_AUTH_TOKEN=from-file\nPORT=9000\n"), 0o600)
	cfg, err := loadConfig(env(map[string]string{"PORT": "9100"}), path)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.AuthTokens[0] != "from-file" || cfg.Port != "9100" {
		t.Errorf("token %q port %q: the file fills gaps, the environment wins", cfg.AuthTokens, cfg.Port)
	}
}

// TestMalformedDotEnv: a .env that cannot be read stops the server (and
// -healthcheck) with the file, the line and what is wrong, never a value;
// one saved with a byte-order mark, as Notepad does, is read as written.
func TestMalformedDotEnv(t *testing.T) {
	const secret = "dotenv-secret-0123456789"
	tests := []struct{ name, data, want string }{
		{"an unclosed quote", "GIN_MODE=release\nPLIVO_AUTH_TOKEN=\"" + secret + "\nREPLAY_STORE=redis://r:6379/0\n", `.env line 2: PLIVO_AUTH_TOKEN: the value opens a " quote`},
		{"a dash in a name", "GIN_MODE=release\nPLIVO-AUTH-TOKEN=" + secret + "\n", `.env line 2: the name holds '-'`},
		{"a stray quote", "PLIVO_AUTH_TOKEN='" + secret + "'x\n", ".env line 1: PLIVO_AUTH_TOKEN: text after the closing ' quote"},
	}
	for _, tt := range tests {
		inCleanDir(t)
		os.WriteFile(".env", []byte(tt.data), 0o600)
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second) // were the file ignored, the server would run
		err := run(ctx, env(map[string]string{"PORT": "0"}), io.Discard)
		cancel()
		if err == nil || !strings.Contains(err.Error(), tt.want) || strings.Contains(err.Error(), secret) {
			t.Errorf("%s: run = %v; want a refusal saying %q, without the value", tt.name, err, tt.want)
		}
		var errs strings.Builder
		if code := checkHealth(env(nil), ".env", &errs); code != 1 || !strings.Contains(errs.String(), tt.want) {
			t.Errorf("%s: -healthcheck exit %d, %q", tt.name, code, errs.String())
		}
	}
	path := filepath.Join(t.TempDir(), ".env")
	os.WriteFile(path, []byte("\uFEFFGIN_MODE=release\r\nPLIVO_AUTH_TOKEN="+secret+"\r\n"), 0o600)
	cfg, err := loadConfig(env(nil), path)
	if err != nil || !cfg.Release || cfg.AuthTokens[0] != secret {
		t.Errorf("a .env with a BOM and CRLF: %v, %+v", err, cfg)
	}
}

// inCleanDir runs the test in an empty directory, so that run, which reads
// ./.env as the server does, never reads the developer's own .env.
func inCleanDir(t *testing.T) { t.Chdir(t.TempDir()) }

func TestRunRefusesReleaseWithoutToken(t *testing.T) {
	inCleanDir(t)
	err := run(context.Background(), env(map[string]string{"GIN_MODE": "release", "PORT": "0"}), io.Discard)
	if err == nil || !strings.Contains(err.Error(), "PLIVO_AUTH_TOKEN") {
		t.Fatalf("run = %v, want a refusal naming PLIVO_AUTH_TOKEN", err)
	}
}

// TestRunDevelopment starts the real server as `go run .` does on a fresh
// clone, reads the token and command it prints, sends a signed request, and
// stops it.
func TestRunDevelopment(t *testing.T) {
	inCleanDir(t)
	ctx, cancel := context.WithCancel(context.Background())
	out, w := io.Pipe()
	done := make(chan error, 1)
	go func() { done <- run(ctx, env(map[string]string{"PORT": "0"}), w); w.Close() }()

	lines := bufio.NewScanner(out)
	var token string
	var sawCommand bool
	addr := scanAddr(lines, nil)
	for (token == "" || !sawCommand) && lines.Scan() { // the banner follows the start-up line
		l := lines.Text()
		if m := regexp.MustCompile(`^\s+PLIVO_AUTH_TOKEN=(\S+)$`).FindStringSubmatch(l); m != nil {
			token = m[1]
		}
		sawCommand = sawCommand || strings.Contains(l, "go run ./cmd/webhook-send speak http://localhost:")
	}
	go io.Copy(io.Discard, out)
	if addr == "" || token == "" || !sawCommand {
		t.Fatalf("start-up output lacks address %q, token %q or command %v", addr, token, sawCommand)
	}

	u := "http://" + addr + "/speak/"
	sig, _ := security.SignPlivoV3(token, "GET", u, nil, "1")
	req, _ := http.NewRequest("GET", u, nil)
	req.Header.Set(security.HeaderPlivoV3, sig)
	req.Header.Set(security.HeaderPlivoV3Nonce, "1")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(body), "<Speak") {
		t.Fatalf("signed request: %d %s", resp.StatusCode, body)
	}
	resp, err = http.Get(u)
	if err != nil || resp.StatusCode != 403 {
		t.Fatalf("unsigned request: %v %v: a development server is never open", resp.StatusCode, err)
	}

	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("run after cancel = %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("run did not return after cancel")
	}
}

// TestStartsWithRedisDown: the server starts when its Redis is unreachable,
// is alive but not ready, and logs the store without its password.
func TestStartsWithRedisDown(t *testing.T) {
	inCleanDir(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	out, w := io.Pipe()
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, env(map[string]string{"PORT": "0", "PLIVO_AUTH_TOKEN": "t",
			"REPLAY_STORE": "redis://app:s3cret-pw@127.0.0.1:1/0", "REPLAY_STORE_TIMEOUT": "200ms"}), w)
		w.Close()
	}()
	var startLine string
	addr := scanAddr(bufio.NewScanner(out), func(l string) { startLine = l })
	go io.Copy(io.Discard, out)
	if addr == "" {
		t.Fatal("the server did not start with Redis down")
	}
	if strings.Contains(startLine, "s3cret-pw") || !strings.Contains(startLine, "redis://app:xxxxx@127.0.0.1:1/0") {
		t.Errorf("start line: %s", startLine)
	}
	for path, want := range map[string]int{"/healthz": 200, "/readyz": 503} {
		resp, err := http.Get("http://" + addr + path)
		if err != nil || resp.StatusCode != want {
			t.Errorf("%s: %v %v, want %d", path, resp.StatusCode, err, want)
		}
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}

// TestEnvExample: .env.example, copied to .env as the README says, loads
// and means the defaults (with a generated development token).
func TestEnvExample(t *testing.T) {
	fromFile, err := loadConfig(env(nil), ".env.example")
	if err != nil {
		t.Fatalf(".env.example does not load: %v", err)
	}
	defaults, _ := loadConfig(env(nil), "no-such-file")
	fromFile.GeneratedToken, defaults.GeneratedToken = "", ""
	fromFile.AuthTokens, defaults.AuthTokens = nil, nil
	if fromFile.Setting("VOICEMAIL_THANKS") != defaults.Setting("VOICEMAIL_THANKS") {
		t.Errorf("VOICEMAIL_THANKS: %q, default %q", fromFile.Setting("VOICEMAIL_THANKS"), defaults.Setting("VOICEMAIL_THANKS"))
	}
	fromFile.Setting, defaults.Setting = nil, nil
	if *fromFile.Speak.Loop != *defaults.Speak.Loop {
		t.Errorf("SPEAK_LOOP: %d, default %d", *fromFile.Speak.Loop, *defaults.Speak.Loop)
	}
	fromFile.Speak.Loop, defaults.Speak.Loop = nil, nil
	if fmt.Sprintf("%+v", fromFile) != fmt.Sprintf("%+v", defaults) {
		t.Errorf(".env.example differs from the defaults:\n%+v\n%+v", fromFile, defaults)
	}
}

// TestJSONLogs: LOG_FORMAT=json makes every log line a JSON object, the
// start-up line and the line of an answered callback alike.
func TestJSONLogs(t *testing.T) {
	inCleanDir(t)
	s := startRun(t, map[string]string{"PORT": "0", "PLIVO_AUTH_TOKEN": "t", "LOG_FORMAT": "json"})
	u := "http://" + s.addr + "/speak/"
	sig, _ := security.SignPlivoV3("t", "GET", u, nil, "99")
	req, _ := http.NewRequest("GET", u, nil)
	req.Header.Set(security.HeaderPlivoV3, sig)
	req.Header.Set(security.HeaderPlivoV3Nonce, "99")
	if resp, err := http.DefaultClient.Do(req); err != nil || resp.StatusCode != 200 {
		t.Fatalf("signed request: %v %v", resp, err)
	}
	var answered struct {
		Msg, Route string
		Status     int
	}
	json.Unmarshal([]byte(s.next(`"msg":"callback answered"`)), &answered)
	if answered.Route != "/speak/" || answered.Status != 200 {
		t.Errorf("callback line: %+v", answered)
	}
	if err := s.stop(); err != nil {
		t.Fatal(err)
	}
	for _, l := range s.seen {
		if json.Unmarshal([]byte(l), new(map[string]any)) != nil {
			t.Errorf("not a JSON line: %q", l)
		}
	}
}

// TestHealthcheck: the server's -healthcheck exits 0 when the local server's
// /healthz answers 200, and 1 when nothing listens.
func TestHealthcheck(t *testing.T) {
	h := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/healthz" {
			io.WriteString(w, "ok\n")
			return
		}
		http.NotFound(w, r)
	}))
	_, port, _ := strings.Cut(strings.TrimPrefix(h.URL, "http://"), ":")
	if code := checkHealth(env(map[string]string{"PORT": port}), "", io.Discard); code != 0 {
		t.Errorf("healthy server: exit %d", code)
	}
	h.Close()
	var errs strings.Builder
	if code := checkHealth(env(map[string]string{"PORT": port}), "", &errs); code != 1 || !strings.Contains(errs.String(), "healthcheck") {
		t.Errorf("no server: exit %d, %q", code, errs.String())
	}
}

// TestHealthcheckReadsDotenv: -healthcheck reads its configuration as the
// server does: with PORT in .env it probes that port, and an invalid
// configuration (no server runs with it) is unhealthy, named.
func TestHealthcheckReadsDotenv(t *testing.T) {
	inCleanDir(t)
	h := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "ok\n") }))
	defer h.Close()
	_, port, _ := strings.Cut(strings.TrimPrefix(h.URL, "http://"), ":")
	os.WriteFile(".env", []byte("PORT="+port+"\n"), 0o600)
	var errs strings.Builder
	if code := checkHealth(env(nil), ".env", &errs); code != 0 {
		t.Errorf("PORT=%s in .env: exit %d, %s", port, code, errs.String())
	}
	errs.Reset()
	os.WriteFile(".env", []byte("PORT="+port+"\nGIN_MODE=release\n"), 0o600) // and no token
	if code := checkHealth(env(nil), ".env", &errs); code != 1 || !strings.Contains(errs.String(), "PLIVO_AUTH_TOKEN") {
		t.Errorf("invalid configuration: exit %d, %q", code, errs.String())
	}
}

// server is run, started by startRun in the current directory.
type server struct {
	t     *testing.T
	addr  string       // 127.0.0.1:port
	lines chan string  // stdout, a line at a time, closed when run returns
	seen  []string     // the lines read so far
	stop  func() error // cancels run and returns its error, once every line is read
}

// startRun starts run with kv as its environment, and reads its stdout
// until it says where it listens. Its stdout is always read, so that the
// server never waits on it.
func startRun(t *testing.T, kv map[string]string) *server {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	out, w := io.Pipe()
	done := make(chan error, 1)
	go func() { done <- run(ctx, env(kv), w); w.Close() }()
	s := &server{t: t, lines: make(chan string, 10000)}
	go func() {
		for sc := bufio.NewScanner(out); sc.Scan(); {
			s.lines <- sc.Text()
		}
		close(s.lines)
	}()
	var once sync.Once
	var err error
	s.stop = func() error {
		once.Do(func() {
			cancel()
			for l := range s.lines {
				s.seen = append(s.seen, l)
			}
			err = <-done
		})
		return err
	}
	t.Cleanup(func() { s.stop() })
	l := s.next("listening")
	if m := listeningAddr.FindStringSubmatch(l); m != nil {
		s.addr = "127.0.0.1:" + m[1]
	} else if strings.HasPrefix(l, "{") {
		var start struct{ Addr string }
		json.Unmarshal([]byte(l), &start)
		s.addr = "127.0.0.1" + start.Addr[strings.LastIndex(start.Addr, ":"):]
	}
	if s.addr == "" {
		t.Fatalf("the server did not say where it listens: %q", s.seen)
	}
	return s
}

// next reads lines until one contains substr, and returns it; "" when
// none does within 10 seconds or before run ends.
func (s *server) next(substr string) string {
	for _, l := range s.seen {
		if strings.Contains(l, substr) {
			return l
		}
	}
	timeout := time.After(10 * time.Second)
	for {
		select {
		case l, ok := <-s.lines:
			if !ok {
				return ""
			}
			s.seen = append(s.seen, l)
			if strings.Contains(l, substr) {
				return l
			}
		case <-timeout:
			return ""
		}
	}
}

// get fetches path from the server and returns its body.
func (s *server) get(path string) (int, string) {
	resp, err := (&http.Client{Timeout: 5 * time.Second}).Get("http://" + s.addr + path)
	if err != nil {
		s.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// TestDevTokenFile: the development token's file is made anew, mode 0600,
// whatever was there: a symlink planted in the directory is replaced, not
// written through, and a stale file of mode 0644 is replaced too. The file
// is gone once the server stops.
func TestDevTokenFile(t *testing.T) {
	for _, plant := range []string{"symlink", "stale 0644 file"} {
		t.Run(plant, func(t *testing.T) {
			inCleanDir(t)
			target := filepath.Join(t.TempDir(), "victim")
			os.WriteFile(target, []byte("precious\n"), 0o644)
			if plant == "symlink" {
				os.Symlink(target, devTokenFile)
			} else {
				os.WriteFile(devTokenFile, []byte("dev-stale\n"), 0o644)
				os.Chmod(devTokenFile, 0o644) // whatever the umask
			}
			s := startRun(t, map[string]string{"PORT": "0"})
			s.next("PLIVO_AUTH_TOKEN=") // the banner follows the file
			fi, err := os.Lstat(devTokenFile)
			if err != nil || !fi.Mode().IsRegular() || fi.Mode().Perm() != 0o600 {
				t.Errorf("%s while running: %v %v, want a regular file of mode 0600", devTokenFile, fi.Mode(), err)
			}
			if b, _ := os.ReadFile(devTokenFile); !strings.HasPrefix(string(b), "dev-") || string(b) == "dev-stale\n" {
				t.Errorf("%s holds %q, want the new token", devTokenFile, b)
			}
			if b, _ := os.ReadFile(target); string(b) != "precious\n" {
				t.Errorf("the symlink's target was written: %q", b)
			}
			if err := s.stop(); err != nil {
				t.Fatal(err)
			}
			if _, err := os.Lstat(devTokenFile); !os.IsNotExist(err) {
				t.Errorf("%s is left after shutdown: %v", devTokenFile, err)
			}
			if left, _ := filepath.Glob(".dev-token-*"); len(left) != 0 {
				t.Errorf("temporary files left: %v", left)
			}
		})
	}
}

// TestDevTokenNotKept: when .dev-token cannot be written (a directory of
// that name here), the warning says what to do instead, and the banner,
// which still shows the token, does not claim the file keeps it.
func TestDevTokenNotKept(t *testing.T) {
	inCleanDir(t)
	os.Mkdir(devTokenFile, 0o700)
	s := startRun(t, map[string]string{"PORT": "0"})
	s.next("webhook-send sms") // the banner's last command
	if err := s.stop(); err != nil {
		t.Fatal(err)
	}
	all := strings.Join(s.seen, "\n")
	if !strings.Contains(all, "could not keep the development token") || !strings.Contains(all, "PLIVO_AUTH_TOKEN=dev-") {
		t.Fatalf("want the warning and the token shown:\n%s", all)
	}
	if strings.Contains(all, "kept\n  in ./"+devTokenFile) || strings.Contains(all, "in ./"+devTokenFile+" while the server runs") {
		t.Errorf("the banner says %s keeps the token, which was not written:\n%s", devTokenFile, all)
	}
}

// TestJSONLogsDevelopment: with LOG_FORMAT=json and no token, every line on
// stdout is a JSON object, the development banner included, and the banner
// says where the token is without printing it.
func TestJSONLogsDevelopment(t *testing.T) {
	inCleanDir(t)
	s := startRun(t, map[string]string{"PORT": "0", "LOG_FORMAT": "json"})
	banner := s.next("development mode")
	token, _ := os.ReadFile(devTokenFile)
	if err := s.stop(); err != nil {
		t.Fatal(err)
	}
	for _, l := range s.seen {
		var obj map[string]any
		if err := json.Unmarshal([]byte(l), &obj); err != nil {
			t.Errorf("not a JSON line: %q", l)
		}
	}
	if banner == "" || !strings.Contains(banner, devTokenFile) || len(token) < 10 || strings.Contains(banner, strings.TrimSpace(string(token))) {
		t.Errorf("banner %q: want the token's file named and the token %q kept out", banner, token)
	}
}

// TestReplayStoreReport: at start, the memory store says its keys do not
// survive a restart; a Redis without persistence is warned about, one with
// it is not; a Redis down at start is warned about, and /readyz then tells
// an anonymous caller the cause without the store's address, which goes to
// the log.
func TestReplayStoreReport(t *testing.T) {
	inCleanDir(t)
	report := func(kv map[string]string) (log, readyz string) {
		kv["PORT"], kv["PLIVO_AUTH_TOKEN"] = "0", "t"
		s := startRun(t, kv)
		_, readyz = s.get("/readyz")
		if err := s.stop(); err != nil {
			t.Fatal(err)
		}
		return strings.Join(s.seen, "\n"), readyz
	}
	if log, _ := report(map[string]string{}); !strings.Contains(log, "do not survive a restart") {
		t.Errorf("memory store: %s", log)
	}
	volatile := redistest.Start(t)
	if log, _ := report(map[string]string{"REPLAY_STORE": volatile.URL()}); !strings.Contains(log, "Redis persistence is off") {
		t.Errorf("Redis without persistence: %s", log)
	}
	durable := redistest.Start(t, "--appendonly", "yes")
	if log, body := report(map[string]string{"REPLAY_STORE": durable.URL()}); strings.Contains(log, "persistence") || body != "ready\n" {
		t.Errorf("Redis with persistence: /readyz %q, log %s", body, log)
	}
	log, body := report(map[string]string{"REPLAY_STORE": "redis://127.0.0.1:1/0", "REPLAY_STORE_TIMEOUT": "200ms"})
	if !strings.Contains(log, "the replay store does not answer") || !strings.Contains(log, "127.0.0.1:1") {
		t.Errorf("Redis down at start: %s", log)
	}
	if body != "not ready: replay store unreachable\n" {
		t.Errorf("/readyz with Redis down: %q, want the cause and nothing more", body)
	}
}
