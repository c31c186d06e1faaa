// Command load measures the signed /speak/ route against a bare Gin route
// under load, over loopback, with wrk (Debian's package): it builds and
// starts the server, serves a bare Gin engine with gin.Logger() answering
// the same bytes, pre-signs distinct callbacks (distinct nonces, so the
// replay guard does its full work), and drives each with wrk in alternating
// slices, so that their ratios are measured in one run: requests a second,
// and the server's CPU time per request (Linux: /proc and getrusage).
//
//	cd bench && go run ./load -slices 3 -duration 10s
package main

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"log"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/gin-gonic/gin"

	"answerurl/internal/callback"
	"answerurl/security"
	"answerurl/xmlresp"
)

const token = "load-test-token"

// replayWindow is the server's REPLAY_WINDOW (the -window flag).
var replayWindow string

func main() {
	slices := flag.Int("slices", 3, "alternating wrk runs per route")
	duration := flag.String("duration", "10s", "length of one wrk run")
	conns := flag.Int("c", 16, "wrk connections")
	distinct := flag.Int("distinct", 20000, "distinct signed callbacks, sent in turn")
	flag.StringVar(&replayWindow, "window", "500ms", "the server's REPLAY_WINDOW: shorter than the time the callbacks take to come round again, so that each is claimed afresh (0 turns the replay guard off)")
	flag.Parse()
	if err := run(*slices, *duration, *conns, *distinct); err != nil {
		log.Fatal(err)
	}
}

// run measures, and stops the server it started whatever happens.
func run(slices int, duration string, conns, distinct int) error {
	if _, err := exec.LookPath("wrk"); err != nil {
		return errors.New("wrk is not installed: apt-get install wrk")
	}
	dir, err := os.MkdirTemp("", "server-load")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	server, serverAddr, err := startServer(dir)
	if err != nil {
		return err
	}
	defer func() { server.Process.Kill(); server.Wait() }()
	bare, err := startBare()
	if err != nil {
		return err
	}
	script := filepath.Join(dir, "requests.lua")
	if err := writeScript(script, distinct); err != nil {
		return err
	}
	cpu := []func() time.Duration{ownCPU, func() time.Duration { return processCPU(server.Process.Pid) }}
	fmt.Println("slice  bare req/s  /speak/ req/s  ratio   bare CPU/req  /speak/ CPU/req  ratio")
	for i := 0; i < slices; i++ {
		var rate [2]float64
		var perRequest [2]time.Duration
		for j, addr := range []string{bare, serverAddr} {
			before := cpu[j]()
			r, err := runWrk(addr, script, duration, conns)
			if err != nil {
				return err
			}
			rate[j], perRequest[j] = r.rate, (cpu[j]()-before)/time.Duration(r.requests)
		}
		fmt.Printf("%5d  %10.0f  %13.0f  %5.2f   %12s  %15s  %5.2f\n", i+1, rate[0], rate[1], rate[1]/rate[0],
			perRequest[0], perRequest[1], float64(perRequest[1])/float64(perRequest[0]))
	}
	return nil
}

// ownCPU is the CPU time this process (which serves the bare route) has used.
func ownCPU() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// processCPU is the CPU time process pid has used, from /proc (Linux), in
// clock ticks of 10 ms.
func processCPU(pid int) time.Duration {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0
	}
	fields := strings.Fields(string(b[bytes.LastIndexByte(b, ')')+2:])) // after the command name
	utime, _ := strconv.Atoi(fields[11])
	stime, _ := strconv.Atoi(fields[12])
	return time.Duration(utime+stime) * 10 * time.Millisecond
}

// startServer builds the server from the parent directory and starts it in
// release mode on a loopback port, its log written to /dev/null, as the
// bare route's is.
func startServer(dir string) (*exec.Cmd, string, error) {
	bin := filepath.Join(dir, "server")
	build := exec.Command("go", "build", "-o", bin, ".")
	build.Dir, build.Stderr = "..", os.Stderr
	if err := build.Run(); err != nil {
		return nil, "", err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, "", err
	}
	addr := ln.Addr().String()
	ln.Close()
	_, port, _ := net.SplitHostPort(addr)
	cmd := exec.Command(bin)
	cmd.Dir = dir // no .env there
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "PORT=" + port, "GIN_MODE=release", "PLIVO_AUTH_TOKEN=" + token,
		"PUBLIC_BASE_URL=http://load.example", "REPLAY_WINDOW=" + replayWindow, "REPLAY_MAX_ENTRIES=10000000"}
	if cmd.Stdout, err = os.OpenFile(os.DevNull, os.O_WRONLY, 0); err != nil {
		return nil, "", err
	}
	if err := cmd.Start(); err != nil {
		return nil, "", err
	}
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if c, err := net.Dial("tcp", addr); err == nil {
			c.Close()
			return cmd, addr, nil
		}
	}
	cmd.Process.Kill()
	cmd.Wait()
	return nil, "", errors.New("the server did not start listening")
}

// startBare serves a bare Gin engine, as gin.Default() makes it, logging to
// /dev/null, answering /speak/ with the same bytes.
func startBare() (string, error) {
	gin.SetMode(gin.ReleaseMode)
	devNull, err := os.OpenFile(os.DevNull, os.O_WRONLY, 0)
	if err != nil {
		return "", err
	}
	e := gin.New()
	e.Use(gin.LoggerWithWriter(devNull))
	doc := xmlresp.MustRender(xmlresp.Speak{Text: "Hello, from Plivo", Loop: xmlresp.Loop(3)})
	e.POST("/speak/", func(c *gin.Context) { c.Data(http.StatusOK, "application/xml; charset=utf-8", doc) })
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	go http.Serve(ln, e)
	return ln.Addr().String(), nil
}

// writeScript writes a wrk script that sends n distinct signed callbacks
// in turn.
func writeScript(path string, n int) error {
	var b strings.Builder
	b.WriteString("local reqs = {}\n")
	for i := 0; i < n; i++ {
		form := callback.PlivoVoice(fmt.Sprintf("c0ffee00-0000-4000-8000-%012d", i), "2026-11-30 10:00:00.000000")
		nonce := fmt.Sprintf("%020d", i)
		sig, err := security.SignPlivoV3(token, "POST", "http://load.example/speak/", form, nonce)
		if err != nil {
			return err
		}
		fmt.Fprintf(&b, "reqs[%d] = wrk.format('POST', '/speak/', {['Host']='load.example', ['Content-Type']='application/x-www-form-urlencoded', ['X-Plivo-Signature-V3']=%q, ['X-Plivo-Signature-V3-Nonce']=%q}, %q)\n",
			i+1, sig, nonce, form.Encode())
	}
	b.WriteString("local i = 0\nrequest = function()\n  i = i % #reqs + 1\n  return reqs[i]\nend\n")
	b.WriteString("local shown = false\nresponse = function(status, headers, body)\n  if status ~= 200 and not shown then shown = true; print(status, body) end\nend\n")
	return os.WriteFile(path, []byte(b.String()), 0o600)
}

// wrkResult is what a wrk run measured.
type wrkResult struct {
	rate     float64 // requests a second
	requests int
}

// runWrk drives addr for duration; a non-2xx answer stops the measurement.
func runWrk(addr, script, duration string, conns int) (wrkResult, error) {
	out, err := exec.Command("wrk", "-t2", "-c"+strconv.Itoa(conns), "-d"+duration, "-s", script, "http://"+addr+"/speak/").CombinedOutput()
	if err != nil {
		return wrkResult{}, fmt.Errorf("wrk: %v\n%s", err, out)
	}
	if strings.Contains(string(out), "Non-2xx") {
		return wrkResult{}, fmt.Errorf("wrk saw refusals from %s:\n%s", addr, out)
	}
	rate := regexp.MustCompile(`Requests/sec:\s+([0-9.]+)`).FindSubmatch(out)
	requests := regexp.MustCompile(`(\d+) requests in`).FindSubmatch(out)
	if rate == nil || requests == nil {
		return wrkResult{}, fmt.Errorf("wrk printed no rate:\n%s", out)
	}
	var r wrkResult
	r.rate, _ = strconv.ParseFloat(string(rate[1]), 64)
	r.requests, _ = strconv.Atoi(string(requests[1]))
	return r, nil
}
