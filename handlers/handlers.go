// Package handlers holds the answer-URL handlers. Each is built by a function
// that takes what it needs and returns a gin.HandlerFunc; none reads a
// global. They run only after security.Middleware has verified the request.
package handlers

import (
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"

	"github.com/gin-gonic/gin"

	"answerurl/security"
	"answerurl/xmlresp"
)

// XMLContentType is the content type of every XML answer.
const XMLContentType = "application/xml; charset=utf-8"

// Speak answers a voice callback with a document rendered once at start-up,
// since it does not depend on the request: Plivo's <Speak>, or TwiML's <Say>.
func Speak(doc []byte) gin.HandlerFunc {
	return func(c *gin.Context) {
		c.Data(http.StatusOK, XMLContentType, doc)
	}
}

// InboundMessage is what Plivo's message URL receives for an incoming SMS.
type InboundMessage struct {
	From        string // the sender's number
	To          string // your Plivo number
	Type        string // sms, mms or whatsapp
	Text        string
	MessageUUID string
}

// ParseInboundMessage reads an InboundMessage from a verified request: the
// form body of a POST, plus the query string (all of a GET's parameters).
func ParseInboundMessage(r *security.Request) (InboundMessage, error) {
	form, err := r.Form()
	if err != nil {
		return InboundMessage{}, err
	}
	return InboundMessage{
		From:        form.Get("From"),
		To:          form.Get("To"),
		Type:        form.Get("Type"),
		Text:        form.Get("Text"),
		MessageUUID: form.Get("MessageUUID"),
	}, nil
}

// ReceiveSMS answers a message callback with a <Message> that sends reply
// back to the sender. A request without From or To gets 400.
func ReceiveSMS(reply string, log *slog.Logger) gin.HandlerFunc {
	return func(c *gin.Context) {
		msg, err := ParseInboundMessage(security.RequestFrom(c))
		if err != nil {
			c.String(http.StatusBadRequest, "bad request: %v\n", err)
			return
		}
		if msg.From == "" || msg.To == "" {
			c.String(http.StatusBadRequest, "bad request: From and To are required\n")
			return
		}
		log.Info("message received", "message_uuid", msg.MessageUUID, "from", msg.From,
			"to", msg.To, "type", msg.Type, "text_bytes", len(msg.Text))
		doc, err := xmlresp.Render(xmlresp.Message{Src: msg.To, Dst: msg.From, Type: "sms", Text: reply})
		if err != nil {
			// Only the sender's numbers vary, so they are what XML cannot carry.
			c.String(http.StatusBadRequest, "bad request: From or To cannot be answered: %v\n", err)
			return
		}
		c.Data(http.StatusOK, XMLContentType, doc)
	}
}

// TwilioMessage is what Twilio's and SignalWire's messaging webhook receives
// for an incoming SMS.
type TwilioMessage struct {
	From, To, Body, MessageSid string
}

// parseTwilioMessage reads a TwilioMessage from the form or query, or from
// a JSON body's string fields (whose signature covered it through bodySHA256).
func parseTwilioMessage(r *security.Request, contentType string) (TwilioMessage, error) {
	var msg TwilioMessage
	if contentType == "application/json" {
		if err := json.Unmarshal(r.Body, &msg); err != nil {
			return msg, fmt.Errorf("JSON body: From, To, Body and MessageSid must be strings")
		}
		return msg, nil
	}
	form, err := r.Form()
	if err != nil {
		return msg, err
	}
	return TwilioMessage{From: form.Get("From"), To: form.Get("To"), Body: form.Get("Body"), MessageSid: form.Get("MessageSid")}, nil
}

// TwilioSMS answers a Twilio or SignalWire messaging webhook with a TwiML
// <Message> replying reply to the sender. A request without From or To gets 400.
func TwilioSMS(reply string, log *slog.Logger) gin.HandlerFunc {
	doc := xmlresp.MustRender(xmlresp.TwiMLMessage{Text: reply})
	return func(c *gin.Context) {
		msg, err := parseTwilioMessage(security.RequestFrom(c), c.ContentType())
		if err != nil {
			c.String(http.StatusBadRequest, "bad request: %v\n", err)
			return
		}
		if msg.From == "" || msg.To == "" {
			c.String(http.StatusBadRequest, "bad request: From and To are required\n")
			return
		}
		log.Info("message received", "route", c.FullPath(), "message_sid", msg.MessageSid, "from", msg.From, "to", msg.To, "text_bytes", len(msg.Body))
		c.Data(http.StatusOK, XMLContentType, doc)
	}
}
