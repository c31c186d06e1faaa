package handlertest_test

import (
	"fmt"
	"log/slog"
	"net/http/httptest"
	"net/url"
	"strings"

	"github.com/gin-gonic/gin"

	"answerurl/handlers"
	"answerurl/handlers/handlertest"
	"answerurl/security"
	"answerurl/xmlresp"
)

// A voice callback signed as Plivo signs it reaches the handler; the same
// request signed with another token is refused before any handler runs.
func ExampleVoiceRequest() {
	gin.SetMode(gin.TestMode) // no route list on standard output
	router, err := handlers.NewRouter(handlers.Options{
		Plivo: security.PlivoTokens{AuthTokens: []string{handlertest.Token}},
		Speak: xmlresp.Speak{Text: "Hello"},
		Log:   slog.New(slog.DiscardHandler),
	})
	if err != nil {
		panic(err)
	}
	for _, token := range []string{handlertest.Token, "another-token"} {
		w := httptest.NewRecorder()
		router.ServeHTTP(w, handlertest.VoiceRequest(token, "http://example.com"+handlers.PathIVRChoice, url.Values{"Digits": {"1"}}))
		fmt.Println(w.Code, strings.Contains(w.Body.String(), "<Speak>Thanks for calling."))
	}
	// Output:
	// 200 true
	// 403 false
}
