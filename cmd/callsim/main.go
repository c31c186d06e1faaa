// Command callsim plays a Plivo inbound call against your server, signed as
// Plivo signs it, and prints what the caller hears and every request:
//
//	go run ./cmd/callsim -answer http://localhost:8080/ivr/ -hangup http://localhost:8080/hangup/
//	go run ./cmd/callsim -answer http://localhost:8080/ivr/ -digits 3      # a voicemail
//	go run ./cmd/callsim -answer http://localhost:8080/ivr/ -digits 2 -dial busy  # needs IVR_TRANSFER_NUMBER
//	go run ./cmd/callsim -answer http://localhost:8080/ivr/ -digits 3 -hangup-after 15s
//
// With no -digits and a terminal on stdin, it asks for each input. What the
// server sends is printed with its control characters escaped. It exits 1
// when a callback is refused, the XML does not parse, a verb cannot be
// simulated or a URL names a host it will not sign for (-allow-host), and 2
// on a usage error or when it finds no token or no -cacert file. Run it with -h for every flag, each with an example.
package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"time"

	"answerurl/callsim"
	"answerurl/internal/cacert"
	"answerurl/internal/tokensource"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	info, _ := os.Stdin.Stat()
	terminal := info != nil && info.Mode()&os.ModeCharDevice != 0
	os.Exit(run(ctx, os.Args[1:], os.Getenv, ".", stdinIf(terminal), os.Stdout, os.Stderr))
}

// stdinIf is stdin when it is a terminal, else nil (no one to ask).
func stdinIf(terminal bool) io.Reader {
	if terminal {
		return os.Stdin
	}
	return nil
}

// options are the command's flags.
type options struct {
	call           callsim.Call
	tokens         tokensource.Flags
	digits, cacert string
	digitsGiven    bool
}

// flagSet defines the flags, which fill o; each help says what it does and
// shows an example.
func (o *options) flagSet(stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet("callsim", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&o.call.AnswerURL, "answer", "", "the answer URL (required), e.g. -answer http://localhost:8080/ivr/")
	fs.StringVar(&o.call.HangupURL, "hangup", "", "the hangup URL, told when the call ends (default: the answer URL, as Plivo does), e.g. -hangup http://localhost:8080/hangup/")
	fs.StringVar(&o.call.FallbackURL, "fallback", "", "the fallback answer URL, tried when the answer URL fails, e.g. -fallback http://localhost:8080/fallback/")
	fs.StringVar(&o.call.AnswerMethod, "method", "POST", "the answer URL's method: GET or POST, e.g. -method GET")
	o.tokens.Register(fs, "PLIVO_AUTH_TOKEN (then the development server's .dev-token)")
	fs.Func("digits", "the caller's input at each GetInput or GetDigits, comma-separated: keys, an empty entry for none, speech:WORDS for speech, e.g. -digits '7,,speech:sales'; not given: asked on the terminal", func(v string) error {
		o.digits, o.digitsGiven = v, true
		return nil
	})
	fs.StringVar(&o.call.From, "from", "14155550100", "the caller's number, e.g. -from 14155550100")
	fs.StringVar(&o.call.To, "to", "14155550111", "your Plivo number, called, e.g. -to 14155550111")
	fs.StringVar(&o.call.DialStatus, "dial", "completed", "how each Dial ends: completed, busy, failed, timeout or no-answer, e.g. -dial busy (the starter's IVR dials only when IVR_TRANSFER_NUMBER is set)")
	fs.DurationVar(&o.call.RecordLength, "record-length", 7*time.Second, "how long the caller speaks at a Record before pressing its finishOnKey (maxLength still bounds it), e.g. -record-length 90s")
	fs.DurationVar(&o.call.HangupAfter, "hangup-after", 0, "the caller hangs up once the call has lasted this long (in a Record, a Wait, a loop, a Dial), e.g. -hangup-after 20s")
	fs.Func("allow-host", "another host the XML may send the call to, signed (repeatable; default: only the answer, hangup and fallback URLs' hosts), e.g. -allow-host api.example.com", func(v string) error {
		o.call.AllowHosts = append(o.call.AllowHosts, v)
		return nil
	})
	fs.StringVar(&o.cacert, "cacert", "", "a PEM file of the CA that signed the server's certificate (a self-signed HTTPS server), e.g. -cacert ./dev-ca.pem")
	return fs
}

// run is the command: it returns the exit code. ask, when not nil, is where
// the digits of each GetInput are read when -digits is not given; dir is
// where .env and .dev-token are looked for.
func run(ctx context.Context, args []string, getenv func(string) string, dir string, ask io.Reader, stdout, stderr io.Writer) int {
	o := options{call: callsim.Call{Transcript: stdout}}
	fs := o.flagSet(stderr)
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if o.call.AnswerURL == "" || fs.NArg() > 0 || (o.call.AnswerMethod != "GET" && o.call.AnswerMethod != "POST") {
		fmt.Fprintln(stderr, "usage: callsim -answer URL [-hangup URL] [-digits 1,,speech:sales] [-dial busy] [-hangup-after 20s] [-record-length 90s] [-token-file F] [-method GET|POST] (-h: every flag)")
		return 2
	}
	client, err := cacert.Client(o.cacert)
	if err != nil {
		fmt.Fprintln(stderr, "callsim:", err)
		return 2
	}
	c := o.call
	c.Client = client
	var source string
	if c.Token, source, err = o.tokens.Find("PLIVO_AUTH_TOKEN", getenv, dir, stderr); err != nil {
		fmt.Fprintln(stderr, "callsim:", err)
		return 2
	}
	fmt.Fprintf(stdout, "signing with the token from %s\n", source)
	if o.digitsGiven {
		c.Digits = strings.Split(o.digits, ",")
	} else if ask != nil {
		c.Input = prompter(ask, stdout)
	}
	ctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	res, err := c.Run(ctx)
	if err != nil {
		fmt.Fprintln(stderr, err)
		var refused *callsim.RefusedError
		if errors.As(err, &refused) && refused.Status == 403 {
			fmt.Fprintf(stderr, "the server refused the signature: is it using the token from %s?\n", source)
		}
		return 1
	}
	fmt.Fprintf(stdout, "call %s ended after %d requests\n", res.CallUUID, len(res.Requests))
	return 0
}

// prompter asks for each GetInput's input on in: keys, speech:WORDS, an
// empty line for no input; end of input or "q" hangs up.
func prompter(in io.Reader, out io.Writer) func(string) (string, bool) {
	lines := bufio.NewScanner(in)
	return func(string) (string, bool) {
		fmt.Fprint(out, "  press digits or type speech:WORDS (Enter: no input, q: hang up)> ")
		if !lines.Scan() || strings.TrimSpace(lines.Text()) == "q" {
			return "", false
		}
		return strings.TrimSpace(lines.Text()), true
	}
}
