package main

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"answerurl/internal/redistest"
	"answerurl/security"
)

// TestReplicaKilledMidRequest: replica A claims a message in the shared
// Redis, then dies (SIGKILL) before it answers. Its claim is a lease: the
// provider's retry to replica B is refused (409) only until the lease ends,
// then handled, well before Plivo's retries give up.
//
// A's Redis connection goes through a relay that passes the claim and holds
// the answer back, so that the kill lands after the claim reached Redis and
// before the answer could.
func TestReplicaKilledMidRequest(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	srv := redistest.Start(t)
	relay := holdAnswers(t, srv.Addr)
	t.Parallel()
	env := []string{"REQUEST_TIMEOUT=1s", "REPLAY_STORE_TIMEOUT=500ms"} // lease: 1s + 500ms + 1s = 2.5s
	a, aLog := startReplica(t, append(env, "REPLAY_STORE=redis://"+relay+"/0"))
	b, bLog := startReplica(t, append(env, "REPLAY_STORE="+srv.URL()))

	form := url.Values{"From": {"14155550100"}, "To": {"14155550111"}, "Text": {"hi"}, "MessageUUID": {"m-killed"}}
	send := func(addr, nonce string) (int, error) {
		sig, _ := security.SignPlivoV2(hostileToken, "http://replicas.example/receive_sms/", nonce)
		req, _ := http.NewRequest("POST", "http://"+addr+"/receive_sms/", strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set(security.HeaderPlivoV2, sig)
		req.Header.Set(security.HeaderPlivoV2Nonce, nonce)
		resp, err := (&http.Client{Timeout: 10 * time.Second}).Do(req)
		if err != nil {
			return 0, err
		}
		resp.Body.Close()
		return resp.StatusCode, nil
	}

	go send(a.addr, "1001") // A claims, then hangs storing its answer
	deadline := time.Now().Add(5 * time.Second)
	for !strings.HasPrefix(srv.Do("DBSIZE"), ":3") { // the signed digest, the MessageUUID and their record
		if time.Now().After(deadline) {
			t.Fatalf("A's claim never reached Redis (%s): %s", srv.Do("DBSIZE"), aLog.String())
		}
		time.Sleep(10 * time.Millisecond)
	}
	killed := time.Now()
	a.cmd.Process.Signal(syscall.SIGKILL)
	a.cmd.Wait()

	// Plivo's retry, with a fresh nonce, to B: in flight while A's lease lasts.
	if code, err := send(b.addr, "1002"); code != http.StatusConflict {
		t.Fatalf("retry during A's lease: %d %v, want 409", code, err)
	}
	for {
		code, err := send(b.addr, fmt.Sprint(1003+time.Since(killed).Milliseconds()))
		if code == http.StatusOK {
			break
		}
		if code != http.StatusConflict || time.Since(killed) > 6*time.Second {
			t.Fatalf("retry %s after the kill: %d %v; want 200 once the 2.5 s lease ends", time.Since(killed), code, err)
		}
		time.Sleep(250 * time.Millisecond)
	}
	if took := time.Since(killed); took < 2*time.Second {
		t.Errorf("handled %s after the kill, before the lease could end", took)
	}
	time.Sleep(300 * time.Millisecond) // the log is written every 100 ms
	if n := strings.Count(bLog.String(), "message received"); n != 1 {
		t.Errorf("B handled the message %d times, want once", n)
	}
}

// replica is one server process.
type replica struct {
	cmd  *exec.Cmd
	addr string
}

func startReplica(t *testing.T, env []string) (*replica, *lockedBuffer) {
	t.Helper()
	cmd := exec.Command(serverBinary(t))
	cmd.Dir = t.TempDir() // no .env there
	cmd.Env = append(append(os.Environ(), "PORT=0", "GIN_MODE=release", "PLIVO_AUTH_TOKEN="+hostileToken,
		"PUBLIC_BASE_URL=http://replicas.example"), env...)
	stdout, _ := cmd.StdoutPipe()
	cmd.Stderr = cmd.Stdout
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	r := &replica{cmd: cmd, addr: scanAddr(bufio.NewScanner(stdout), nil)}
	if r.addr == "" {
		t.Fatal("a replica did not start")
	}
	logs := &lockedBuffer{}
	go io.Copy(logs, stdout)
	return r, logs
}

// holdAnswers relays TCP connections to addr on a loopback port, passing
// everything except a command that stores an answer (it carries the XML):
// that one is held until the connection closes.
func holdAnswers(t *testing.T, addr string) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	t.Cleanup(func() { ln.Close(); wg.Wait() })
	go func() {
		for {
			client, err := ln.Accept()
			if err != nil {
				return
			}
			server, err := net.Dial("tcp", addr)
			if err != nil {
				client.Close()
				continue
			}
			wg.Add(2)
			go func() { defer wg.Done(); io.Copy(client, server); client.Close() }()
			go func() {
				defer wg.Done()
				defer server.Close()
				buf := make([]byte, 64<<10)
				for {
					n, err := client.Read(buf)
					if err != nil {
						return
					}
					if bytes.Contains(buf[:n], []byte("<Response")) {
						io.Copy(io.Discard, client) // held until the connection closes: never reaches Redis
						return
					}
					server.Write(buf[:n])
				}
			}()
		}
	}()
	return ln.Addr().String()
}
