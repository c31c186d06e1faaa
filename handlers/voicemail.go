package handlers

import (
	"cmp"
	"fmt"
	"log/slog"
	"net/http"

	"github.com/gin-gonic/gin"

	"answerurl/xmlresp"
)

// defaultVoicemailThanks is what IVRVoicemail says when VOICEMAIL_THANKS is
// not set.
const defaultVoicemailThanks = "Thanks, your message was recorded. Goodbye."

// IVRVoicemail answers the action URL of the <Record> that option 3 of the
// menu plays (routes.go adds it as /ivr/voicemail/): it logs where the
// recording is and how long it lasts, says thanks (VOICEMAIL_THANKS, or a
// default) and hangs up. Plivo posts RecordUrl, RecordingDuration (seconds)
// and the call's parameters to the action URL:
// https://www.plivo.com/docs/voice/xml/record
//
// It is the model of a route with a setting of its own: NewRouter passes
// Options.Setting (the environment, then .env; nil reads nothing), and this
// maker reads and checks the setting, so that a bad value stops the server
// at start with a message that names the variable.
func IVRVoicemail(setting func(name string) string, log *slog.Logger) (gin.HandlerFunc, error) {
	thanks := defaultVoicemailThanks
	if setting != nil {
		thanks = cmp.Or(setting("VOICEMAIL_THANKS"), thanks)
	}
	doc, err := xmlresp.Render(xmlresp.Speak{Text: thanks}, xmlresp.Hangup{})
	if err != nil {
		return nil, fmt.Errorf("VOICEMAIL_THANKS: %w", err)
	}
	return func(c *gin.Context) {
		form := CallbackFrom(c).Form
		log.Info("voicemail", "call_uuid", form.Get("CallUUID"), "recording_url", form.Get("RecordUrl"),
			"duration_s", form.Get("RecordingDuration"))
		c.Data(http.StatusOK, XMLContentType, doc)
	}, nil
}
