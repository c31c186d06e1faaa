package main

import (
	"bufio"
	"bytes"
	"encoding/base64"
	"fmt"
	"io"
	"log/slog"
	"math/rand"
	"net"
	"net/http"
	"net/url"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"answerurl/security"
)

const (
	hostileToken     = "hostile-test-auth-token-0123456789"
	hostileMain      = "hostile-test-main-token-9876543210"
	hostileTwilio    = "hostile-test-twilio-token"
	hostileSignalKey = "PSK_hostile-test-signalwire-key"
)

// lockedBuffer collects the server's log lines.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// startServer runs the real server, as main configures it, on a loopback
// port, with every provider enabled and a debug-level log captured.
func startServer(t *testing.T, change func(*Config)) (addr string, logs *lockedBuffer) {
	t.Helper()
	cfg, err := loadConfig(env(map[string]string{
		"PLIVO_AUTH_TOKEN": hostileToken, "PLIVO_MAIN_AUTH_TOKEN": hostileMain, "TWILIO_AUTH_TOKEN": hostileTwilio,
		"SIGNALWIRE_SIGNING_KEY": hostileSignalKey, "MAX_BODY_BYTES": "4096", "GIN_MODE": "release",
	}), "")
	if err != nil {
		t.Fatal(err)
	}
	if change != nil {
		change(cfg)
	}
	logs = &lockedBuffer{}
	srv, _, err := newServer(cfg, slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug})))
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	return ln.Addr().String(), logs
}

// rawExchange writes raw bytes on a fresh connection and reads one response.
func rawExchange(addr string, raw []byte, timeout time.Duration) (*http.Response, error) {
	conn, err := net.DialTimeout("tcp", addr, timeout)
	if err != nil {
		return nil, err
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(timeout))
	if _, err := conn.Write(raw); err != nil {
		// The server may answer and close before reading everything.
		if resp, rerr := http.ReadResponse(bufio.NewReader(conn), nil); rerr == nil {
			return resp, nil
		}
		return nil, err
	}
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		return nil, err
	}
	io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<20))
	resp.Body.Close()
	return resp, nil
}

// hostileRequest generates one malformed or unauthorised request.
func hostileRequest(rng *rand.Rand) []byte {
	pick := func(xs ...string) string { return xs[rng.Intn(len(xs))] }
	method := pick("GET", "POST", "POST", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "HEAD", "TRACE", "CONNECT", "PO ST", "G\x00T", "BREW", strings.Repeat("X", 300))
	path := pick("/speak/", "/speak", "/receive_sms/", "/receive_sms", "/twilio/voice/", "/twilio/sms", "/signalwire/voice/",
		"/signalwire/sms/", "/", "/nope", "/speak/%zz", "/speak/?a=%zz", "/speak/?a=%ff%fe", "/receive_sms/?%", "/speak/?"+strings.Repeat("a=1&", 500),
		"/speak/?bodySHA256=zz", "/../etc/passwd", "*", "/speak/\x00", "//speak//", "/speak/#frag", "/SPEAK/", "/speak/?a=1;b=2")
	bigJSON := strings.Repeat("[", 5000) + strings.Repeat("]", 5000)
	body := pick("", "From=1&To=2", "From=%zz", "a=%", "\xff\xfe\xfd", "From=\x00\x00&To=\x00", "From=1&To=2&"+strings.Repeat("x", 5000),
		`[]`, `"s"`, `null`, `1`, `{`, `{"a":[[1]]}`, `{"a":[{"b":1}]}`, `{"a":[1,"x"]}`, `{"a":1e999}`, `{"From":{"x":[null]}}`, bigJSON,
		`{"From":"1","To":"2"}`, "\x00", strings.Repeat("&", 3000), "=&=&=", "From=1&From=2&To=3")
	ctype := pick("", "application/x-www-form-urlencoded", "application/json", "application/json; charset=utf-8", "text/plain",
		"multipart/form-data; boundary=x", "application/x-www-form-urlencoded; charset=\x7f", ";;;", "application/xml")
	sig := pick("", "", "abc", strings.Repeat("!", 44), base64.StdEncoding.EncodeToString(make([]byte, 31)),
		base64.StdEncoding.EncodeToString(make([]byte, 32)), "a,b,,c", strings.Repeat("A", 8000), "k7Pusd4OxCIjR5IfA9iedDNu/h/gbdYqdzG/MiYtd1c=", "\xff\xfe")
	nonce := pick("", "", "1", strings.Repeat("9", 10000), "\t", "n o n c e")
	sigHeader := pick(security.HeaderPlivoV3, security.HeaderPlivoV2, security.HeaderPlivoMainV3, security.HeaderPlivoMainV2, security.HeaderTwilio, security.HeaderSignalWire)
	nonceHeader := pick(security.HeaderPlivoV3Nonce, security.HeaderPlivoV2Nonce)

	var b bytes.Buffer
	fmt.Fprintf(&b, "%s %s HTTP/1.1\r\nHost: %s\r\nConnection: close\r\n", method, path, pick("localhost", "localhost", "localhost", "localhost", "evil.example", "", "a b", strings.Repeat("h", 300)))
	if ctype != "" {
		fmt.Fprintf(&b, "Content-Type: %s\r\n", ctype)
	}
	if sig != "" {
		fmt.Fprintf(&b, "%s: %s\r\n", sigHeader, sig)
		if rng.Intn(4) == 0 {
			fmt.Fprintf(&b, "%s: %s\r\n", sigHeader, sig) // the header twice
		}
	}
	if nonce != "" || rng.Intn(2) == 0 {
		fmt.Fprintf(&b, "%s: %s\r\n", nonceHeader, nonce)
	}
	switch rng.Intn(12) {
	case 0:
		fmt.Fprintf(&b, "X-Huge: %s\r\n", strings.Repeat("h", 40<<10)) // past MaxHeaderBytes
	case 1:
		fmt.Fprintf(&b, "X-Forwarded-Proto: https\r\nX-Forwarded-Host: %s\r\n", pick("evil.example", "a/b", "\x01"))
	case 2:
		b.WriteString("X-Bad: a\x00b\r\n")
	case 3:
		fmt.Fprintf(&b, "Content-Length: %d\r\n", len(body)) // and again below: duplicate Content-Length
	}
	if rng.Intn(10) == 0 {
		b.WriteString("Transfer-Encoding: chunked\r\n\r\n")
		fmt.Fprintf(&b, "%x\r\n%s\r\n0\r\n\r\n", len(body), body)
		return b.Bytes()
	}
	fmt.Fprintf(&b, "Content-Length: %d\r\n\r\n%s", len(body), body)
	return b.Bytes()
}

// TestHostileInput sends thousands of generated malformed or unauthorised
// requests to the real listening server: every answer is a 4xx (no 5xx, no
// panic, no hang), and the goroutines return to their baseline.
func TestHostileInput(t *testing.T) {
	addr, logs := startServer(t, nil)
	time.Sleep(50 * time.Millisecond)
	baseline := runtime.NumGoroutine()

	const total, workers = 2400, 8
	rng := rand.New(rand.NewSource(8))
	reqs := make([][]byte, total)
	for i := range reqs {
		reqs[i] = hostileRequest(rng)
	}
	statuses := make([]int, total)
	var wg sync.WaitGroup
	next := make(chan int)
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				resp, err := rawExchange(addr, reqs[i], 10*time.Second)
				if err != nil {
					t.Errorf("request %d: no answer (%v):\n%.300q", i, err, reqs[i])
					continue
				}
				statuses[i] = resp.StatusCode
			}
		}()
	}
	for i := range reqs {
		next <- i
	}
	close(next)
	wg.Wait()

	counts := map[int]int{}
	for i, s := range statuses {
		counts[s]++
		if s != 0 && (s < 400 || s > 499) {
			t.Errorf("request %d: status %d, want a 4xx:\n%.300q", i, s, reqs[i])
		}
	}
	t.Logf("%d hostile requests, statuses: %v", total, counts)
	if strings.Contains(logs.String(), "panic") || strings.Contains(logs.String(), "level=ERROR") {
		t.Errorf("the server logged an error or a panic:\n%s", logs)
	}
	deadline := time.Now().Add(10 * time.Second)
	for runtime.NumGoroutine() > baseline+2 && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	if n := runtime.NumGoroutine(); n > baseline+2 {
		t.Errorf("%d goroutines after the storm, baseline %d: something leaked or hangs", n, baseline)
	}
}

// TestSlowClients: connections that dribble their headers or body are dropped
// after the server's timeouts, while other clients are served meanwhile.
func TestSlowClients(t *testing.T) {
	addr, _ := startServer(t, func(c *Config) {
		c.ReadHeaderTimeout = 300 * time.Millisecond
		c.RequestTimeout = time.Second
	})
	dribble := func(prefix string, step time.Duration) <-chan time.Duration {
		done := make(chan time.Duration, 1)
		go func() {
			start := time.Now()
			conn, err := net.Dial("tcp", addr)
			if err != nil {
				done <- -1
				return
			}
			defer conn.Close()
			conn.Write([]byte(prefix))
			for i := 0; i < 200; i++ { // at most 200 steps: the test always ends
				time.Sleep(step)
				if _, err := conn.Write([]byte("a")); err != nil {
					break
				}
				conn.SetReadDeadline(time.Now().Add(time.Millisecond))
				if _, err := conn.Read(make([]byte, 512)); err != nil && !isTimeout(err) {
					break // the server closed it, after a 408 or 400 or without a word
				}
			}
			done <- time.Since(start)
		}()
		return done
	}
	var slow []<-chan time.Duration
	for i := 0; i < 5; i++ {
		slow = append(slow, dribble("POST /speak/ HTTP/1.1\r\nHost: x\r\nX-Slow: ", 50*time.Millisecond))
		slow = append(slow, dribble("POST /speak/ HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 100000\r\n\r\nFrom=", 50*time.Millisecond))
	}
	// Meanwhile a normal client is served at once.
	time.Sleep(100 * time.Millisecond)
	start := time.Now()
	resp, err := http.Get("http://" + addr + "/healthz")
	if err != nil || resp.StatusCode != 200 || time.Since(start) > 500*time.Millisecond {
		t.Fatalf("a normal client during the dribble: %v %v after %s", resp, err, time.Since(start))
	}
	for i, c := range slow {
		select {
		case d := <-c:
			if d < 0 || d > 3*time.Second {
				t.Errorf("slow client %d held its connection for %s", i, d)
			}
		case <-time.After(10 * time.Second):
			t.Fatalf("slow client %d was never dropped", i)
		}
	}
}

func isTimeout(err error) bool {
	ne, ok := err.(net.Error)
	return ok && ne.Timeout()
}

// TestNoSecretsInLogs drives every failure path with real signatures and
// checks that no token and no signature (nor a long piece of one) is logged.
func TestNoSecretsInLogs(t *testing.T) {
	addr, logs := startServer(t, nil)
	base := "http://" + addr
	var sent []string
	do := func(method, path, signedURL string, header map[string]string, form url.Values, v3, v2 bool, tok string) {
		var body io.Reader
		if form != nil {
			body = strings.NewReader(form.Encode())
		}
		req, _ := http.NewRequest(method, base+path, body)
		if form != nil {
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		}
		if v3 {
			sig, _ := security.SignPlivoV3(tok, method, signedURL, form, "77")
			sent = append(sent, sig)
			req.Header.Set(security.HeaderPlivoV3, sig)
			req.Header.Set(security.HeaderPlivoMainV3, sig)
			req.Header.Set(security.HeaderPlivoV3Nonce, "77")
		}
		if v2 {
			sig, _ := security.SignPlivoV2(tok, signedURL, "78")
			sent = append(sent, sig)
			req.Header.Set(security.HeaderPlivoV2, sig)
			req.Header.Set(security.HeaderPlivoV2Nonce, "78")
		}
		for k, v := range header {
			req.Header.Set(k, v)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
	}
	form := url.Values{"From": {"1"}, "To": {"2"}, "MessageUUID": {"m"}}
	do("POST", "/speak/", base+"/speak/", nil, form, true, false, "an-unknown-token")                                          // wrong token
	do("POST", "/speak/", base+"/speak", nil, form, true, false, hostileToken)                                                 // trailing slash
	do("POST", "/speak/", "https://public.example/speak/", nil, form, true, false, hostileToken)                               // host and scheme
	do("POST", "/speak/", base+"/speak/", map[string]string{security.HeaderPlivoV3Nonce: ""}, form, true, false, hostileToken) // no nonce
	do("POST", "/receive_sms/", base+"/speak/", nil, form, false, true, hostileMain)                                           // wrong path, main token
	do("POST", "/receive_sms/", base+"/receive_sms/", nil, form, false, true, hostileToken)                                    // genuine
	do("POST", "/receive_sms/", base+"/receive_sms/", nil, form, false, true, hostileToken)                                    // replay
	do("POST", "/receive_sms/", base+"/receive_sms/", nil, url.Values{"To": {"2"}}, false, true, hostileToken)                 // replay, other body
	sig, _ := security.SignTwilio(hostileTwilio, base+"/twilio/sms/x", form)
	sent = append(sent, sig)
	do("POST", "/twilio/sms/", "", map[string]string{security.HeaderTwilio: sig}, form, false, false, "")
	sig, _ = security.SignSignalWire(hostileSignalKey, base+"/signalwire/sms/x", form)
	sent = append(sent, sig)
	do("POST", "/signalwire/sms/", "", map[string]string{security.HeaderSignalWire: sig}, form, false, false, "")

	out := logs.String()
	if strings.Count(out, "signature rejected") < 6 {
		t.Fatalf("expected the failure paths to log:\n%s", out)
	}
	for _, secret := range append([]string{hostileToken, hostileMain, hostileTwilio, hostileSignalKey}, sent...) {
		for i := 0; i+12 <= len(secret); i++ {
			if piece := secret[i : i+12]; strings.Contains(out, piece) {
				t.Fatalf("the log holds %q, a piece of a secret or signature:\n%s", piece, out)
			}
		}
	}
}
