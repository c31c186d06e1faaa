package callsim

import (
	"net/url"
	"strconv"

	"answerurl/internal/callback"
)

// bLeg is the party a Dial connected the caller to: the leg its callbackUrl
// events and its action's DialBLegUUID name.
type bLeg struct {
	uuid, from, to string
	position       int // of the answering Number or User among the Dial's, from 1
}

// answerBLeg connects the caller to the first of who, the Dial's Numbers
// and Users (the simulator's choice among simultaneous ones, said), and
// tells the Dial's callbackUrl, if any, that it answered: DialAnswer.
func (s *session) answerBLeg(el element, base string, who []string) bLeg {
	leg := bLeg{uuid: callback.NewUUID(), from: el.attr("callerId", s.From), position: 1}
	if len(who) > 0 {
		leg.to = who[0]
	}
	if el.attr("callbackUrl", "") == "" {
		return leg
	}
	if len(who) > 1 {
		s.note("<Dial> rings its %d numbers at once: the simulator has the first answer (DialBLegPosition 1)", len(who))
	}
	if el.attr("digitsMatch", "") != "" || el.attr("digitsMatchBLeg", "") != "" {
		s.note("<Dial digitsMatch>: the scripted caller presses no key during a Dial, so no DialDigitsMatch event is sent")
	}
	p := s.dialEvent(leg, "DialAnswer", "answer")
	p.Set("DialBLegBillRate", "0.0085")
	s.note("DialBLegBillRate is the simulator's 0.0085, not a price")
	s.tellDialCallback(el, base, p)
	return leg
}

// hangupBLeg tells the Dial's callbackUrl, if any, that the B leg hung up
// after seconds of conversation: DialHangup, before the action URL is
// requested (Plivo's pages give no order; the simulator's, said).
func (s *session) hangupBLeg(el element, base string, leg bLeg, seconds int) {
	if el.attr("callbackUrl", "") == "" {
		return
	}
	p := s.dialEvent(leg, "DialHangup", "hangup")
	p.Set("DialBLegDuration", strconv.Itoa(seconds))
	p.Set("DialBLegBillDuration", strconv.Itoa(seconds))
	p.Set("DialBLegHangupCause", "NORMAL_CLEARING")
	s.note("DialHangup is sent before the Dial's action, and the B leg, answering at once, is billed for all its %ds: Plivo's pages say neither", seconds)
	s.tellDialCallback(el, base, p)
}

// dialEvent is the parameters of one callbackUrl event of a Dial, as Plivo
// sends them (see tellDialCallback): the request's own, Event, DialAction,
// DialBLegStatus and the two legs.
func (s *session) dialEvent(leg bLeg, event, action string) url.Values {
	p := s.params("in-progress")
	p.Set("Event", event)
	p.Set("DialAction", action)
	p.Set("DialBLegStatus", action)
	p.Set("DialALegUUID", s.res.CallUUID)
	p.Set("DialBLegUUID", leg.uuid)
	p.Set("DialBLegFrom", leg.from)
	p.Set("DialBLegTo", leg.to)
	p.Set("DialBLegPosition", strconv.Itoa(leg.position))
	return p
}

// tellDialCallback requests the Dial's callbackUrl by callbackMethod
// (default POST) with an event's parameters. Plivo notifies it of "real-time
// dial events" (https://www.plivo.com/docs/voice/xml/routing): the called
// party answers and is bridged with the caller, the called party hangs up,
// the caller presses digits matching digitsMatch
// (https://www.plivo.com/docs/voice/xml/dial/#callbackurl-request-parameters;
// FIDELITY.md says where the parameters' names were read): a notification,
// whose answer and failure leave the call as it was (see notify).
func (s *session) tellDialCallback(el element, base string, p url.Values) {
	target := s.resolve(base, el.attr("callbackUrl", ""))
	method := el.attr("callbackMethod", "POST")
	if method != "GET" && method != "POST" {
		s.note("<Dial callbackMethod=%q>: Plivo allows GET or POST; POST is used", escape(method))
		method = "POST"
	}
	s.say("  dial event  %s", p.Get("Event"))
	s.notify(method, target, p, "the Dial's callbackUrl")
}
