// This program serves Plivo webhooks (answer, action, hangup and message
// URLs): it verifies the signature on every request and answers with Plivo
// XML (TwiML for Twilio and SignalWire). See README.md.
package main

import (
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
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/gin-gonic/gin"

	"answerurl/handlers"
	"answerurl/internal/tokensource"
	"answerurl/publicurl"
	"answerurl/replay"
	"answerurl/replay/redisstore"
	"answerurl/security"
)

// main runs the server. A GIN_MODE in the environment that Gin does not
// know never gets here: Gin panics on it in its package init (the README
// says so); one in .env is refused by loadConfig, naming the words.
func main() {
	flag.Usage = func() {
		fmt.Fprintf(flag.CommandLine.Output(), `usage: %s [-healthcheck]

Serves Plivo webhooks, verified, on PORT (8080). It is configured by the
environment and ./.env (the environment wins): PLIVO_AUTH_TOKEN, GIN_MODE,
PUBLIC_BASE_URL, REPLAY_STORE and the others of README.md's Configuration
table, or .env.example. With neither PLIVO_AUTH_TOKEN nor
PLIVO_MAIN_AUTH_TOKEN, in development, it makes a token up, keeps it in
./.dev-token for the tools (when it can write it), and says how to use them.

`, filepath.Base(os.Args[0]))
		flag.PrintDefaults()
	}
	healthcheck := flag.Bool("healthcheck", false, "check the server this configuration (environment and .env) describes, at /healthz on its PORT, and exit 0 when it answers 200, else 1")
	flag.Parse()
	if *healthcheck {
		os.Exit(checkHealth(os.Getenv, ".env", os.Stderr))
	}
	gin.SetMode(gin.ReleaseMode) // our own logs say what gin's debug output would
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Getenv, os.Stdout); err != nil {
		fmt.Fprintf(os.Stderr, "%s: %v\n", filepath.Base(os.Args[0]), err)
		os.Exit(1)
	}
}

// checkHealth asks the local server's /healthz, for a container's
// HEALTHCHECK (the image has no shell and no curl): 0 when it answers 200.
// It reads the configuration as the server does, .env included, and
// fails when it is invalid, since no server runs with it.
func checkHealth(getenv func(string) string, dotenvPath string, stderr io.Writer) int {
	cfg, err := loadConfig(getenv, dotenvPath)
	if err != nil {
		fmt.Fprintf(stderr, "healthcheck: configuration:\n%v\n", err)
		return 1
	}
	u := "http://127.0.0.1:" + cfg.Port + "/healthz"
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
	log := slog.New(slog.NewTextHandler(stdout, nil))
	if cfg.LogFormat == "json" {
		log = slog.New(slog.NewJSONHandler(stdout, nil))
	}
	srv, redis, err := newServer(cfg, log)
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
	reportStore(ctx, cfg, redis, log)
	if cfg.GeneratedToken != "" {
		// The signing client reads it from here, so that the README's
		// commands work as pasted; it is gone when the server stops.
		kept := writeDevToken(devTokenFile, cfg.GeneratedToken)
		if kept != nil {
			log.Warn("could not keep the development token in "+devTokenFile+"; give it to the tools as PLIVO_AUTH_TOKEN, or in a file of yours with -token-file", "err", kept)
		} else {
			defer os.Remove(devTokenFile)
		}
		devBanner(stdout, log, cfg, ln.Addr(), kept == nil)
	}
	return serve(ctx, srv, ln, cfg, log)
}

// devTokenFile holds the token a development server made up, while it
// runs: where the tools look for it.
const devTokenFile = tokensource.DevTokenFile

// writeDevToken writes token to path, readable by this user only. It writes
// a new file beside path and renames it into place, so that whatever was at
// path (a stale file of any mode, or a symlink planted there) is replaced,
// never written through.
func writeDevToken(path, token string) error {
	f, err := os.CreateTemp(filepath.Dir(path), ".dev-token-*") // mode 0600, created exclusively
	if err != nil {
		return err
	}
	defer os.Remove(f.Name()) // after a successful rename, there is nothing left to remove
	_, err = f.WriteString(token + "\n")
	if err = errors.Join(err, f.Close()); err != nil {
		return err
	}
	return os.Rename(f.Name(), path)
}

// newServer builds the application's http.Server from its configuration,
// and returns the Redis replay store when it uses one.
func newServer(cfg *Config, log *slog.Logger) (*http.Server, *redisstore.Store, error) {
	var guard *replay.Guard
	var redis *redisstore.Store
	var ready func(context.Context) error
	if cfg.ReplayWindow > 0 {
		guard = &replay.Guard{Store: replay.NewMemory(cfg.ReplayMaxEntries), Window: cfg.ReplayWindow, Lease: cfg.ReplayLease}
		if cfg.ReplayStore != "" {
			r, err := redisstore.New(cfg.ReplayStore, cfg.ReplayKeyPrefix, cfg.ReplayStoreTimeout)
			if err != nil { // go-redis quotes parts of the URL: the password is taken out
				return nil, nil, fmt.Errorf("REPLAY_STORE %s: %s", storeName(cfg), redact(err.Error(), cfg.ReplayStore))
			}
			redisstore.LogTo(log)
			guard.Store, redis, ready = r, r, r.Ping // /readyz pings at most once a second, on a connection of its own
		}
	}
	var tooLong []error // a route's own settings are bounded as the others are
	setting := boundedGetenv(cfg.Setting, &tooLong)
	handler, err := handlers.NewRouter(handlers.Options{
		Plivo:                 security.PlivoTokens{AuthTokens: cfg.AuthTokens, MainAccountTokens: cfg.MainAccountTokens},
		PublicURL:             publicurl.PublicURL{Base: cfg.PublicBaseURL, TrustedProxies: cfg.TrustedProxies},
		MaxBodyBytes:          cfg.MaxBodyBytes,
		Speak:                 cfg.Speak,
		SMSReply:              cfg.SMSReply,
		TwilioAuthTokens:      cfg.TwilioAuthTokens,
		SignalWireSigningKeys: cfg.SignalWireKeys,
		Setting:               setting,
		Replay:                guard,
		Ready:                 ready,
		IVRTransferNumber:     cfg.IVRTransferNumber,
		Log:                   log,
	})
	if err = errors.Join(err, errors.Join(tooLong...)); err != nil {
		return nil, nil, err
	}
	if w := routeInBase(cfg.PublicBaseURL, handler.Routes()); w != "" {
		cfg.Warnings = append(cfg.Warnings, w)
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
	}, redis, nil
}

// reportStore says at start what the replay guard remembers across
// restarts, and warns when its Redis cannot be reached or keeps nothing on
// disk: after a restart that forgets, a captured signature seen before it
// is handled again.
func reportStore(ctx context.Context, cfg *Config, redis *redisstore.Store, log *slog.Logger) {
	switch {
	case cfg.ReplayWindow == 0:
		log.Warn("REPLAY_WINDOW=0: the replay guard is off; a captured request can be replayed, and a retried message is handled twice")
		return
	case redis == nil:
		log.Info("the memory replay store's keys do not survive a restart: a signature seen before one is accepted again after it; set REPLAY_STORE to a Redis with persistence to keep them")
		return
	}
	ctx, cancel := context.WithTimeout(ctx, cfg.ReplayStoreTimeout)
	defer cancel()
	if err := redis.Ping(ctx); err != nil {
		log.Warn("the replay store does not answer: verified callbacks get 503 until it does (Plivo retries a message URL; a voice URL goes to its fallback URL); check REPLAY_STORE", "err", err)
		return
	}
	persistent, err := redis.Persistent(ctx)
	if err != nil {
		log.Debug("could not tell whether Redis keeps its keys on disk (CONFIG GET refused)", "err", err)
		return
	}
	if !persistent {
		log.Warn(`Redis persistence is off (save "" and appendonly no): a Redis restart forgets every replay key, and a signature seen before it is accepted again after it; set appendonly yes (or a save schedule) on that Redis`)
	}
}

// redact takes the password of the Redis URL u out of s.
func redact(s, u string) string {
	_, rest, _ := strings.Cut(u, "://")
	at := strings.LastIndex(rest, "@")
	if at < 0 {
		return s
	}
	if _, password, ok := strings.Cut(rest[:at], ":"); ok && password != "" {
		s = strings.ReplaceAll(s, password, "xxxxx")
	}
	return s
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

// devBanner tells a developer who set no token what was made for them and
// how to send a signed request, once, at start-up: as text on w, or with
// LOG_FORMAT=json as one log line (without the token, which the signing
// client reads from .dev-token), so that every line stays JSON. kept says
// whether .dev-token was written; when it was not, the banner says so.
func devBanner(w io.Writer, log *slog.Logger, cfg *Config, addr net.Addr, kept bool) {
	port := cfg.Port
	if tcp, ok := addr.(*net.TCPAddr); ok {
		port = fmt.Sprint(tcp.Port)
	}
	target := "http://localhost:" + port
	signed := ""
	if cfg.PublicBaseURL != nil {
		signed = " -signed-url " + strings.TrimSuffix(cfg.PublicBaseURL.String(), "/")
	}
	where := "kept\n  in ./" + devTokenFile + " while the server runs, where the signing client finds it:"
	if !kept {
		where = "not kept\n  (./" + devTokenFile + " could not be written): give it to the signing client:"
	}
	if cfg.LogFormat == "json" {
		file := devTokenFile
		if !kept {
			file = "none (" + devTokenFile + " could not be written): set PLIVO_AUTH_TOKEN"
		}
		log.Info("development mode: PLIVO_AUTH_TOKEN is not set, so this run made one up; only requests signed with it are answered",
			"token_file", file, "try", "go run ./cmd/webhook-send speak "+target+handlers.PathSpeak+pathSuffix(signed, handlers.PathSpeak))
		return
	}
	fmt.Fprintf(w, `
  Development mode: PLIVO_AUTH_TOKEN is not set, so this run made one up.
  Only requests signed with it are answered. It is shown this once, and %s

    PLIVO_AUTH_TOKEN=%s

  Send this server a signed voice callback, a menu choice and an SMS:

    go run ./cmd/webhook-send speak %s%s%s
    go run ./cmd/webhook-send speak %s%s%s -param Digits=1
    go run ./cmd/webhook-send sms %s%s%s

  For real calls, set PLIVO_AUTH_TOKEN (and GIN_MODE=release in production).

`, where, cfg.GeneratedToken, target, handlers.PathSpeak, pathSuffix(signed, handlers.PathSpeak),
		target, handlers.PathIVRChoice, pathSuffix(signed, handlers.PathIVRChoice), target, handlers.PathReceiveSMS, pathSuffix(signed, handlers.PathReceiveSMS))
}

func pathSuffix(signedFlag, path string) string {
	if signedFlag == "" {
		return ""
	}
	return signedFlag + path
}
