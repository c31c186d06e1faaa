package main

import (
	"bytes"
	"io"
	"log/slog"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/gin-gonic/gin"

	"answerurl/handlers"
	"answerurl/publicurl"
	"answerurl/replay"
	"answerurl/security"
	"answerurl/xmlresp"
)

const token = "send-test-token"

// server starts the real router on loopback.
func server(t *testing.T, pub publicurl.PublicURL) *httptest.Server {
	gin.SetMode(gin.TestMode)
	h, err := handlers.NewRouter(handlers.Options{
		Plivo:                 security.PlivoTokens{AuthTokens: []string{token}, MainAccountTokens: []string{"main"}},
		TwilioAuthTokens:      []string{"tw-token"},
		SignalWireSigningKeys: []string{"sw-key"},
		PublicURL:             pub,
		Speak:                 xmlresp.Speak{Text: "Hello", Loop: xmlresp.Loop(3)},
		SMSReply:              "Thanks",
		Replay:                &replay.Guard{Store: replay.NewMemory(1000), Window: time.Minute, Lease: 20 * time.Second},
		Log:                   slog.New(slog.NewTextHandler(io.Discard, nil)),
	})
	if err != nil {
		t.Fatal(err)
	}
	s := httptest.NewServer(h)
	t.Cleanup(s.Close)
	return s
}

func TestSend(t *testing.T) {
	s := server(t, publicurl.PublicURL{TrustedProxies: publicurl.Loopback})
	base, _ := publicurl.ParseBaseURL("https://abc.ngrok-free.app")
	behindProxy := server(t, publicurl.PublicURL{Base: base})
	getenv := func(k string) string {
		return map[string]string{"PLIVO_AUTH_TOKEN": token, "TWILIO_AUTH_TOKEN": "tw-token", "SIGNALWIRE_SIGNING_KEY": "sw-key"}[k]
	}
	tests := []struct {
		name   string
		args   []string
		status int
		want   string
	}{
		{"speak POST form", []string{"speak", s.URL + "/speak/"}, 0, "<Speak loop=\"3\">Hello</Speak>"},
		{"flags after arguments", []string{"speak", s.URL + "/speak", "-method", "get", "-query", "a=1;2"}, 0, "<Speak"},
		{"speak JSON with a nested override", []string{"-json", "speak", s.URL + "/speak/", "-param", "Digits=12", "-param", "Event="}, 0, "<Speak"},
		{"main-account header", []string{"speak", s.URL + "/speak/", "-token", "nope", "-main-token", "main"}, 0, "<Speak"},
		{"sms", []string{"sms", s.URL + "/receive_sms/", "-param", "From=15550001"}, 0, `dst="15550001"`},
		{"sms GET", []string{"sms", s.URL + "/receive_sms/", "-method", "GET"}, 0, "<Message"},
		{"wrong token exits 1", []string{"speak", s.URL + "/speak/", "-token", "nope"}, 1, "403 Forbidden"},
		{"missing From exits 1", []string{"sms", s.URL + "/receive_sms/", "-param", "From="}, 1, "400 Bad Request"},
		{"signed URL for a proxy", []string{"speak", behindProxy.URL + "/speak/", "-signed-url", "https://abc.ngrok-free.app/speak/"}, 0, "<Speak"},
		{"without the signed URL behind a proxy", []string{"speak", behindProxy.URL + "/speak/"}, 1, "403"},
		{"a proxy rehearsed with its headers", []string{"speak", s.URL + "/speak/", "-signed-url", "https://abc.ngrok-free.app/speak/",
			"-header", "X-Forwarded-Proto=https", "-header", "X-Forwarded-Host=abc.ngrok-free.app"}, 0, "<Speak"},
		{"a proxy that keeps the Host (ngrok --host-header)", []string{"speak", s.URL + "/speak/", "-signed-url", "https://abc.ngrok-free.app/speak/",
			"-header", "X-Forwarded-Proto=https", "-header", "host=abc.ngrok-free.app"}, 0, "<Speak"},
		{"twilio voice", []string{"twilio-voice", s.URL + "/twilio/voice/"}, 0, "<Say"},
		{"twilio sms GET", []string{"twilio-sms", s.URL + "/twilio/sms", "-method", "GET"}, 0, "<Message>"},
		{"twilio JSON", []string{"twilio-voice", s.URL + "/twilio/voice/", "-json"}, 0, "<Say"},
		{"signalwire voice", []string{"signalwire-voice", s.URL + "/signalwire/voice/"}, 0, "<Say"},
		{"signalwire sms JSON", []string{"signalwire-sms", s.URL + "/signalwire/sms/", "-json"}, 0, "<Message>"},
		{"twilio with the wrong token", []string{"twilio-sms", s.URL + "/twilio/sms/", "-token", "x"}, 1, "403"},
		{"the IVR menu", []string{"speak", s.URL + "/ivr/"}, 0, "<GetInput action=\"" + s.URL + "/ivr/choice/\""},
		{"an IVR choice", []string{"speak", s.URL + "/ivr/choice/", "-param", "Digits=1"}, 0, "<Hangup/>"},
		{"hangup", []string{"hangup", s.URL + "/hangup/"}, 0, "ok"},
		{"message status, with headers", []string{"message-status", s.URL + "/message_status/", "-i", "-nonce", "4242"}, 0, "Content-Type: text/plain"},
		{"the same status again: the stored answer", []string{"message-status", s.URL + "/message_status/", "-i", "-nonce", "4242"}, 0, "X-Replay-Duplicate: 1"},
		{"unknown kind", []string{"fax", s.URL}, 2, ""},
		{"one argument", []string{"speak"}, 2, ""},
		{"JSON GET", []string{"speak", s.URL, "-json", "-method", "GET"}, 2, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out, errs bytes.Buffer
			if got := run(tt.args, getenv, &out, &errs); got != tt.status {
				t.Fatalf("exit %d, want %d\nstdout: %s\nstderr: %s", got, tt.status, &out, &errs)
			}
			if !strings.Contains(out.String(), tt.want) {
				t.Errorf("stdout %q lacks %q", &out, tt.want)
			}
		})
	}
}

// TestDevToken: with no token anywhere, the client signs with the token a
// development server made up and keeps in ./.dev-token while it runs.
func TestDevToken(t *testing.T) {
	s := server(t, publicurl.PublicURL{TrustedProxies: publicurl.Loopback})
	t.Chdir(t.TempDir())
	if err := os.WriteFile(".dev-token", []byte(token+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	var out, errs bytes.Buffer
	if got := run([]string{"speak", s.URL + "/speak/"}, func(string) string { return "" }, &out, &errs); got != 0 {
		t.Fatalf("exit %d: %s%s", got, &out, &errs)
	}
	if !strings.Contains(errs.String(), "signing with the token from the development server's .dev-token") {
		t.Errorf("the client did not say which token it signed with: %q", &errs)
	}
}

func TestNoToken(t *testing.T) {
	var errs bytes.Buffer
	t.Chdir(t.TempDir()) // no .env here
	if got := run([]string{"speak", "http://127.0.0.1:1/speak/"}, func(string) string { return "" }, io.Discard, &errs); got != 2 ||
		!strings.Contains(errs.String(), "set PLIVO_AUTH_TOKEN") {
		t.Fatalf("exit %d, stderr %q", got, &errs)
	}
}

func TestRequestShape(t *testing.T) {
	o := options{kind: "speak", target: "http://localhost:8080/speak/", method: "POST", token: token, nonce: "1"}
	req, err := buildRequest(o)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(req.Body)
	for _, k := range []string{"CallUUID=", "From=", "To=", "Direction=", "CallStatus=", "Event=StartApp"} {
		if !bytes.Contains(body, []byte(k)) {
			t.Errorf("voice callback lacks %s: %s", k, body)
		}
	}
	if req.Header.Get(security.HeaderPlivoV3) == "" || req.Header.Get(security.HeaderPlivoV3Nonce) != "1" ||
		req.Header.Get("Content-Type") != "application/x-www-form-urlencoded" {
		t.Errorf("headers: %v", req.Header)
	}
}

// TestTokenKeptSecret: -token-file signs without the secret on the command
// line, -token is warned about, and a .env that cannot be read is refused
// naming its line, with no piece of the secret in the tool's output.
func TestTokenKeptSecret(t *testing.T) {
	s := server(t, publicurl.PublicURL{TrustedProxies: publicurl.Loopback})
	t.Chdir(t.TempDir())
	os.WriteFile("token", []byte(token+"\n"), 0o600)
	noEnv := func(string) string { return "" }
	var out, errs bytes.Buffer
	if code := run([]string{"speak", s.URL + "/speak/", "-token-file", "token"}, noEnv, &out, &errs); code != 0 || strings.Contains(errs.String(), "warning") {
		t.Errorf("-token-file: exit %d, %s%s", code, &out, &errs)
	}
	errs.Reset()
	if code := run([]string{"speak", s.URL + "/speak/", "-token", token}, noEnv, io.Discard, &errs); code != 0 || !strings.Contains(errs.String(), "warning: -token shows the secret") {
		t.Errorf("-token: exit %d, %s", code, &errs)
	}
	for _, dotenv := range []string{
		"A=1\nPLIVO_AUTH_TOKEN=\"" + token + "\nB=2\n",
		"PLIVO_AUTH_TOKEN='" + token + "'x\n",
		"PLIVO-AUTH-TOKEN=" + token + "\n",
		"\uFEFF\uFEFFPLIVO_AUTH_TOKEN=" + token + "\n",
	} {
		os.WriteFile(".env", []byte(dotenv), 0o600)
		out.Reset()
		errs.Reset()
		code := run([]string{"speak", s.URL + "/speak/"}, noEnv, &out, &errs)
		all := out.String() + errs.String()
		if code != 2 || !strings.Contains(all, ".env line ") {
			t.Errorf("%q: exit %d, %s; want 2 and the line named", dotenv, code, all)
		}
		for i := 0; i+6 <= len(token); i++ {
			if strings.Contains(all, token[i:i+6]) {
				t.Errorf("%q: the output holds %q, a piece of the token: %s", dotenv, token[i:i+6], all)
				break
			}
		}
	}
}
