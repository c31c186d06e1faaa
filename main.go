// Command answerurl is a Plivo answer-URL server: it verifies the signature on
// every webhook and answers with Plivo XML. See README.md.
package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/signal"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/gin-gonic/gin"

	"answerurl/handlers"
	"answerurl/publicurl"
	"answerurl/replay"
	"answerurl/security"
)

func main() {
	healthcheck := flag.Bool("healthcheck", false, "check the server on PORT (of this environment) at /healthz, and exit 0 when it answers 200, else 1")
	flag.Parse()
	if *healthcheck {
		os.Exit(checkHealth(os.Getenv, os.Stderr))
	}
	gin.SetMode(gin.ReleaseMode) // our own logs say what gin's debug output would
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Getenv, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "answerurl:", err)
		os.Exit(1)
	}
}

// checkHealth asks the local server's /healthz, for a container's
// HEALTHCHECK (the image has no shell and no curl): 0 when it answers 200.
func checkHealth(getenv func(string) string, stderr io.Writer) int {
	u := "http://127.0.0.1:" + or(getenv("PORT"), defaultPort) + "/healthz"
	resp, err := (&http.Client{Timeout: 2 * time.Second}).Get(u)
	if err != nil {
		fmt.Fprintln(stderr, "healthcheck:", err)
		return 1
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		fmt.Fprintf(stderr, "healthcheck: %s answered %s\n", u, resp.Status)
		return 1
	}
	return 0
}

// run loads the configuration, serves until ctx is cancelled, then shuts down
// gracefully. Tests call it with their own environment.
func run(ctx context.Context, getenv func(string) string, stdout io.Writer) error {
	cfg, err := loadConfig(getenv, ".env")
	if err != nil {
		return fmt.Errorf("configuration:\n%w", err)
	}
	out := newBatchedWriter(stdout)
	defer out.Flush()
	var log *slog.Logger
	if cfg.LogFormat == "json" {
		log = slog.New(slog.NewJSONHandler(out, nil))
	} else {
		log = slog.New(slog.NewTextHandler(out, nil))
	}
	srv, err := newServer(cfg, log)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", ":"+cfg.Port)
	if err != nil {
		return fmt.Errorf("listen on port %s: %w (set PORT to a free port)", cfg.Port, err)
	}
	log.Info("listening", "addr", ln.Addr().String(), "release", cfg.Release,
		"public_base_url", cfg.publicBaseURLInput, "tokens", len(cfg.AuthTokens), "main_account_tokens", len(cfg.MainAccountTokens),
		"twilio", len(cfg.TwilioAuthTokens) > 0, "signalwire", len(cfg.SignalWireKeys) > 0,
		"replay_window", cfg.ReplayWindow.String(), "replay_lease", cfg.ReplayLease.String(), "replay_store", storeName(cfg))
	for _, w := range cfg.Warnings {
		log.Warn(w)
	}
	if cfg.ReplayWindow == 0 {
		log.Warn("REPLAY_WINDOW=0: the replay guard is off; a captured request can be replayed, and a retried message is handled twice")
	}
	if cfg.GeneratedToken != "" {
		// The signing client reads it from here, so that the README's
		// commands work as pasted; it is gone when the server stops.
		if err := os.WriteFile(devTokenFile, []byte(cfg.GeneratedToken+"\n"), 0o600); err == nil {
			defer os.Remove(devTokenFile)
		}
		printDevBanner(out, cfg, ln.Addr())
	}
	out.Flush()
	go out.flushEvery(ctx, 100*time.Millisecond)
	return serve(ctx, srv, ln, cfg, log)
}

// batchedWriter batches the log's lines: a busy server writes one line per
// callback, and one write call a tick instead of one a line keeps logging
// off the request's cost. Lines wait at most a tick, and the rest is
// written at shutdown.
type batchedWriter struct {
	mu sync.Mutex
	w  *bufio.Writer
}

func newBatchedWriter(w io.Writer) *batchedWriter {
	return &batchedWriter{w: bufio.NewWriterSize(w, 64<<10)}
}

// Write buffers p.
func (b *batchedWriter) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.w.Write(p)
}

// Flush writes what is buffered.
func (b *batchedWriter) Flush() error {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.w.Flush()
}

// flushEvery flushes every tick until ctx is done.
func (b *batchedWriter) flushEvery(ctx context.Context, tick time.Duration) {
	t := time.NewTicker(tick)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			b.Flush()
		}
	}
}

// devTokenFile holds the token a development server made up, while it runs.
const devTokenFile = ".dev-token"

// newServer builds the application's http.Server from its configuration.
func newServer(cfg *Config, log *slog.Logger) (*http.Server, error) {
	var guard *replay.Guard
	var ready func(context.Context) error
	if cfg.ReplayWindow > 0 {
		guard = &replay.Guard{Store: replay.NewMemory(cfg.ReplayMaxEntries), Window: cfg.ReplayWindow, Lease: cfg.ReplayLease}
		if cfg.ReplayStore != "" {
			r, err := replay.NewRedis(cfg.ReplayStore, cfg.ReplayKeyPrefix, cfg.ReplayStoreTimeout)
			if err != nil {
				return nil, err
			}
			replay.LogRedisTo(log)
			guard.Store, ready = r, r.Ping
		}
	}
	handler, err := handlers.NewRouter(handlers.Options{
		Plivo:                 security.PlivoTokens{AuthTokens: cfg.AuthTokens, MainAccountTokens: cfg.MainAccountTokens},
		PublicURL:             publicurl.PublicURL{Base: cfg.PublicBaseURL, TrustedProxies: cfg.TrustedProxies},
		MaxBodyBytes:          cfg.MaxBodyBytes,
		Speak:                 cfg.Speak,
		SMSReply:              cfg.SMSReply,
		TwilioAuthTokens:      cfg.TwilioAuthTokens,
		SignalWireSigningKeys: cfg.SignalWireKeys,
		Replay:                guard,
		Ready:                 ready,
		IVRTransferNumber:     cfg.IVRTransferNumber,
		Log:                   log,
	})
	if err != nil {
		return nil, err
	}
	return &http.Server{
		Handler:           handler,
		ReadHeaderTimeout: cfg.ReadHeaderTimeout,
		ReadTimeout:       cfg.RequestTimeout,
		WriteTimeout:      cfg.RequestTimeout,
		IdleTimeout:       cfg.IdleTimeout,
		MaxHeaderBytes:    cfg.MaxHeaderBytes,
		// "OPTIONS *" goes to the router (405) rather than net/http's 200.
		DisableGeneralOptionsHandler: true,
		ErrorLog:                     slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}, nil
}

// storeName describes the replay store for the log, without its password.
func storeName(cfg *Config) string {
	if cfg.ReplayWindow == 0 {
		return "off"
	}
	if cfg.ReplayStore == "" {
		return fmt.Sprintf("memory (at most %d keys)", cfg.ReplayMaxEntries)
	}
	if u, err := url.Parse(cfg.ReplayStore); err == nil {
		return u.Redacted()
	}
	return "redis (unparsable URL)"
}

// serve runs srv on ln until ctx is done, then stops accepting connections
// and waits up to cfg.ShutdownTimeout for requests in flight to finish.
func serve(ctx context.Context, srv *http.Server, ln net.Listener, cfg *Config, log *slog.Logger) error {
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	log.Info("shutting down", "grace", cfg.ShutdownTimeout.String())
	sctx, cancel := context.WithTimeout(context.Background(), cfg.ShutdownTimeout)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		return fmt.Errorf("shutdown: requests still running after SHUTDOWN_TIMEOUT=%s: %w", cfg.ShutdownTimeout, err)
	}
	if err := <-errc; !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	log.Info("stopped")
	return nil
}

// printDevBanner tells a developer who set no token what was made for them
// and how to send a signed request, once, at start-up.
func printDevBanner(w io.Writer, cfg *Config, addr net.Addr) {
	port := cfg.Port
	if tcp, ok := addr.(*net.TCPAddr); ok {
		port = fmt.Sprint(tcp.Port)
	}
	target := "http://localhost:" + port
	signed := ""
	if cfg.PublicBaseURL != nil {
		signed = " -signed-url " + strings.TrimSuffix(cfg.PublicBaseURL.String(), "/")
	}
	fmt.Fprintf(w, `
  Development mode: PLIVO_AUTH_TOKEN is not set, so this run made one up.
  Only requests signed with it are answered. It is shown this once, and kept
  in ./%s while the server runs, where the signing client finds it:

    PLIVO_AUTH_TOKEN=%s

  Send this server a signed voice callback, a menu choice and an SMS:

    go run ./cmd/webhook-send speak %s/speak/%s
    go run ./cmd/webhook-send speak %s/ivr/choice/%s -param Digits=1
    go run ./cmd/webhook-send sms %s/receive_sms/%s

  For real calls, set PLIVO_AUTH_TOKEN (and GIN_MODE=release in production).

`, devTokenFile, cfg.GeneratedToken, target, pathSuffix(signed, "/speak/"), target, pathSuffix(signed, "/ivr/choice/"),
		target, pathSuffix(signed, "/receive_sms/"))
}

func pathSuffix(signedFlag, path string) string {
	if signedFlag == "" {
		return ""
	}
	return signedFlag + path
}
