package callsim_test

import (
	"context"
	"fmt"
	"log/slog"

	"answerurl/callsim"
	"answerurl/handlers"
	"answerurl/security"
	"answerurl/xmlresp"
)

// A test of a call flow: the caller presses 3 at the starter's menu and
// leaves a voicemail. Every request is signed, and the router verifies it.
func Example() {
	router, err := handlers.NewRouter(handlers.Options{
		Plivo: security.PlivoTokens{AuthTokens: []string{"test-token"}},
		Speak: xmlresp.Speak{Text: "Hello"},
		Log:   slog.New(slog.DiscardHandler),
	})
	if err != nil {
		panic(err)
	}
	res, err := callsim.Call{
		Handler:   router,
		Token:     "test-token",
		AnswerURL: "http://example.com/ivr/",
		HangupURL: "http://example.com/hangup/",
		Digits:    []string{"3"},
	}.Run(context.Background())
	if err != nil {
		panic(err) // in a test: t.Fatal(err)
	}
	for _, text := range res.Said {
		fmt.Println("said:", text)
	}
	for _, r := range res.Requests {
		fmt.Println(r.Method, r.URL, r.Status)
	}
	// Output:
	// said: Press 1 to hear a message. Press 2 to be connected to someone. Press 3 to leave a message.
	// said: Leave a message after the beep, then press the hash key.
	// said: Thanks, your message was recorded. Goodbye.
	// POST http://example.com/ivr/ 200
	// POST http://example.com/ivr/choice/ 200
	// POST http://example.com/ivr/voicemail/ 200
	// POST http://example.com/hangup/ 200
}
