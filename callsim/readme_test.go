package callsim_test

import (
	"context"
	"log/slog"
	"os"
	"regexp"
	"strings"
	"testing"

	"answerurl/callsim"
	"answerurl/handlers"
	"answerurl/security"
	"answerurl/xmlresp"
)

// TestREADMETranscript: the transcript the README shows under "Try the IVR
// without a phone" is the one callsim prints for the starter's voicemail
// branch (-digits 3), the recording's random ID aside.
func TestREADMETranscript(t *testing.T) {
	readme, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, section, _ := strings.Cut(string(readme), "## Try the IVR without a phone")
	blocks := strings.Split(section, "```")
	if len(blocks) < 4 {
		t.Fatal("the README's section lacks its transcript block")
	}
	want := strings.TrimSpace(blocks[3])

	router, err := handlers.NewRouter(handlers.Options{Plivo: security.PlivoTokens{AuthTokens: []string{"t"}},
		Speak: xmlresp.Speak{Text: "Hello"}, Log: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	var got strings.Builder
	if _, err := (callsim.Call{Handler: router, Token: "t", AnswerURL: "http://localhost:8080/ivr/",
		HangupURL: "http://localhost:8080/hangup/", Digits: []string{"3"}, Transcript: &got}).Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	id := regexp.MustCompile(`recordings/[^ ]*\.mp3`)
	if g, w := id.ReplaceAllString(strings.TrimSpace(got.String()), "recordings/ID.mp3"), id.ReplaceAllString(want, "recordings/ID.mp3"); g != w {
		t.Errorf("the README shows\n%s\n\ncallsim prints\n%s", w, g)
	}
}
