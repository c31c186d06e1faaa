package main

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"answerurl/security"
)

var built struct {
	once sync.Once
	bin  string
	err  error
	out  []byte
}

// TestMain removes the binary serverBinary built, once every test has run.
func TestMain(m *testing.M) {
	code := m.Run()
	if built.bin != "" {
		os.RemoveAll(filepath.Dir(built.bin))
	}
	os.Exit(code)
}

// serverBinary builds the server once for the tests that run it as a
// process, and returns its path.
func serverBinary(t *testing.T) string {
	t.Helper()
	built.once.Do(func() {
		dir, err := os.MkdirTemp("", "server-test")
		if err != nil {
			built.err = err
			return
		}
		built.bin = filepath.Join(dir, "server")
		build := exec.Command("go", "build", "-o", built.bin, ".") // go test puts its own go first on the PATH
		built.out, built.err = build.CombinedOutput()
	})
	if built.err != nil {
		t.Fatalf("build: %v\n%s", built.err, built.out)
	}
	return built.bin
}

// TestGracefulShutdown builds the server, starts it, and sends it SIGTERM
// while requests are in flight: each completes with its normal answer, new
// connections are refused, and the process exits 0 within SHUTDOWN_TIMEOUT.
func TestGracefulShutdown(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	cmd := exec.Command(serverBinary(t))
	cmd.Dir = t.TempDir() // no .env there
	cmd.Env = append(os.Environ(), "PORT=0", "GIN_MODE=release", "PLIVO_AUTH_TOKEN="+hostileToken, "SHUTDOWN_TIMEOUT=5s")
	stdout, _ := cmd.StdoutPipe()
	cmd.Stderr = cmd.Stdout
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill() })
	addr := scanAddr(bufio.NewScanner(stdout), nil)
	var rest strings.Builder
	logDone := make(chan struct{})
	go func() { io.Copy(&rest, stdout); close(logDone) }()
	if addr == "" {
		t.Fatal("the server did not say where it listens")
	}

	// Start requests and stop half-way through their bodies: in flight.
	const inFlight = 4
	type pending struct {
		conn net.Conn
		rest string
	}
	var reqs []pending
	for i := 0; i < inFlight; i++ {
		form := url.Values{"From": {"1"}, "To": {"2"}, "MessageUUID": {fmt.Sprint("m-", i)}}.Encode()
		nonce := fmt.Sprint("shutdown", i)
		sig, _ := security.SignPlivoV2(hostileToken, "http://"+addr+"/receive_sms/", nonce)
		conn, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(conn, "POST /receive_sms/ HTTP/1.1\r\nHost: %s\r\nContent-Type: application/x-www-form-urlencoded\r\n%s: %s\r\n%s: %s\r\nContent-Length: %d\r\n\r\n%s",
			addr, security.HeaderPlivoV2, sig, security.HeaderPlivoV2Nonce, nonce, len(form), form[:len(form)/2])
		reqs = append(reqs, pending{conn, form[len(form)/2:]})
	}
	time.Sleep(200 * time.Millisecond)
	start := time.Now()
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	time.Sleep(300 * time.Millisecond)

	if c, err := net.DialTimeout("tcp", addr, time.Second); err == nil {
		c.Close()
		t.Error("a new connection was accepted after SIGTERM")
	}
	for i, r := range reqs {
		r.conn.SetDeadline(time.Now().Add(5 * time.Second))
		io.WriteString(r.conn, r.rest)
		resp, err := http.ReadResponse(bufio.NewReader(r.conn), nil)
		if err != nil {
			t.Fatalf("in-flight request %d: %v", i, err)
		}
		body, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != 200 || !strings.Contains(string(body), `<Message src="2" dst="1" type="sms">`) {
			t.Errorf("in-flight request %d: %d %s", i, resp.StatusCode, body)
		}
		r.conn.Close()
	}
	done := make(chan error, 1)
	go func() { <-logDone; done <- cmd.Wait() }() // read the last lines before Wait closes the pipe
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("exit: %v", err)
		}
	case <-time.After(7 * time.Second):
		t.Fatal("the server did not exit within its grace period")
	}
	<-logDone
	if took := time.Since(start); took > 5*time.Second {
		t.Errorf("shutdown took %s, longer than SHUTDOWN_TIMEOUT", took)
	}
	if !strings.Contains(rest.String(), "shutting down") || !strings.Contains(rest.String(), "stopped") {
		t.Errorf("log:\n%s", rest.String())
	}
}
