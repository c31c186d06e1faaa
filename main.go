// Command answerurl is a Plivo answer-URL server: it verifies the signature on
// every webhook and answers with Plivo XML. See README.md.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/gin-gonic/gin"

	"answerurl/handlers"
	"answerurl/replay"
	"answerurl/security"
)

func main() {
	gin.SetMode(gin.ReleaseMode) // our own logs say what gin's debug output would
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Getenv, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "answerurl:", err)
		os.Exit(1)
	}
}

// run loads the configuration, serves until ctx is cancelled, then shuts down
// gracefully. Tests call it with their own environment.
func run(ctx context.Context, getenv func(string) string, stdout io.Writer) error {
	log := slog.New(slog.NewTextHandler(stdout, nil))
	cfg, err := loadConfig(getenv, ".env")
	if err != nil {
		return fmt.Errorf("configuration:\n%w", err)
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
		printDevBanner(stdout, cfg, ln.Addr())
	}
	return serve(ctx, srv, ln, cfg, log)
}

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
			guard.Store, guard.StoreTimeout, ready = r, cfg.ReplayStoreTimeout, r.Ping
		}
	}
	handler, err := handlers.NewRouter(handlers.Options{
		Plivo:                 security.PlivoTokens{AuthTokens: cfg.AuthTokens, MainAccountTokens: cfg.MainAccountTokens},
		PublicURL:             security.PublicURL{Base: cfg.PublicBaseURL, TrustedProxies: cfg.TrustedProxies},
		MaxBodyBytes:          cfg.MaxBodyBytes,
		Speak:                 cfg.Speak,
		SMSReply:              cfg.SMSReply,
		TwilioAuthTokens:      cfg.TwilioAuthTokens,
		SignalWireSigningKeys: cfg.SignalWireKeys,
		Replay:                guard,
		Ready:                 ready,
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
		signed = " --signed-url " + strings.TrimSuffix(cfg.PublicBaseURL.String(), "/")
	}
	fmt.Fprintf(w, `
  Development mode: PLIVO_AUTH_TOKEN is not set, so this run made one up.
  Only requests signed with it are answered. It is shown this once:

    PLIVO_AUTH_TOKEN=%s

  Send a signed voice callback and a signed SMS to this server:

    PLIVO_AUTH_TOKEN=%s go run ./cmd/webhook-send speak %s/speak/%s
    PLIVO_AUTH_TOKEN=%s go run ./cmd/webhook-send sms %s/receive_sms/%s

  For real calls, set PLIVO_AUTH_TOKEN (and GIN_MODE=release in production).

`, cfg.GeneratedToken, cfg.GeneratedToken, target, pathSuffix(signed, "/speak/"), cfg.GeneratedToken, target, pathSuffix(signed, "/receive_sms/"))
}

func pathSuffix(signedFlag, path string) string {
	if signedFlag == "" {
		return ""
	}
	return signedFlag + path
}
