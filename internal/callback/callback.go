// Package callback holds the parameters providers send to answer URLs, for
// the tools and tests that imitate them (cmd/webhook-send, benchmarks).
package callback

import "net/url"

// PlivoVoice is what Plivo posts to an answer_url when a call comes in: the
// dozen parameters of a typical callback, for the call callUUID.
func PlivoVoice(callUUID, sessionStart string) url.Values {
	return url.Values{
		"CallUUID":         {callUUID},
		"RequestUUID":      {callUUID},
		"ALegUUID":         {callUUID},
		"ALegRequestUUID":  {callUUID},
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
