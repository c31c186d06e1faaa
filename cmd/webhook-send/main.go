// Command webhook-send sends a webhook the way the provider does: a realistic
// callback, signed with this project's own security signers, to any URL. It
// prints the status and the body that came back, and exits 0 only on a 2xx.
//
//	go run ./cmd/webhook-send speak http://localhost:8080/speak/
//	go run ./cmd/webhook-send sms http://localhost:8080/receive_sms/ -param Text=hi
//	go run ./cmd/webhook-send speak http://localhost:8080/speak/ \
//	    -signed-url https://abc.ngrok-free.app/speak/   # as if via ngrok
//
// Run it with -h for every flag.
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strings"
	"time"

	"answerurl/internal/cacert"
	"answerurl/internal/callback"
	"answerurl/internal/tokensource"
	"answerurl/security"
)

func main() {
	os.Exit(run(os.Args[1:], os.Getenv, os.Stdout, os.Stderr))
}

// kinds are the callbacks this tool can send: which defaults they start
// from, how they are signed, and which variable holds their secret.
var kinds = map[string]struct {
	defaults func() url.Values
	tokenEnv string
	scheme   string // plivo-v3, plivo-v2, twilio or signalwire
}{
	"speak":            {voiceCallback, "PLIVO_AUTH_TOKEN", "plivo-v3"},
	"sms":              {messageCallback, "PLIVO_AUTH_TOKEN", "plivo-v2"},
	"hangup":           {hangupCallback, "PLIVO_AUTH_TOKEN", "plivo-v3"},
	"message-status":   {statusCallback, "PLIVO_AUTH_TOKEN", "plivo-v2"},
	"twilio-voice":     {twilioVoiceCallback, "TWILIO_AUTH_TOKEN", "twilio"},
	"twilio-sms":       {twilioMessageCallback, "TWILIO_AUTH_TOKEN", "twilio"},
	"signalwire-voice": {twilioVoiceCallback, "SIGNALWIRE_SIGNING_KEY", "signalwire"},
	"signalwire-sms":   {twilioMessageCallback, "SIGNALWIRE_SIGNING_KEY", "signalwire"},
}

// options are the command line, parsed.
type options struct {
	kind, target, signedURL string
	method, query, nonce    string
	tokenFlags              tokensource.Flags
	token, mainToken        string
	tokenSource             string // where token came from, said before the request is sent
	json, showHeaders       bool
	params, headers         []string
	timeout                 time.Duration
	cacert                  string
}

const usage = `usage: webhook-send [flags] KIND URL

KIND is the callback to send:
  speak             a Plivo voice callback (answer_url, or a GetInput action with
                    -param Digits=1), signed with X-Plivo-Signature-V3
  hangup            a Plivo hangup_url callback, signed with X-Plivo-Signature-V3
  sms               a Plivo message_url callback, signed with X-Plivo-Signature-V2
  message-status    a Plivo message status callback, signed with X-Plivo-Signature-V2
  twilio-voice      a Twilio voice webhook, signed with X-Twilio-Signature
  twilio-sms        a Twilio messaging webhook
  signalwire-voice  a SignalWire voice webhook, signed with X-SignalWire-Signature
  signalwire-sms    a SignalWire messaging webhook
URL is where to send it, for example http://localhost:8080/speak/.

Flags:
`

// run is the whole command; it returns the exit status.
func run(args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	o, err := parseArgs(args, getenv, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	if err != nil {
		fmt.Fprintln(stderr, "webhook-send:", err)
		return 2
	}
	req, err := buildRequest(o)
	if err != nil {
		fmt.Fprintln(stderr, "webhook-send:", err)
		return 2
	}
	fmt.Fprintln(stderr, "signing with the token from", o.tokenSource)
	ctx, cancel := context.WithTimeout(context.Background(), o.timeout)
	defer cancel()
	client, err := cacert.Client(o.cacert)
	if err != nil {
		fmt.Fprintln(stderr, "webhook-send:", err)
		return 2
	}
	resp, err := client.Do(req.WithContext(ctx))
	if err != nil {
		fmt.Fprintln(stderr, "webhook-send:", err)
		return 1
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	fmt.Fprintf(stdout, "%s %s\n%s\n", req.Method, req.URL, resp.Status)
	if o.showHeaders {
		resp.Header.Write(stdout)
		fmt.Fprintln(stdout)
	}
	stdout.Write(body)
	if len(body) > 0 && body[len(body)-1] != '\n' {
		fmt.Fprintln(stdout)
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return 1
	}
	return 0
}

// parseArgs reads the command line: flags before, between and after the
// two positional arguments, KIND and URL.
func parseArgs(args []string, getenv func(string) string, stderr io.Writer) (options, error) {
	var o options
	fs := o.flagSet(stderr)
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return o, err
		}
		if fs.NArg() == 0 {
			break
		}
		pos, args = append(pos, fs.Arg(0)), fs.Args()[1:]
	}
	if len(pos) != 2 {
		fs.Usage()
		return o, fmt.Errorf("want KIND and URL, got %d argument(s)", len(pos))
	}
	o.kind, o.target = pos[0], pos[1]
	k, ok := kinds[o.kind]
	if !ok {
		return o, fmt.Errorf("unknown KIND %q: use one of %s", o.kind, strings.Join(kindNames(), ", "))
	}
	o.method = strings.ToUpper(o.method)
	if o.method != "GET" && o.method != "POST" {
		return o, fmt.Errorf("-method %q: use GET or POST", o.method)
	}
	if o.json && o.method == "GET" {
		return o, errors.New("-json needs -method POST: a GET has no body")
	}
	var err error
	if o.token, o.tokenSource, err = o.tokenFlags.Find(k.tokenEnv, getenv, ".", stderr); err != nil {
		return o, err
	}
	if o.nonce == "" {
		o.nonce = callback.NewNonce()
	}
	return o, nil
}

// flagSet defines the flags, which fill o.
func (o *options) flagSet(stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet("webhook-send", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprint(stderr, usage); fs.PrintDefaults() }
	o.tokenFlags.Register(fs, "the KIND's variable (PLIVO_AUTH_TOKEN, TWILIO_AUTH_TOKEN or SIGNALWIRE_SIGNING_KEY)")
	fs.StringVar(&o.mainToken, "main-token", "", "also sign the main-account header (X-Plivo-Signature-Ma-*) with this token")
	fs.StringVar(&o.method, "method", "POST", "GET or POST; a GET carries the parameters in its query string")
	fs.BoolVar(&o.json, "json", false, "send a JSON body instead of a form")
	fs.Func("param", "add or override a parameter, as key=value (repeatable); key= removes it", keyValue(&o.params, "key=value"))
	fs.StringVar(&o.query, "query", "", "query string to add to the URL, such as a=1&b=2")
	fs.StringVar(&o.signedURL, "signed-url", "", "the public URL to sign, when it differs from URL (a proxy or ngrok forwards it to URL)")
	fs.StringVar(&o.nonce, "nonce", "", "nonce to sign with (default: a random one)")
	fs.DurationVar(&o.timeout, "timeout", 10*time.Second, "how long to wait for the answer")
	fs.Func("header", "add a request header, as Name=value (repeatable), e.g. X-Forwarded-Host=abc.ngrok-free.app or Host=abc.ngrok-free.app to rehearse a proxy", keyValue(&o.headers, "Name=value"))
	fs.StringVar(&o.cacert, "cacert", "", "a PEM file of the CA that signed the server's certificate (a self-signed HTTPS server)")
	fs.BoolVar(&o.showHeaders, "i", false, "print the response headers too (X-Replay-Duplicate: 1 marks a stored answer)")
	return fs
}

// keyValue is a flag that adds each value, which must hold an "=", to list.
func keyValue(list *[]string, want string) func(string) error {
	return func(s string) error {
		if !strings.Contains(s, "=") {
			return errors.New("want " + want)
		}
		*list = append(*list, s)
		return nil
	}
}

func kindNames() []string {
	var names []string
	for k := range kinds {
		names = append(names, k)
	}
	slices.Sort(names)
	return names
}

// buildRequest makes the signed request that o describes.
func buildRequest(o options) (*http.Request, error) {
	params := o.parameters()
	scheme := kinds[o.kind].scheme
	twilioLike := scheme == "twilio" || scheme == "signalwire"
	query := o.query
	if o.method == "GET" {
		query = joinQuery(query, params.Encode())
		params = nil
	}
	var jsonBody []byte
	if o.json {
		flat := map[string]string{}
		for k := range params {
			flat[k] = params.Get(k)
		}
		jsonBody, _ = json.Marshal(flat)
		if twilioLike {
			// Twilio signs a JSON body through the URL: bodySHA256=<hex>.
			query = joinQuery(query, "bodySHA256="+security.BodySHA256(jsonBody))
		}
	}
	target, err := withQuery(o.target, query)
	if err != nil {
		return nil, err
	}
	signed := target
	if o.signedURL != "" {
		if signed, err = withQuery(o.signedURL, query); err != nil {
			return nil, err
		}
	}

	body, contentType, signParams, err := encodeBody(params, jsonBody, twilioLike)
	if err != nil {
		return nil, err
	}
	req, err := http.NewRequest(o.method, target, bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	req.Header.Set("User-Agent", "webhook-send")
	setHeaders(req, o.headers)
	if twilioLike {
		err = signTwilioLike(req.Header, o, scheme, signed, signParams)
	} else {
		err = signPlivo(req.Header, o, signed, signParams)
	}
	if err != nil {
		return nil, err
	}
	return req, nil
}

// setHeaders sets the -header flags' Name=value pairs on req. Host is the
// request's Host, which net/http sends from req.Host and never from
// req.Header.
func setHeaders(req *http.Request, headers []string) {
	for _, h := range headers {
		name, value, _ := strings.Cut(h, "=")
		if http.CanonicalHeaderKey(name) == "Host" {
			req.Host = value
		} else {
			req.Header.Set(name, value)
		}
	}
}

// parameters are the KIND's defaults with the -param overrides.
func (o options) parameters() url.Values {
	params := kinds[o.kind].defaults()
	for _, kv := range o.params {
		k, v, _ := strings.Cut(kv, "=")
		if v == "" {
			params.Del(k)
		} else {
			params.Set(k, v)
		}
	}
	return params
}

// encodeBody returns a POST's body, its content type, and the parameters
// its signature covers: the form's, or for JSON what the server signs (the
// JSON canonicalised as Plivo does; none for Twilio, which signs JSON
// through bodySHA256 in the URL).
func encodeBody(params url.Values, jsonBody []byte, twilioLike bool) ([]byte, string, url.Values, error) {
	switch {
	case params == nil:
		return nil, "", nil, nil
	case jsonBody == nil:
		return []byte(params.Encode()), "application/x-www-form-urlencoded", params, nil
	case twilioLike:
		return jsonBody, "application/json", nil, nil
	}
	canon, err := security.ParseJSONParams(jsonBody)
	return jsonBody, "application/json", canon, err
}

// signTwilioLike sets X-Twilio-Signature or X-SignalWire-Signature on h.
func signTwilioLike(h http.Header, o options, scheme, signedURL string, params url.Values) error {
	if scheme == "signalwire" {
		sig, err := security.SignSignalWire(o.token, signedURL, params)
		h.Set(security.HeaderSignalWire, sig)
		return err
	}
	sig, err := security.SignTwilio(o.token, signedURL, params)
	h.Set(security.HeaderTwilio, sig)
	return err
}

// signPlivo sets the Plivo signature headers of o.kind on h.
func signPlivo(h http.Header, o options, signedURL string, params url.Values) error {
	sign := func(token string) (string, error) {
		if kinds[o.kind].scheme == "plivo-v3" {
			return security.SignPlivoV3(token, o.method, signedURL, params, o.nonce)
		}
		return security.SignPlivoV2(token, signedURL, o.nonce)
	}
	sigHeader, mainHeader, nonceHeader := security.HeaderPlivoV3, security.HeaderPlivoMainV3, security.HeaderPlivoV3Nonce
	if kinds[o.kind].scheme == "plivo-v2" {
		sigHeader, mainHeader, nonceHeader = security.HeaderPlivoV2, security.HeaderPlivoMainV2, security.HeaderPlivoV2Nonce
	}
	sig, err := sign(o.token)
	if err != nil {
		return err
	}
	h.Set(sigHeader, sig)
	h.Set(nonceHeader, o.nonce)
	if o.mainToken != "" {
		if sig, err = sign(o.mainToken); err != nil {
			return err
		}
		h.Set(mainHeader, sig)
	}
	return nil
}

func withQuery(rawURL, query string) (string, error) {
	u, err := url.Parse(rawURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return "", fmt.Errorf("URL %q: want an absolute http or https URL", rawURL)
	}
	if query == "" {
		return rawURL, nil
	}
	if strings.Contains(rawURL, "?") {
		return rawURL + "&" + query, nil
	}
	return rawURL + "?" + query, nil
}

func joinQuery(a, b string) string {
	if a == "" || b == "" {
		return a + b
	}
	return a + "&" + b
}

// voiceCallback is what Plivo posts to an answer_url when a call comes in.
func voiceCallback() url.Values {
	return callback.PlivoVoice(callback.NewUUID(), time.Now().UTC().Format("2006-01-02 15:04:05.000000"))
}

// messageCallback is what Plivo posts to a message_url for an incoming SMS.
func messageCallback() url.Values {
	return callback.PlivoMessage(callback.NewUUID(), "Hello from webhook-send")
}

func hangupCallback() url.Values {
	v := voiceCallback()
	v.Set("CallStatus", "completed")
	v.Set("Event", "Hangup")
	v.Set("Duration", "42")
	v.Set("HangupCauseName", "Normal Hangup")
	v.Set("HangupSource", "Caller")
	return v
}

func statusCallback() url.Values {
	return url.Values{"MessageUUID": {callback.NewUUID()}, "Status": {"delivered"}, "From": {"14155550111"}, "To": {"14155550100"}, "ErrorCode": {""}}
}

// twilioVoiceCallback is what Twilio (or SignalWire) posts to a voice URL.
func twilioVoiceCallback() url.Values {
	return url.Values{
		"CallSid":     {"CA" + strings.ReplaceAll(callback.NewUUID(), "-", "")},
		"AccountSid":  {"AC" + strings.ReplaceAll(callback.NewUUID(), "-", "")},
		"From":        {"+14155550100"},
		"To":          {"+14155550111"},
		"CallStatus":  {"ringing"},
		"Direction":   {"inbound"},
		"ApiVersion":  {"2010-04-01"},
		"Caller":      {"+14155550100"},
		"Called":      {"+14155550111"},
		"FromCountry": {"US"},
		"ToCountry":   {"US"},
		"CallToken":   {"%7B%7D"},
	}
}

// twilioMessageCallback is what Twilio (or SignalWire) posts to a messaging URL.
func twilioMessageCallback() url.Values {
	return url.Values{
		"MessageSid":  {"SM" + strings.ReplaceAll(callback.NewUUID(), "-", "")},
		"AccountSid":  {"AC" + strings.ReplaceAll(callback.NewUUID(), "-", "")},
		"From":        {"+14155550100"},
		"To":          {"+14155550111"},
		"Body":        {"Hello from webhook-send"},
		"NumMedia":    {"0"},
		"NumSegments": {"1"},
		"ApiVersion":  {"2010-04-01"},
	}
}
