// Package callback holds the parameters providers send to answer URLs, and
// the identifiers they carry, for the tools and tests that imitate them
// (callsim, cmd/webhook-send, bench).
package callback

import (
	"crypto/rand"
	"fmt"
	"math/big"
	"net/url"
)

// PlivoVoice is what Plivo posts to an answer_url when a call comes in: the
// parameters of a typical callback, for the call callUUID. An inbound
// call carries no ALegUUID nor ALegRequestUUID: "Not present for inbound
// calls" (https://www.plivo.com/docs/account/api/application/, "Parameters
// Plivo sends to the Answer URL"; https://www.plivo.com/docs/voice/xml/request/).
func PlivoVoice(callUUID, sessionStart string) url.Values {
	return url.Values{
		"CallUUID":         {callUUID},
		"RequestUUID":      {callUUID},
		"From":             {"14155550100"},
		"To":               {"14155550111"},
		"CallerName":       {"+14155550100"},
		"Direction":        {"inbound"},
		"CallStatus":       {"ringing"},
		"Event":            {"StartApp"},
		"BillRate":         {"0.0085"},
		"SessionStart":     {sessionStart},
		"STIRVerification": {"Not Applicable"},
	}
}

// PlivoMessage is what Plivo posts to a message_url for an incoming SMS.
func PlivoMessage(messageUUID, text string) url.Values {
	return url.Values{
		"From":        {"14155550100"},
		"To":          {"14155550111"},
		"Type":        {"sms"},
		"Text":        {text},
		"MessageUUID": {messageUUID},
		"Units":       {"1"},
		"TotalRate":   {"0.0050"},
		"TotalAmount": {"0.0050"},
	}
}

// NewUUID is a random version 4 UUID, the form of Plivo's CallUUID and
// MessageUUID. (crypto/rand.Text does not fit: its base32 is not a UUID.)
func NewUUID() string {
	var b [16]byte
	rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:])
}

// twentyDigits bounds NewNonce.
var twentyDigits = new(big.Int).Exp(big.NewInt(10), big.NewInt(20), nil)

// NewNonce is a fresh random 20-digit decimal nonce, as Plivo sends in
// X-Plivo-Signature-V3-Nonce.
func NewNonce() string {
	n, err := rand.Int(rand.Reader, twentyDigits)
	if err != nil {
		panic(err) // crypto/rand does not fail on supported platforms
	}
	return fmt.Sprintf("%020d", n)
}
