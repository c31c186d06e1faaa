// Command load measures the signed /speak/ route against a bare Gin route
// under load, over loopback, with wrk (Debian's package): it builds and
// starts the server, serves a bare Gin engine with gin.Logger() answering
// the same bytes, pre-signs distinct callbacks (distinct nonces, so the
// replay guard does its full work), and drives each with wrk in alternating
// slices, so that their ratio is measured in one run.
//
//	cd bench && go run ./load -slices 3 -duration 10s
package main

import (
	"bufio"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"answerurl/internal/callback"
	"answerurl/security"
	"answerurl/xmlresp"
)

const token = "load-test-token"

func main() {
	slices := flag.Int("slices", 3, "alternating wrk runs per route")
	duration := flag.String("duration", "10s", "length of one wrk run")
	conns := flag.Int("c", 16, "wrk connections")
	distinct := flag.Int("distinct", 20000, "distinct signed callbacks; with REPLAY_WINDOW=1s each is claimed afresh when it comes round again")
	flag.Parse()
	if _, err := exec.LookPath("wrk"); err != nil {
		log.Fatal("wrk is not installed: apt-get install wrk")
	}
	dir, err := os.MkdirTemp("", "answerurl-load")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)

	server := startServer(dir)
	defer server.Process.Kill()
	bare := startBare()
	script := filepath.Join(dir, "requests.lua")
	if err := writeScript(script, *distinct); err != nil {
		log.Fatal(err)
	}
	var rates [2][]float64
	for i := 0; i < *slices; i++ {
		for j, addr := range []string{bare, serverAddr} {
			rates[j] = append(rates[j], runWrk(addr, script, *duration, *conns))
		}
	}
	for i := range rates[0] {
		fmt.Printf("slice %d: bare %.0f/s, /speak/ %.0f/s, ratio %.2f\n", i+1, rates[0][i], rates[1][i], rates[1][i]/rates[0][i])
	}
}

var serverAddr string

// startServer builds the server from the parent directory and starts it in
// release mode on a loopback port, its log discarded.
func startServer(dir string) *exec.Cmd {
	bin := filepath.Join(dir, "answerurl")
	build := exec.Command("go", "build", "-o", bin, ".")
	build.Dir, build.Stderr = "..", os.Stderr
	if err := build.Run(); err != nil {
		log.Fatal(err)
	}
	cmd := exec.Command(bin)
	cmd.Dir = dir // no .env there
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "PORT=0", "GIN_MODE=release", "PLIVO_AUTH_TOKEN=" + token,
		"PUBLIC_BASE_URL=http://load.example", "REPLAY_WINDOW=1s", "REPLAY_MAX_ENTRIES=10000000"}
	stdout, _ := cmd.StdoutPipe()
	if err := cmd.Start(); err != nil {
		log.Fatal(err)
	}
	lines := bufio.NewScanner(stdout)
	listening := regexp.MustCompile(`"?addr"?[=:]"?\[?::\]?:(\d+)`)
	for lines.Scan() {
		if m := listening.FindStringSubmatch(lines.Text()); m != nil {
			serverAddr = "127.0.0.1:" + m[1]
			go io.Copy(io.Discard, stdout)
			return cmd
		}
	}
	log.Fatal("the server did not say where it listens")
	return nil
}

// startBare serves a bare Gin engine, as gin.Default() makes it but
// logging nowhere, answering /speak/ with the same bytes.
func startBare() string {
	gin.SetMode(gin.ReleaseMode)
	e := gin.New()
	e.Use(gin.LoggerWithWriter(io.Discard))
	doc := xmlresp.MustRender(xmlresp.Speak{Text: "Hello, from Plivo", Loop: xmlresp.Loop(3)})
	e.POST("/speak/", func(c *gin.Context) { c.Data(http.StatusOK, "application/xml; charset=utf-8", doc) })
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		log.Fatal(err)
	}
	go http.Serve(ln, e)
	return ln.Addr().String()
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

// runWrk drives addr for duration and returns the requests per second; a
// non-2xx answer stops the measurement.
func runWrk(addr, script, duration string, conns int) float64 {
	out, err := exec.Command("wrk", "-t2", "-c"+strconv.Itoa(conns), "-d"+duration, "-s", script, "http://"+addr+"/speak/").CombinedOutput()
	if err != nil {
		log.Fatalf("wrk: %v\n%s", err, out)
	}
	if strings.Contains(string(out), "Non-2xx") {
		log.Fatalf("wrk saw refusals from %s:\n%s", addr, out)
	}
	m := regexp.MustCompile(`Requests/sec:\s+([0-9.]+)`).FindSubmatch(out)
	if m == nil {
		log.Fatalf("wrk printed no rate:\n%s", out)
	}
	rate, _ := strconv.ParseFloat(string(m[1]), 64)
	return rate
}
