// Command loadgen drives a real answerurl server on loopback with signed
// callbacks, each with a distinct nonce (so the replay guard does its full
// work), for a bounded time, and reports requests/s, latency percentiles,
// answers by status, and the server's memory before and after.
//
//	go run ./cmd/loadgen                                   # 10 s on /speak/
//	go run ./cmd/loadgen -duration 60s -env REPLAY_WINDOW=10s -check   # the soak
//	go run ./cmd/loadgen -route bare,speak                 # against a bare server, in one run
//
// It builds the server from the module it runs in and starts it (or
// -replicas of it, round-robin), on 127.0.0.1 only, and stops it with SIGTERM.
// The bare route is a baseline that loadgen starts itself, in a process of
// its own: a Gin server that answers the same bytes as /speak/ with no
// verification, so that the difference is what verifying costs.
package main

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/gin-gonic/gin"

	"answerurl/handlers"
	"answerurl/internal/callback"
	"answerurl/security"
	"answerurl/xmlresp"
)

func main() {
	if os.Getenv(bareServerEnv) == "1" {
		os.Exit(serveBare(os.Stdout, os.Stderr))
	}
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// bareServerEnv, set to 1, makes this program the bare baseline server.
const bareServerEnv = "LOADGEN_BARE_SERVER"

type options struct {
	route       string
	rounds      int
	duration    time.Duration
	warmup      time.Duration
	concurrency int
	replicas    int
	env         []string
	variants    []variant
	server      string
	check       bool
	maxGrowth   float64
}

func run(args []string, stdout, stderr io.Writer) int {
	var o options
	fs := flag.NewFlagSet("loadgen", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&o.route, "route", "speak", "what to send: speak (POST /speak/, signed V3), sms (POST /receive_sms/, signed V2) or bare (the same bytes as /speak/ from a bare server with no verification, which loadgen starts); several, comma-separated, are compared in one run, in alternating slices")
	fs.IntVar(&o.rounds, "rounds", 6, "with several routes, how many alternating slices each gets")
	fs.DurationVar(&o.duration, "duration", 10*time.Second, "how long to drive the server (at most 10m)")
	fs.DurationVar(&o.warmup, "warmup", 0, "how long to drive it before measuring (default: a fifth of -duration, at most 10s); for a memory check, several replay windows")
	fs.IntVar(&o.concurrency, "c", 32, "concurrent connections")
	fs.IntVar(&o.replicas, "replicas", 1, "servers to start; requests go round-robin")
	fs.Func("env", "KEY=VALUE for the servers (repeatable), e.g. -env REPLAY_WINDOW=10s", func(s string) error {
		if !strings.Contains(s, "=") {
			return errors.New("want KEY=VALUE")
		}
		o.env = append(o.env, s)
		return nil
	})
	fs.Func("variant", "NAME:KEY=VALUE[,KEY=VALUE...]: start another set of -replicas servers with these settings too, and compare them in the same run, in alternating slices (repeatable), e.g. -variant memory:REPLAY_STORE=memory -variant redis:REPLAY_STORE=redis://127.0.0.1:6379/0", func(s string) error {
		name, env, ok := strings.Cut(s, ":")
		if !ok || name == "" || !strings.Contains(env, "=") {
			return errors.New("want NAME:KEY=VALUE[,KEY=VALUE...]")
		}
		o.variants = append(o.variants, variant{name, strings.Split(env, ",")})
		return nil
	})
	fs.StringVar(&o.server, "server", "", "server binary to start (default: go build the module)")
	fs.BoolVar(&o.check, "check", false, "exit 1 unless every answer is a 200 and memory grows by at most -max-growth after warm-up")
	fs.Float64Var(&o.maxGrowth, "max-growth", 0.10, "with -check, the largest growth of the servers' memory allowed after warm-up, as a fraction")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if o.duration <= 0 || o.duration > 10*time.Minute || o.concurrency < 1 || o.replicas < 1 {
		fmt.Fprintln(stderr, "loadgen: -duration must be in (0, 10m], -c and -replicas at least 1")
		return 2
	}
	if o.warmup == 0 {
		o.warmup = min(o.duration/5, 10*time.Second)
	}
	for _, r := range strings.Split(o.route, ",") {
		if r != "speak" && r != "sms" && r != "bare" {
			fmt.Fprintf(stderr, "loadgen: unknown route %q: use speak, sms or bare\n", r)
			return 2
		}
	}
	res, err := loadTest(o, stderr)
	if err != nil {
		fmt.Fprintln(stderr, "loadgen:", err)
		return 1
	}
	res.print(stdout, o)
	if o.check && !res.ok(o.maxGrowth) {
		fmt.Fprintln(stdout, "CHECK FAILED: errors, unexpected statuses or memory growth")
		return 1
	}
	return 0
}

// variant is a set of servers started with its own settings.
type variant struct {
	name string
	env  []string
}

// target is what one slice of the run drives: a route on a set of servers.
type target struct {
	label   string
	route   string
	servers []*server
}

// server is one started answerurl process.
type server struct {
	name string // its variant, if any
	cmd  *exec.Cmd
	addr string
	out  *strings.Builder
	done chan error
}

// startServers builds (unless given) and starts o.replicas servers for each
// variant, on loopback.
func startServers(o options, token string, stderr io.Writer) ([]*server, error) {
	bin := o.server
	variants := o.variants
	if len(variants) == 0 {
		variants = []variant{{}}
	}
	if bin == "" {
		dir, err := os.MkdirTemp("", "loadgen")
		if err != nil {
			return nil, err
		}
		bin = filepath.Join(dir, "answerurl")
		build := exec.Command("go", "build", "-o", bin, ".")
		build.Dir = moduleRoot()
		if out, err := build.CombinedOutput(); err != nil {
			return nil, fmt.Errorf("go build: %v\n%s", err, out)
		}
	}
	var servers []*server
	for n := 0; n < o.replicas*len(variants); n++ {
		i, v := n, variants[n/o.replicas]
		cmd := exec.Command(bin)
		cmd.Dir = os.TempDir() // no .env
		cmd.Env = append(os.Environ(), "PORT=0", "GIN_MODE=release", "PLIVO_AUTH_TOKEN="+token)
		cmd.Env = append(append(cmd.Env, o.env...), v.env...)
		s, err := start(cmd, v.name)
		if s != nil {
			servers = append(servers, s)
		}
		if err != nil {
			return servers, fmt.Errorf("server %d: %w", i, err)
		}
	}
	return servers, nil
}

// start starts cmd, a server, and waits for the line that says where it listens.
func start(cmd *exec.Cmd, name string) (*server, error) {
	stdout, _ := cmd.StdoutPipe()
	cmd.Stderr = cmd.Stdout
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	s := &server{name: name, cmd: cmd, out: &strings.Builder{}, done: make(chan error, 1)}
	lines := bufio.NewScanner(stdout)
	for s.addr == "" && lines.Scan() {
		s.out.WriteString(lines.Text() + "\n")
		if m := regexp.MustCompile(`msg=listening addr=\S*:(\d+)`).FindStringSubmatch(lines.Text()); m != nil {
			s.addr = "127.0.0.1:" + m[1]
		}
	}
	if s.addr == "" {
		cmd.Process.Kill()
		return s, fmt.Errorf("did not start:\n%s", s.out)
	}
	go func() {
		io.Copy(io.Discard, stdout) // request logs are not kept: a soak would fill memory
		s.done <- cmd.Wait()
	}()
	return s, nil
}

// startBare starts the bare baseline: this program again, as a server.
func startBare() (*server, error) {
	self, err := os.Executable()
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(self)
	cmd.Env = append(os.Environ(), bareServerEnv+"=1")
	return start(cmd, "bare")
}

// serveBare serves POST /bare/speak: the bytes /speak/ answers with the
// default configuration, from a Gin engine with the server's timeouts and
// nothing else, until SIGTERM.
func serveBare(stdout, stderr io.Writer) int {
	gin.SetMode(gin.ReleaseMode)
	doc := xmlresp.MustRender(xmlresp.Speak{Text: "Hello, from Plivo", Loop: xmlresp.Loop(3)})
	engine := gin.New()
	engine.POST("/bare/speak", handlers.StaticXML(doc))
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fmt.Fprintln(stderr, "loadgen:", err)
		return 1
	}
	srv := &http.Server{Handler: engine, ReadHeaderTimeout: 5 * time.Second, ReadTimeout: 15 * time.Second,
		WriteTimeout: 15 * time.Second, IdleTimeout: 60 * time.Second}
	fmt.Fprintf(stdout, "msg=listening addr=%s\n", ln.Addr())
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()
	go srv.Serve(ln)
	<-ctx.Done()
	srv.Shutdown(context.Background())
	return 0
}

// stop sends SIGTERM and waits for a clean exit.
func (s *server) stop() error {
	s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case err := <-s.done:
		return err
	case <-time.After(15 * time.Second):
		s.cmd.Process.Kill()
		return errors.New("did not exit within 15s of SIGTERM")
	}
}

// rssKiB reads a process's resident memory from /proc.
func rssKiB(pid int) int {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0
	}
	m := regexp.MustCompile(`VmRSS:\s+(\d+) kB`).FindSubmatch(b)
	if m == nil {
		return 0
	}
	n, _ := strconv.Atoi(string(m[1]))
	return n
}

func moduleRoot() string {
	out, err := exec.Command("go", "env", "GOMOD").Output()
	if err != nil {
		return "."
	}
	return filepath.Dir(strings.TrimSpace(string(out)))
}

// request is one pre-signed request.
type request struct {
	url, body string
	header    http.Header
}

// signer pre-signs distinct requests ahead of the workers, into a bounded
// queue, so that signing is not on the measured path and memory stays flat.
func signer(ctx context.Context, route string, servers []*server, token string) <-chan request {
	out := make(chan request, 4096)
	go func() {
		defer close(out)
		for i := 0; ; i++ {
			s := servers[i%len(servers)]
			nonce := fmt.Sprintf("%020d", i)
			var r request
			switch route {
			case "sms":
				form := callback.PlivoMessage(fmt.Sprint("load-", i), "load")
				r = request{url: "http://" + s.addr + "/receive_sms/", body: form.Encode(), header: http.Header{}}
				sig, _ := security.SignPlivoV2(token, r.url, nonce)
				r.header.Set(security.HeaderPlivoV2, sig)
				r.header.Set(security.HeaderPlivoV2Nonce, nonce)
			default:
				path := "/speak/"
				if route == "bare" {
					path = "/bare/speak"
				}
				form := voiceForm(i)
				r = request{url: "http://" + s.addr + path, body: form.Encode(), header: http.Header{}}
				sig, _ := security.SignPlivoV3(token, "POST", r.url, form, nonce)
				r.header.Set(security.HeaderPlivoV3, sig)
				r.header.Set(security.HeaderPlivoV3Nonce, nonce)
			}
			r.header.Set("Content-Type", "application/x-www-form-urlencoded")
			select {
			case out <- r:
			case <-ctx.Done():
				return
			}
		}
	}()
	return out
}

// voiceForm is a typical answer_url callback, for call number i.
func voiceForm(i int) url.Values {
	return callback.PlivoVoice(fmt.Sprintf("c0ffee00-0000-4000-8000-%012d", i), "2026-11-25 10:00:00.000000")
}

// result is what was measured for one route.
type result struct {
	requests      int
	elapsed       time.Duration
	latencies     []time.Duration
	statuses      map[int]int
	transportErrs int
}

// measurement is what one invocation measured: each route, and the servers.
type measurement struct {
	targets  []target
	servers  []*server
	results  map[string]*result // by target label
	rssStart []int              // per server, KiB: idle, after warm-up, at the end
	rssWarm  []int
	rssEnd   []int
	rssEvery [][]int // per server, KiB, every 10 s of the measured phase
	exitErrs []error
}

// targets lists what the run drives: the bare server, if asked for, and each
// route on each set of o.replicas servers.
func targets(o options, routes []string, servers, bare []*server) []target {
	var out []target
	if bare != nil {
		out = append(out, target{"bare", "bare", bare})
	}
	for i := 0; i+o.replicas <= len(servers)-len(bare); i += o.replicas {
		set := servers[i : i+o.replicas]
		for _, route := range routes {
			label := route
			if set[0].name != "" {
				label += "@" + set[0].name
			}
			if route != "bare" {
				out = append(out, target{label, route, set})
			}
		}
	}
	return out
}

// sampleMemory records the servers' memory every 10 s until stop is
// closed, to tell a plateau from growth; it closes done when it returns.
func (rn *measurement) sampleMemory(stop <-chan struct{}, done chan<- struct{}) {
	defer close(done)
	rn.rssEvery = make([][]int, len(rn.servers))
	tick := time.NewTicker(10 * time.Second)
	defer tick.Stop()
	for {
		select {
		case <-stop:
			return
		case <-tick.C:
			for i, s := range rn.servers {
				rn.rssEvery[i] = append(rn.rssEvery[i], rssKiB(s.cmd.Process.Pid))
			}
		}
	}
}

func loadTest(o options, stderr io.Writer) (*measurement, error) {
	tokenBytes := make([]byte, 16)
	rand.Read(tokenBytes)
	token := hex.EncodeToString(tokenBytes)
	servers, err := startServers(o, token, stderr)
	defer func() {
		for _, s := range servers {
			if s.cmd.ProcessState == nil {
				s.cmd.Process.Kill()
			}
		}
	}()
	if err != nil {
		return nil, err
	}
	routes := strings.Split(o.route, ",")
	var bare []*server
	if slices.Contains(routes, "bare") {
		s, err := startBare()
		if s != nil {
			servers = append(servers, s)
			bare = []*server{s}
		}
		if err != nil {
			return nil, fmt.Errorf("bare server: %w", err)
		}
	}
	rn := &measurement{results: map[string]*result{}, servers: servers, targets: targets(o, routes, servers, bare)}
	for _, s := range servers {
		rn.rssStart = append(rn.rssStart, rssKiB(s.cmd.Process.Pid))
	}

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	signed := map[string]<-chan request{}
	for _, t := range rn.targets {
		signed[t.label] = signer(ctx, t.route, t.servers, token)
		rn.results[t.label] = &result{statuses: map[int]int{}}
	}
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: o.concurrency, MaxConnsPerHost: o.concurrency}, Timeout: 10 * time.Second}

	for _, t := range rn.targets {
		drive(client, signed[t.label], o.concurrency, o.warmup/time.Duration(len(rn.targets)), nil)
	}
	for _, s := range servers {
		rn.rssWarm = append(rn.rssWarm, rssKiB(s.cmd.Process.Pid))
	}
	sampling, sampled := make(chan struct{}), make(chan struct{})
	go rn.sampleMemory(sampling, sampled)
	rounds := 1
	if len(rn.targets) > 1 {
		rounds = o.rounds
	}
	slice := o.duration / time.Duration(rounds)
	for i := 0; i < rounds; i++ {
		for _, t := range rn.targets {
			drive(client, signed[t.label], o.concurrency, slice, rn.results[t.label])
		}
	}
	close(sampling)
	<-sampled
	for _, s := range servers {
		rn.rssEnd = append(rn.rssEnd, rssKiB(s.cmd.Process.Pid))
	}
	cancel()
	for _, s := range servers {
		rn.exitErrs = append(rn.exitErrs, s.stop())
	}
	return rn, nil
}

// drive sends requests from reqs on n connections for d, adding what it
// measured to res (nil: a warm-up, not measured).
func drive(client *http.Client, reqs <-chan request, n int, d time.Duration, res *result) {
	deadline := time.Now().Add(d)
	var mu sync.Mutex
	var wg sync.WaitGroup
	start := time.Now()
	for w := 0; w < n; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var lat []time.Duration
			statuses := map[int]int{}
			errs := 0
			for time.Now().Before(deadline) {
				r := <-reqs
				req, _ := http.NewRequest("POST", r.url, strings.NewReader(r.body))
				req.Header = r.header
				t0 := time.Now()
				resp, err := client.Do(req)
				if err != nil {
					errs++
					continue
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				lat = append(lat, time.Since(t0))
				statuses[resp.StatusCode]++
			}
			if res != nil {
				mu.Lock()
				res.latencies = append(res.latencies, lat...)
				for k, v := range statuses {
					res.statuses[k] += v
				}
				res.transportErrs += errs
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if res != nil {
		res.elapsed += time.Since(start)
		res.requests = len(res.latencies)
	}
}

func (r *result) percentile(p float64) time.Duration {
	if len(r.latencies) == 0 {
		return 0
	}
	return r.latencies[min(len(r.latencies)-1, int(float64(len(r.latencies))*p))]
}

func (r *measurement) ok(maxGrowth float64) bool {
	for _, res := range r.results {
		if res.transportErrs > 0 || res.statuses[200] != res.requests || res.requests == 0 {
			return false
		}
	}
	for i := range r.rssWarm {
		if float64(r.rssEnd[i]) > float64(r.rssWarm[i])*(1+maxGrowth) || r.exitErrs[i] != nil {
			return false
		}
	}
	return true
}

func (r *measurement) print(w io.Writer, o options) {
	fmt.Fprintf(w, "%d server(s), %d connections, %s after %s warm-up", len(r.servers), o.concurrency, o.duration, o.warmup)
	if len(r.targets) > 1 {
		fmt.Fprintf(w, ", alternating in %d slices", o.rounds)
	}
	fmt.Fprintln(w)
	for _, t := range r.targets {
		route, res := t.label, r.results[t.label]
		slices.Sort(res.latencies)
		var codes []string
		for _, k := range slices.Sorted(mapsKeys(res.statuses)) {
			codes = append(codes, fmt.Sprintf("%d=%d", k, res.statuses[k]))
		}
		fmt.Fprintf(w, "route %-6s requests %d (%.0f/s)  p50 %s  p99 %s  max %s  statuses %s  transport errors %d\n", route,
			res.requests, res.rate(), res.percentile(0.50).Round(time.Microsecond), res.percentile(0.99).Round(time.Microsecond),
			res.percentile(1).Round(time.Microsecond), strings.Join(codes, " "), res.transportErrs)
	}
	first := r.results[r.targets[0].label]
	for _, t := range r.targets[1:] {
		res := r.results[t.label]
		fmt.Fprintf(w, "ratio  %s/%s requests/s %.2f, p99 %.2f\n", t.label, r.targets[0].label,
			res.rate()/first.rate(), float64(res.percentile(0.99))/float64(first.percentile(0.99)))
	}
	for i := range r.rssStart {
		growth := 0.0
		if r.rssWarm[i] > 0 {
			growth = 100 * float64(r.rssEnd[i]-r.rssWarm[i]) / float64(r.rssWarm[i])
		}
		fmt.Fprintf(w, "server %d%s RSS idle %.1f MiB, after warm-up %.1f MiB, at the end %.1f MiB (%+.1f%%); exit %v\n",
			i+1, serverName(r.servers[i]), float64(r.rssStart[i])/1024, float64(r.rssWarm[i])/1024, float64(r.rssEnd[i])/1024, growth, exitText(r.exitErrs[i]))
		if len(r.rssEvery[i]) > 0 {
			var series []string
			for _, kib := range r.rssEvery[i] {
				series = append(series, fmt.Sprintf("%.1f", float64(kib)/1024))
			}
			fmt.Fprintf(w, "server %d%s RSS every 10 s, MiB: %s\n", i+1, serverName(r.servers[i]), strings.Join(series, " "))
		}
	}
}

func (r *result) rate() float64 {
	if r.elapsed == 0 {
		return 0
	}
	return float64(r.requests) / r.elapsed.Seconds()
}

func serverName(s *server) string {
	if s.name == "" {
		return ""
	}
	return " (" + s.name + ")"
}

func exitText(err error) string {
	if err == nil {
		return "0"
	}
	return err.Error()
}

func mapsKeys(m map[int]int) func(func(int) bool) {
	return func(yield func(int) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	}
}
