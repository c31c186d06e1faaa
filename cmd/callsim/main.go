// Command callsim plays a Plivo inbound call against your server, signed as
// Plivo signs it, and prints what the caller hears and every request:
//
//	go run ./cmd/callsim -answer http://localhost:8080/ivr/ -hangup http://localhost:8080/hangup/
//	go run ./cmd/callsim -answer http://localhost:8080/ivr/ -digits 3      # a voicemail
//	go run ./cmd/callsim -answer http://localhost:8080/ivr/ -digits 2 -dial busy
//
// With no -digits and a terminal on stdin, it asks for each input. It exits
// 1 when a callback is refused, the XML does not parse, or a verb cannot be
// simulated, and 2 on a usage error. Run it with -h for every flag.
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

// run is the command: it returns the exit code. ask, when not nil, is where
// the digits of each GetInput are read when -digits is not given; dir is
// where .env and .dev-token are looked for.
func run(ctx context.Context, args []string, getenv func(string) string, dir string, ask io.Reader, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("callsim", flag.ContinueOnError)
	fs.SetOutput(stderr)
	c := callsim.Call{Transcript: stdout}
	var tokenFlags tokensource.Flags
	var digits string
	fs.StringVar(&c.AnswerURL, "answer", "", "the answer URL (required), such as http://localhost:8080/ivr/")
	fs.StringVar(&c.HangupURL, "hangup", "", "the hangup URL, told when the call ends; optional")
	fs.StringVar(&c.AnswerMethod, "method", "POST", "the answer URL's method: GET or POST")
	tokenFlags.Register(fs, "PLIVO_AUTH_TOKEN (then the development server's .dev-token)")
	fs.StringVar(&digits, "digits", "", "the caller's input for successive GetInputs, comma-separated; an empty entry is no input (1,,2)")
	fs.StringVar(&c.From, "from", "14155550100", "the caller's number")
	fs.StringVar(&c.To, "to", "14155550111", "your Plivo number, called")
	fs.StringVar(&c.DialStatus, "dial", "completed", "how a Dial ends: completed, busy, failed, timeout or no-answer")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if c.AnswerURL == "" || fs.NArg() > 0 || (c.AnswerMethod != "GET" && c.AnswerMethod != "POST") {
		fmt.Fprintln(stderr, "usage: callsim -answer URL [-hangup URL] [-digits 1,,2] [-token T] [-method GET|POST] [-dial busy]")
		return 2
	}
	var source string
	var err error
	if c.Token, source, err = tokenFlags.Find("PLIVO_AUTH_TOKEN", getenv, dir, stderr); err != nil {
		fmt.Fprintln(stderr, "callsim:", err)
		return 2
	}
	fmt.Fprintf(stdout, "signing with the token from %s\n", source)
	if digits != "" {
		c.Digits = strings.Split(digits, ",")
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

// prompter asks for each GetInput's digits on in: an empty line is no
// input, end of input or "q" hangs up.
func prompter(in io.Reader, out io.Writer) func(string) (string, bool) {
	lines := bufio.NewScanner(in)
	return func(string) (string, bool) {
		fmt.Fprint(out, "  press digits (Enter: no input, q: hang up)> ")
		if !lines.Scan() || strings.TrimSpace(lines.Text()) == "q" {
			return "", false
		}
		return strings.TrimSpace(lines.Text()), true
	}
}
