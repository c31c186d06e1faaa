package handlers

import (
	"cmp"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"regexp"

	"github.com/gin-gonic/gin"

	"answerurl/xmlresp"
)

// The handlers of Plivo's answer URL and message URLs. Each is registered in
// routes.go, with what names one of its callbacks for the replay guard:
// /receive_sms/ its MessageUUID, /message_status/ its MessageUUID and Status
// together, /speak/ its signature.

// XMLContentType is the content type of every XML answer.
const XMLContentType = "application/xml; charset=utf-8"

// StaticXML answers with a document rendered once at start-up, for a route
// whose answer does not depend on the request: /speak/'s <Speak>, or
// TwiML's <Say>.
func StaticXML(doc []byte) gin.HandlerFunc {
	return func(c *gin.Context) {
		c.Data(http.StatusOK, XMLContentType, doc)
	}
}

// renderStatic renders a document at start, for a maker: an error names
// the settings the document comes from, and so does one over what the
// replay guard can keep (every answer would be a 500).
func renderStatic(settings string, verbs ...xmlresp.Verb) ([]byte, error) {
	doc, err := xmlresp.Render(verbs...)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", settings, err)
	}
	if len(doc) > maxAnswerBytes {
		return nil, fmt.Errorf("%s: the answer would be %d bytes, over the %d the replay guard keeps: shorten it", settings, len(doc), maxAnswerBytes)
	}
	return doc, nil
}

// Speak answers Plivo's answer URL /speak/ with s, rendered once at start.
func Speak(s xmlresp.Speak) (gin.HandlerFunc, error) {
	doc, err := renderStatic("SPEAK_TEXT, SPEAK_VOICE, SPEAK_LANGUAGE or SPEAK_LOOP", s)
	return StaticXML(doc), err
}

// InboundMessage is what Plivo's message URL receives for an incoming SMS.
type InboundMessage struct {
	From        string // the sender's number
	To          string // your Plivo number
	Type        string // sms, mms or whatsapp
	Text        string
	MessageUUID string
}

// address is one phone number or sender ID, as Plivo sends them in From and
// To: a number of 2 to 15 digits, with or without a leading '+', or an
// alphanumeric sender ID of 1 to 11 ASCII letters and digits. Anything else
// (several numbers joined by '<', which Plivo's dst would send to each,
// spaces, punctuation) is refused.
var address = regexp.MustCompile(`^(\+?[0-9]{2,15}|[A-Za-z0-9]{1,11})$`)

// errAddress explains a From or To that is not one address.
var errAddress = errors.New("invalid From or To: each must be one phone number (2 to 15 digits, optional +) or sender ID (1 to 11 letters and digits)")

// ParseInboundMessage reads an InboundMessage from a verified callback's
// form. From and To must each be one address: V2 signs no body, and From
// becomes the reply's dst.
func ParseInboundMessage(cb *Callback) (InboundMessage, error) {
	form := cb.Form
	msg := InboundMessage{From: form.Get("From"), To: form.Get("To"), Type: form.Get("Type"),
		Text: form.Get("Text"), MessageUUID: form.Get("MessageUUID")}
	if !address.MatchString(msg.From) || !address.MatchString(msg.To) {
		return msg, errAddress
	}
	return msg, nil
}

// DefaultSMSReply is what the SMS routes reply when Options.SMSReply is
// empty.
const DefaultSMSReply = "Thanks, we got your message."

// ReceiveSMS answers a message callback with a <Message> that sends reply
// (or DefaultSMSReply) back to the sender. A request without a valid From or
// To gets 400. A reply that cannot be sent is an error at start, naming
// SMS_REPLY_TEXT.
func ReceiveSMS(reply string, log *slog.Logger) (gin.HandlerFunc, error) {
	reply = cmp.Or(reply, DefaultSMSReply)
	if _, err := renderStatic("SMS_REPLY_TEXT", xmlresp.Message{Src: "14155550100", Dst: "14155550111", Type: "sms", Text: reply}); err != nil {
		return nil, err
	}
	return func(c *gin.Context) {
		msg, err := ParseInboundMessage(CallbackFrom(c))
		if err != nil {
			abort(c, http.StatusBadRequest, "bad request: "+err.Error())
			return
		}
		log.Info("message received", "message_uuid", msg.MessageUUID, "from", msg.From,
			"to", msg.To, "type", msg.Type, "text_bytes", len(msg.Text))
		answerXML(c, xmlresp.Message{Src: msg.To, Dst: msg.From, Type: "sms", Text: reply})
	}, nil
}

// MessageStatus answers a message status callback: it logs the status and
// answers 200.
func MessageStatus(log *slog.Logger) gin.HandlerFunc {
	return func(c *gin.Context) {
		form := CallbackFrom(c).Form
		log.Info("message status", "message_uuid", form.Get("MessageUUID"), "status", form.Get("Status"),
			"error_code", form.Get("ErrorCode"))
		c.Data(http.StatusOK, plainText, []byte("ok\n"))
	}
}

// plainText is the content type of the short answers that are not XML.
const plainText = "text/plain; charset=utf-8"
