package handlers

import (
	"cmp"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"

	"github.com/gin-gonic/gin"

	"answerurl/security"
	"answerurl/xmlresp"
)

// The handlers of Twilio's and SignalWire's webhooks, registered in
// routes.go with Router.TwiML when their secret is set.

// TwilioMessage is what Twilio's and SignalWire's messaging webhook receives
// for an incoming SMS.
type TwilioMessage struct {
	From, To, Body, MessageSid string
}

// parseTwilioMessage reads a TwilioMessage from the form or query, or from
// a JSON body's string fields (which the signature covered through
// bodySHA256).
func parseTwilioMessage(c *gin.Context) (TwilioMessage, error) {
	cb := CallbackFrom(c)
	if security.MediaType(c.GetHeader("Content-Type")) == "application/json" {
		var msg TwilioMessage
		if err := json.Unmarshal(cb.Request.Body, &msg); err != nil {
			return msg, fmt.Errorf("JSON body: From, To, Body and MessageSid must be strings")
		}
		return msg, nil
	}
	f := cb.Form
	return TwilioMessage{From: f.Get("From"), To: f.Get("To"), Body: f.Get("Body"), MessageSid: f.Get("MessageSid")}, nil
}

// TwiMLSay answers a Twilio or SignalWire voice webhook with a <Say> of
// what /speak/ says (its text, language and loop), rendered once at start.
func TwiMLSay(s xmlresp.Speak) (gin.HandlerFunc, error) {
	doc, err := renderStatic("SPEAK_TEXT, SPEAK_LANGUAGE or SPEAK_LOOP (the TwiML <Say>)", xmlresp.Say{Text: s.Text, Language: s.Language, Loop: s.Loop})
	return StaticXML(doc), err
}

// TwilioSMS answers a Twilio or SignalWire messaging webhook with a TwiML
// <Message> replying reply (or DefaultSMSReply) to the sender, rendered once
// at start. A request without From or To gets 400.
func TwilioSMS(reply string, log *slog.Logger) (gin.HandlerFunc, error) {
	reply = cmp.Or(reply, DefaultSMSReply)
	doc, err := renderStatic("SMS_REPLY_TEXT", xmlresp.TwiMLMessage{Text: reply})
	if err != nil {
		return nil, err
	}
	return func(c *gin.Context) {
		msg, err := parseTwilioMessage(c)
		if err != nil {
			abort(c, http.StatusBadRequest, "bad request: "+err.Error())
			return
		}
		if msg.From == "" || msg.To == "" {
			abort(c, http.StatusBadRequest, "bad request: From and To are required")
			return
		}
		log.Info("message received", "route", c.FullPath(), "message_sid", msg.MessageSid, "from", msg.From, "to", msg.To, "text_bytes", len(msg.Body))
		c.Data(http.StatusOK, XMLContentType, doc)
	}, nil
}
