package handlers

import (
	"fmt"
	"log/slog"
	"net/http"

	"github.com/gin-gonic/gin"

	"answerurl/xmlresp"
)

// What the IVR says. handlers/testdata/plivo-xml, made by Plivo's own XML
// builder (testdata/gen/callflow.js), holds the documents these make.
const (
	ivrMenuPrompt   = "Press 1 to hear a message. Press 2 to be connected to someone. Press 3 to leave a message."
	ivrNoInput      = "We did not get your choice. Goodbye."
	ivrMessage      = "Thanks for calling. This answer was verified before it was spoken. Goodbye."
	ivrConnecting   = "Connecting you now."
	ivrNobody       = "No one is available to take your call."
	ivrNotAnOption  = "Sorry, that is not an option."
	ivrLeaveMessage = "Leave a message after the beep, then press the hash key."
	ivrNoMessage    = "We did not get a message. Goodbye."
	ivrMaxMessage   = 60 // seconds a voicemail may last
	ivrInputTimeout = 10 // seconds GetInput waits for a digit
)

// IVRMenu answers a voice answer URL with a menu: a <GetInput> that speaks
// the choices and sends the digit pressed to /ivr/choice/, then what to do
// when nothing is pressed. The action URL is the public URL of
// /ivr/choice/ on the host and path prefix this request was verified for,
// so that PUBLIC_BASE_URL and the trusted-proxy rules decide it, as they
// decide the URL verified.
func IVRMenu() gin.HandlerFunc {
	return func(c *gin.Context) {
		answerXML(c, xmlresp.GetInput{
			Action: siblingURL(c, PathIVRChoice), Method: "POST", InputType: "dtmf", NumDigits: 1,
			ExecutionTimeout: ivrInputTimeout, Prompt: []xmlresp.Verb{xmlresp.Speak{Text: ivrMenuPrompt}},
		}, xmlresp.Speak{Text: ivrNoInput}, xmlresp.Hangup{})
	}
}

// IVRChoice answers the menu's GetInput action URL: 1 speaks a message and
// hangs up, 2 dials transferNumber (when none is configured, it says no one
// is available and goes back to the menu), 3 records a voicemail whose
// details go to /ivr/voicemail/, anything else goes back to the menu with
// <Redirect>. It logs the choice with the call.
func IVRChoice(transferNumber string, log *slog.Logger) gin.HandlerFunc {
	return func(c *gin.Context) {
		form := CallbackFrom(c).Form
		digits := form.Get("Digits")
		log.Info("ivr choice", "call_uuid", form.Get("CallUUID"), "digits", digits)
		backToMenu := xmlresp.Redirect{URL: siblingURL(c, PathIVR), Method: "POST"}
		switch {
		case digits == "1":
			answerXML(c, xmlresp.Speak{Text: ivrMessage}, xmlresp.Hangup{})
		case digits == "2" && transferNumber != "":
			answerXML(c, xmlresp.Speak{Text: ivrConnecting}, xmlresp.Dial{Targets: []xmlresp.Verb{xmlresp.Number{Digits: transferNumber}}})
		case digits == "2":
			answerXML(c, xmlresp.Speak{Text: ivrNobody}, backToMenu)
		case digits == "3":
			answerXML(c, xmlresp.Speak{Text: ivrLeaveMessage},
				xmlresp.Record{Action: siblingURL(c, PathIVRVoicemail), Method: "POST", MaxLength: ivrMaxMessage, FinishOnKey: "#"},
				xmlresp.Speak{Text: ivrNoMessage}, xmlresp.Hangup{})
		default:
			answerXML(c, xmlresp.Speak{Text: ivrNotAnOption}, backToMenu)
		}
	}
}

// Hangup answers a hangup URL: it logs how the call ended and answers 200.
func Hangup(log *slog.Logger) gin.HandlerFunc {
	return func(c *gin.Context) {
		form := CallbackFrom(c).Form
		log.Info("call ended", "call_uuid", form.Get("CallUUID"), "duration_s", form.Get("Duration"),
			"hangup_cause", form.Get("HangupCauseName"), "hangup_source", form.Get("HangupSource"))
		c.Data(http.StatusOK, plainText, []byte("ok\n"))
	}
}

// answerXML renders verbs and answers them. A document that cannot be
// rendered gets 500, its cause recorded with c.Error for the access line
// (accessLog), which is then logged at error level; a document that does not
// depend on the request is rendered by its maker at start instead, where
// the same fault stops the server naming the setting.
func answerXML(c *gin.Context, verbs ...xmlresp.Verb) {
	doc, err := xmlresp.Render(verbs...)
	if err != nil {
		c.Error(fmt.Errorf("rendering the answer: %w", err))
		abort(c, http.StatusInternalServerError, "internal error: the answer could not be built")
		return
	}
	c.Data(http.StatusOK, XMLContentType, doc)
}

// siblingURL is the public URL of path on the scheme, host and path prefix
// that c's request was verified for.
func siblingURL(c *gin.Context, path string) string { return CallbackFrom(c).Origin + path }
