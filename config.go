package main

import (
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"net/netip"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/gin-gonic/gin"

	"answerurl/handlers"
	"answerurl/internal/dotenv"
	"answerurl/publicurl"
	"answerurl/xmlresp"
)

// Config is the server's whole configuration, loaded once at start-up from
// the environment (and a .env file, which the environment overrides).
type Config struct {
	// Setting reads any variable as the configuration was read (the
	// environment, then .env): the settings of your own routes.
	Setting            func(name string) string
	Release            bool     // GIN_MODE=release: production rules apply
	Port               string   // PORT
	AuthTokens         []string // PLIVO_AUTH_TOKEN, comma-separated for rotation
	MainAccountTokens  []string // PLIVO_MAIN_AUTH_TOKEN
	TwilioAuthTokens   []string // TWILIO_AUTH_TOKEN: enables /twilio/…
	SignalWireKeys     []string // SIGNALWIRE_SIGNING_KEY: enables /signalwire/…
	GeneratedToken     string   // set when, in development, no token was given
	PublicBaseURL      *url.URL // PUBLIC_BASE_URL
	TrustedProxies     []netip.Prefix
	MaxBodyBytes       int64
	Speak              xmlresp.Speak // SPEAK_TEXT, SPEAK_VOICE, SPEAK_LANGUAGE, SPEAK_LOOP
	SMSReply           string        // SMS_REPLY_TEXT
	ShutdownTimeout    time.Duration // SHUTDOWN_TIMEOUT
	ReplayWindow       time.Duration // REPLAY_WINDOW; 0 turns the guard off
	ReplayMaxEntries   int           // REPLAY_MAX_ENTRIES
	ReplayStore        string        // REPLAY_STORE: "" for memory (unset or "memory"), or a redis:// or rediss:// URL
	ReplayKeyPrefix    string        // REPLAY_KEY_PREFIX
	ReplayStoreTimeout time.Duration // REPLAY_STORE_TIMEOUT: each Redis call
	ReplayLease        time.Duration // how long a claim lasts: RequestTimeout + ReplayStoreTimeout + 1s
	ReadHeaderTimeout  time.Duration
	RequestTimeout     time.Duration // REQUEST_TIMEOUT: read and write timeout of one request
	IdleTimeout        time.Duration
	MaxHeaderBytes     int
	LogFormat          string   // LOG_FORMAT: text (the default) or json
	IVRTransferNumber  string   // IVR_TRANSFER_NUMBER: what /ivr/choice/ dials on 2
	Warnings           []string // settings that work but are probably wrong
	publicBaseURLInput string
}

// Defaults of the settings read here that have one. MAX_BODY_BYTES's is
// handlers.DefaultMaxBodyBytes, TRUSTED_PROXIES's publicurl.Loopback;
// GIN_MODE unset is Gin's debug, REPLAY_STORE unset the memory store;
// SPEAK_VOICE and SPEAK_LANGUAGE unset leave Plivo's defaults; and a
// route's own setting has its default beside its handler (VOICEMAIL_THANKS:
// handlers/voicemail.go).
const (
	defaultPort           = "8080"
	defaultLogFormat      = "text"
	defaultSpeakText      = "Hello, from Plivo"
	defaultSpeakLoop      = 3
	defaultSMSReply       = handlers.DefaultSMSReply
	defaultShutdown       = 10 * time.Second
	defaultReplayWindow   = 15 * time.Minute // Plivo's last retry comes 7 minutes after the first attempt
	defaultReplayMax      = 100_000
	defaultStoreTimeout   = time.Second // well under the 8 seconds Plivo waits for a message URL (40 s for a voice URL)
	defaultRequestTimeout = 15 * time.Second
	defaultKeyPrefix      = "answerurl:"
)

// loadConfig reads the configuration through getenv, falling back to the
// .env file's values for variables the environment does not set. An
// invalid value is an error that names the variable and what to set.
func loadConfig(getenv func(string) string, dotenvPath string) (*Config, error) {
	getenv, err := withDotenv(getenv, dotenvPath)
	if err != nil {
		return nil, err
	}
	var tooLong []error
	getenv = boundedGetenv(getenv, &tooLong)
	c := &Config{
		Setting:           getenv,
		Port:              or(getenv("PORT"), defaultPort),
		Release:           getenv("GIN_MODE") == gin.ReleaseMode,
		AuthTokens:        splitList(getenv("PLIVO_AUTH_TOKEN")),
		MainAccountTokens: splitList(getenv("PLIVO_MAIN_AUTH_TOKEN")),
		TwilioAuthTokens:  splitList(getenv("TWILIO_AUTH_TOKEN")),
		SignalWireKeys:    splitList(getenv("SIGNALWIRE_SIGNING_KEY")),
		ReadHeaderTimeout: 5 * time.Second,
		IdleTimeout:       60 * time.Second,
		MaxHeaderBytes:    32 << 10,
	}
	errs := errors.Join(c.loadTokens(getenv), c.loadServer(getenv), c.loadAnswers(getenv), c.loadReplay(getenv), errors.Join(tooLong...))
	if errs != nil {
		return nil, errs
	}
	// A claim outlives the longest request and its store calls, and ends
	// well before Plivo's first retry (60 s), so that a replica that dies
	// mid-request does not lock its callback out.
	c.ReplayLease = c.RequestTimeout + c.ReplayStoreTimeout + time.Second
	return c, nil
}

// withDotenv returns getenv, falling back to the values of the .env file at
// path when there is one. A file that cannot be opened is an error naming
// it, and a line that cannot be read one naming the line and what is wrong:
// ignoring either would drop GIN_MODE=release, PUBLIC_BASE_URL or
// REPLAY_STORE without a word.
func withDotenv(getenv func(string) string, path string) (func(string) string, error) {
	vars, err := dotenv.Read(path)
	if err != nil {
		return nil, err
	}
	return func(k string) string {
		if v := getenv(k); v != "" {
			return v
		}
		return vars[k]
	}, nil
}

// loadTokens checks GIN_MODE and reads the secrets. In development, with
// no Plivo token, it makes one up.
func (c *Config) loadTokens(getenv func(string) string) error {
	var errs []error
	switch mode := getenv("GIN_MODE"); mode {
	case "", gin.DebugMode, gin.TestMode, gin.ReleaseMode:
	default:
		errs = append(errs, fmt.Errorf("GIN_MODE=%q: set release in production, or debug or test (Gin's words), or leave it empty (debug)", mode))
	}
	secrets := []struct {
		name   string
		values []string
	}{{"PLIVO_AUTH_TOKEN", c.AuthTokens}, {"PLIVO_MAIN_AUTH_TOKEN", c.MainAccountTokens},
		{"TWILIO_AUTH_TOKEN", c.TwilioAuthTokens}, {"SIGNALWIRE_SIGNING_KEY", c.SignalWireKeys}}
	for _, s := range secrets {
		if !slices.ContainsFunc(s.values, placeholder) {
			continue
		}
		msg := s.name + " holds a placeholder (such as your-auth-token, ... or <token>) or a value with spaces: set the secret itself, as your provider's console shows it"
		if c.Release {
			errs = append(errs, errors.New(msg))
		} else {
			c.Warnings = append(c.Warnings, msg)
		}
	}
	if len(c.AuthTokens) == 0 && len(c.MainAccountTokens) == 0 {
		if c.Release {
			errs = append(errs, errors.New("no Plivo token: set PLIVO_AUTH_TOKEN to your auth token (Plivo console, Account > Overview) or unset GIN_MODE=release to develop with a generated one"))
		} else {
			c.GeneratedToken = randomToken()
			c.AuthTokens = []string{c.GeneratedToken}
		}
	}
	return errors.Join(errs...)
}

// placeholder reports whether a secret is an example's stand-in rather
// than a real one: "your-auth-token", "<token>", "...", "xxxx", or a value
// with a space in it. Real tokens are letters, digits and a few symbols.
func placeholder(v string) bool {
	lower := strings.ToLower(v)
	return strings.ContainsAny(v, " \t<>") || strings.Trim(lower, ".*x") == "" ||
		strings.Contains(lower, "your") || strings.Contains(lower, "changeme")
}

// loadServer reads the listener, how the public URL is rebuilt, and the
// server's limits.
func (c *Config) loadServer(getenv func(string) string) error {
	var errs []error
	if p, err := strconv.Atoi(c.Port); err != nil || p < 0 || p > 65535 {
		errs = append(errs, fmt.Errorf("PORT=%q: set a port number such as 8080", c.Port))
	}
	if s := getenv("PUBLIC_BASE_URL"); s != "" {
		c.publicBaseURLInput = s
		u, err := publicurl.ParseBaseURL(s)
		if err != nil {
			errs = append(errs, fmt.Errorf("PUBLIC_BASE_URL: %w", err))
		}
		c.PublicBaseURL = u
	} else if c.Release {
		c.Warnings = append(c.Warnings, "PUBLIC_BASE_URL is not set: the Host header (or X-Forwarded-Host from a trusted proxy) decides which URL is verified, so a callback the same token signed for another of your hosts is accepted here; set PUBLIC_BASE_URL to the URL Plivo calls, e.g. https://answer.example.com")
	}
	c.TrustedProxies = publicurl.Loopback
	if s := getenv("TRUSTED_PROXIES"); s != "" {
		proxies, err := publicurl.ParseTrustedProxies(s)
		if err != nil {
			errs = append(errs, fmt.Errorf("TRUSTED_PROXIES: %w", err))
		}
		c.TrustedProxies = proxies
	}
	proxies := c.TrustedProxies
	if slices.ContainsFunc(proxies, func(p netip.Prefix) bool { return p.Bits() == 0 }) {
		c.Warnings = append(c.Warnings, "TRUSTED_PROXIES holds 0.0.0.0/0 or ::/0: every client's X-Forwarded-Host and X-Forwarded-Proto are believed, so any sender picks the URL that is verified; set your proxy's own address or CIDR, or PUBLIC_BASE_URL")
	}
	var err error
	c.MaxBodyBytes, err = wholeNumber(getenv, "MAX_BODY_BYTES", 1, maxBodyBytes, handlers.DefaultMaxBodyBytes)
	errs = append(errs, err)
	c.ShutdownTimeout, err = duration(getenv, "SHUTDOWN_TIMEOUT", 0, 10*time.Minute, defaultShutdown)
	errs = append(errs, err)
	c.RequestTimeout, err = duration(getenv, "REQUEST_TIMEOUT", time.Millisecond, 30*time.Second, defaultRequestTimeout)
	errs = append(errs, err)
	switch c.LogFormat = or(getenv("LOG_FORMAT"), defaultLogFormat); c.LogFormat {
	case "text", "json":
	default:
		errs = append(errs, fmt.Errorf("LOG_FORMAT=%q: set text or json", c.LogFormat))
	}
	return errors.Join(errs...)
}

// routeInBase warns when PUBLIC_BASE_URL holds a route's path (a route's
// full URL pasted as the base, such as https://abc.ngrok-free.app/speak/),
// naming the base without it; routes are the router's. No base, no warning.
func routeInBase(u *url.URL, routes []handlers.Route) string {
	if u == nil {
		return ""
	}
	if route, base := cutRoute(u, routes); route != "" {
		return fmt.Sprintf("PUBLIC_BASE_URL ends in the route %s: every callback will be refused, since the server adds each route's path to the base; set PUBLIC_BASE_URL=%s", route, base)
	}
	return ""
}

// cutRoute finds where a route's path starts in u's path, by the routes'
// first segments: it returns the path from there and the base before it,
// or "" when there is none.
func cutRoute(u *url.URL, routes []handlers.Route) (route, base string) {
	firsts := make([]string, 0, len(routes))
	for _, r := range routes {
		firsts = append(firsts, strings.Split(r.Path, "/")[1])
	}
	segments := strings.Split(u.Path, "/")
	for i, s := range segments {
		if s != "" && slices.Contains(firsts, s) {
			b := *u
			b.Path = strings.Join(segments[:i], "/")
			return "/" + strings.Join(segments[i:], "/"), strings.TrimSuffix(b.String(), "/")
		}
	}
	return "", ""
}

// loadAnswers reads what the routes answer.
func (c *Config) loadAnswers(getenv func(string) string) error {
	var errs []error
	var err error
	c.SMSReply, err = text(getenv, "SMS_REPLY_TEXT", defaultSMSReply, 1600)
	errs = append(errs, err)
	c.IVRTransferNumber = getenv("IVR_TRANSFER_NUMBER")
	c.Speak = xmlresp.Speak{Voice: getenv("SPEAK_VOICE"), Language: getenv("SPEAK_LANGUAGE")}
	// 3000 bytes, even escaped six times over, keep /speak/'s document far
	// below the 64 KiB answer the replay guard stores.
	c.Speak.Text, err = text(getenv, "SPEAK_TEXT", defaultSpeakText, 3000)
	errs = append(errs, err)
	loop, err := wholeNumber(getenv, "SPEAK_LOOP", 0, 100, defaultSpeakLoop)
	errs = append(errs, err)
	c.Speak.Loop = xmlresp.Loop(int(loop))
	if _, err := xmlresp.Render(c.Speak); err != nil {
		errs = append(errs, fmt.Errorf("SPEAK_TEXT, SPEAK_VOICE, SPEAK_LANGUAGE or SPEAK_LOOP: %w", err))
	}
	if _, err := xmlresp.Render(xmlresp.Message{Src: "1", Dst: "2", Text: c.SMSReply}); err != nil {
		errs = append(errs, fmt.Errorf("SMS_REPLY_TEXT: %w", err))
	}
	if n := c.IVRTransferNumber; n != "" {
		if _, err := xmlresp.Render(xmlresp.Dial{Targets: []xmlresp.Verb{xmlresp.Number{Digits: n}}}); err != nil {
			errs = append(errs, fmt.Errorf("IVR_TRANSFER_NUMBER: %w", err))
		}
	}
	return errors.Join(errs...)
}

// loadReplay reads the replay guard's window, store and bounds.
func (c *Config) loadReplay(getenv func(string) string) error {
	var errs []error
	var err error
	c.ReplayWindow, err = duration(getenv, "REPLAY_WINDOW", 0, 168*time.Hour, defaultReplayWindow)
	errs = append(errs, err)
	if c.ReplayWindow > 0 && c.ReplayWindow < time.Millisecond { // Redis would round it to PX 0
		errs = append(errs, fmt.Errorf("REPLAY_WINDOW=%s: set 0 (the guard off) or a duration from 1ms to 168h", c.ReplayWindow))
	}
	if c.ReplayWindow > 0 && c.ReplayWindow < 8*time.Minute {
		c.Warnings = append(c.Warnings, fmt.Sprintf("REPLAY_WINDOW=%s is shorter than Plivo's retries (the last comes 7 minutes after the first attempt): a late retry is handled twice and a replay after the window gets through; set at least 8m", c.ReplayWindow))
	}
	maxEntries, err := wholeNumber(getenv, "REPLAY_MAX_ENTRIES", 1, 10_000_000, defaultReplayMax)
	c.ReplayMaxEntries = int(maxEntries)
	errs = append(errs, err)
	c.ReplayStore = getenv("REPLAY_STORE")
	if c.ReplayStore == "memory" {
		c.ReplayStore = ""
	}
	errs = append(errs, checkStoreURL(c.ReplayStore))
	c.ReplayKeyPrefix, err = text(getenv, "REPLAY_KEY_PREFIX", defaultKeyPrefix, 64)
	errs = append(errs, err)
	c.ReplayStoreTimeout, err = duration(getenv, "REPLAY_STORE_TIMEOUT", time.Millisecond, 3*time.Second, defaultStoreTimeout)
	errs = append(errs, err)
	return errors.Join(errs...)
}

// checkStoreURL checks REPLAY_STORE. Its messages never show the URL, nor
// url.Parse's error, which quotes it: it may hold a password.
func checkStoreURL(s string) error {
	if s == "" {
		return nil
	}
	u, err := url.Parse(s)
	if err != nil {
		return errors.New("REPLAY_STORE is not a valid URL (not shown: it may hold a password): write redis://user:password@host:6379/0, with characters such as / ? # @ : % in the password percent-encoded (%2F for /)")
	}
	if (u.Scheme != "redis" && u.Scheme != "rediss") || u.Host == "" {
		return errors.New("REPLAY_STORE: set memory (the default) or a Redis URL such as redis://127.0.0.1:6379/0 (rediss:// for TLS)")
	}
	return nil
}

func or(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// splitList splits a comma-separated list, dropping blanks and spaces.
func splitList(s string) []string {
	var out []string
	for _, f := range strings.Split(s, ",") {
		if f = strings.TrimSpace(f); f != "" {
			out = append(out, f)
		}
	}
	return out
}

// wholeNumber reads an integer setting from min to max.
func wholeNumber(getenv func(string) string, name string, min, max, def int64) (int64, error) {
	s := getenv(name)
	if s == "" {
		return def, nil
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n < min || n > max {
		return def, fmt.Errorf("%s=%q: set a whole number from %d to %d", name, s, min, max)
	}
	return n, nil
}

// duration reads a duration setting from min to max.
func duration(getenv func(string) string, name string, min, max, def time.Duration) (time.Duration, error) {
	s := getenv(name)
	if s == "" {
		return def, nil
	}
	d, err := time.ParseDuration(s)
	if err != nil || d < min || d > max {
		return def, fmt.Errorf("%s=%q: set a duration from %s to %s, such as %s", name, s, short(min), short(max), short(def))
	}
	return d, nil
}

// text reads a text setting of at most max bytes.
func text(getenv func(string) string, name, def string, max int) (string, error) {
	s := or(getenv(name), def)
	if len(s) > max {
		return def, fmt.Errorf("%s is %d bytes: set at most %d", name, len(s), max)
	}
	return s, nil
}

// short writes a duration as a person would: 1ms, 30s, 15m, 168h.
func short(d time.Duration) string {
	s := d.String()
	for _, unit := range []string{"h0m0s", "m0s"} {
		if strings.HasSuffix(s, unit) {
			return strings.TrimSuffix(s, unit) + unit[:1]
		}
	}
	return s
}

// maxSettingBytes bounds every setting, and maxBodyBytes MAX_BODY_BYTES:
// a forged V3 body is read whole before its signature is checked.
const (
	maxSettingBytes = 4096
	maxBodyBytes    = 1 << 20
)

// boundedGetenv is getenv that adds an error to *errs for each variable
// read that is longer than maxSettingBytes, naming it and not its value.
func boundedGetenv(getenv func(string) string, errs *[]error) func(string) string {
	var mu sync.Mutex
	said := map[string]bool{}
	return func(name string) string {
		v := getenv(name)
		mu.Lock()
		defer mu.Unlock()
		if len(v) > maxSettingBytes && !said[name] {
			said[name] = true
			*errs = append(*errs, fmt.Errorf("%s is over %d bytes: set a shorter value", name, maxSettingBytes))
		}
		return v
	}
}

// randomToken makes a development token: 24 random bytes, base64url.
func randomToken() string {
	b := make([]byte, 24)
	rand.Read(b)
	return "dev-" + base64.RawURLEncoding.EncodeToString(b)
}
