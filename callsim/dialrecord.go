package callsim

import (
	"cmp"
	"encoding/xml"
	"fmt"
	"net/url"
	"strconv"
	"time"

	"answerurl/internal/callback"
)

// dial connects the caller to each Number and User nested in it and ends as
// DialStatus says (https://www.plivo.com/docs/voice/xml/dial/). An answered
// Dial tells its callbackUrl, if any, DialAnswer and DialHangup (see
// tellDialCallback); one nobody answers tells it nothing. The action URL
// (method default POST) gets the parameters of
// https://www.plivo.com/docs/voice/use-cases/dial-status-reporting/:
// DialStatus (completed, busy, failed, timeout, no-answer), DialRingStatus,
// DialHangupCause, DialALegUUID and DialBLegUUID (empty if nobody answers);
// redirect as for GetInput. Without an action the call goes on.
func (s *session) dial(el element, base string) outcome {
	var who []string
	for _, child := range el.Children {
		if n := child.XMLName.Local; n != "Number" && n != "User" {
			return ended(hangupUnknown, fmt.Errorf("%w: <%s> nested in <Dial>", ErrUnsupported, escape(n)))
		}
		who = append(who, child.text())
	}
	s.res.Dialled = append(s.res.Dialled, who...)
	s.say("  dial  %q → %s", who, s.DialStatus)
	var leg bLeg
	seconds := 2 // busy or failed: the dial ends at once
	switch s.DialStatus {
	case "completed":
		leg = s.answerBLeg(el, base, who)
		seconds = min(30, cmp.Or(atoi(el.attr("timeLimit", "14400")), 14400))
		s.dialled = append(s.dialled, [2]int{s.clock, s.clock + seconds})
	case "no-answer", "timeout":
		seconds = atoi(el.attr("timeout", ""))
		if seconds <= 0 {
			seconds = 30
			s.note("<Dial> without timeout: Plivo's page gives no default; it rings 30s")
		}
	}
	if el.attr("callbackUrl", "") != "" && leg.uuid == "" {
		s.note("<Dial callbackUrl>: nobody answered, so no dial event is sent (Plivo's events are the called party's)")
	}
	start := s.clock
	h, ok := s.advance(seconds)
	if leg.uuid != "" {
		s.hangupBLeg(el, base, leg, s.clock-start)
	}
	if !ok {
		return ended(h, nil)
	}
	p := s.params("in-progress")
	p.Set("DialStatus", s.DialStatus)
	p.Set("DialALegUUID", s.res.CallUUID)
	p.Set("DialBLegUUID", leg.uuid)
	p.Set("DialRingStatus", strconv.FormatBool(s.DialStatus != "busy" && s.DialStatus != "failed"))
	p.Set("DialHangupCause", dialHangupCause[s.DialStatus])
	if el.attr("action", "") == "" {
		return outcome{}
	}
	return s.follow(el, base, p)
}

// dialHangupCause is the standard telephony cause of each DialStatus.
var dialHangupCause = map[string]string{
	"completed": "NORMAL_CLEARING", "busy": "USER_BUSY", "no-answer": "NO_ANSWER",
	"timeout": "RECOVERY_ON_TIMER_EXPIRE", "failed": "CALL_REJECTED",
}

// record is a <Record> (https://www.plivo.com/docs/voice/xml/record/). In
// the foreground it beeps (playBeep, default true), records the caller for
// RecordLength, bounded by maxLength (default 60), ended by finishOnKey
// (default #; none: by timeout, default 15 s, of silence), then requests the
// action with RecordUrl, RecordingID, RecordingDuration (s),
// RecordingDurationMs, RecordingStartMs, RecordingEndMs and Digits (the key,
// when a key ended it); callbackUrl (method callbackMethod, default POST) is
// told when the file is ready. recordSession and startOnDialAnswer record in
// the background: see background.
func (s *session) record(el element, base string) outcome {
	if el.attr("recordSession", "false") == "true" || el.attr("startOnDialAnswer", "false") == "true" {
		return s.background(el, base)
	}
	if el.attr("playBeep", "true") == "true" {
		s.say("  beep")
	}
	length, how, key := s.recordingLength(el)
	start := s.clock
	h, ok := s.advance(length)
	if !ok {
		how, key = "the caller hung up", ""
		s.note("the caller hung up during <Record>: the recording so far is sent to the action; Plivo's page does not say")
	}
	rec := s.recording(el, start, s.clock-start)
	s.say("  record  %ds (%s) → %s", s.clock-start, how, rec.Get("RecordUrl"))
	if key != "" {
		rec.Set("Digits", key)
	}
	if cb := el.attr("callbackUrl", ""); cb != "" {
		s.recordingReady(el, base, rec)
	}
	if !ok {
		if el.attr("action", "") != "" {
			el.Attrs = append([]xml.Attr{attr("redirect", "false")}, el.Attrs...)
			s.follow(el, base, rec)
		}
		return ended(h, nil)
	}
	return s.follow(el, base, rec)
}

// recordingLength is how long a foreground recording lasts, what ended it,
// and the key that did, if one did.
func (s *session) recordingLength(el element) (int, string, string) {
	speaks := int(s.RecordLength.Seconds())
	if limit := cmp.Or(atoi(el.attr("maxLength", "60")), 60); speaks >= limit {
		return limit, "maxLength reached", ""
	}
	key := el.attr("finishOnKey", "#")
	if key == "none" || key == "" {
		silence := cmp.Or(atoi(el.attr("timeout", "15")), 15)
		return speaks + silence, fmt.Sprintf("then %ds of silence: timeout", silence), ""
	}
	key = key[:1]
	return speaks, "the caller pressed " + key, key
}

// recording is the parameters of a recording that began at the clock's
// start and lasted seconds; -1 seconds is one still running.
func (s *session) recording(el element, start, seconds int) url.Values {
	id := callback.NewUUID()
	startMs := s.epochMs(start)
	p := s.params("in-progress")
	p.Set("RecordUrl", "https://callsim.invalid/recordings/"+id+"."+el.attr("fileFormat", "mp3"))
	p.Set("RecordingID", id)
	p.Set("RecordingStartMs", strconv.FormatInt(startMs, 10))
	p.Set("RecordingDuration", strconv.Itoa(seconds))
	if seconds < 0 {
		p.Set("RecordingDurationMs", "-1")
		p.Set("RecordingEndMs", "-1")
		return p
	}
	p.Set("RecordingDurationMs", strconv.Itoa(seconds*1000))
	p.Set("RecordingEndMs", strconv.FormatInt(startMs+int64(seconds)*1000, 10))
	return p
}

// epochMs is the wall-clock time, in ms since the epoch, of the call's
// clock at second: the call is taken to have come in when Run began.
func (s *session) epochMs(second int) int64 {
	return s.began.Add(time.Duration(second) * time.Second).UnixMilli()
}

// background starts a recordSession (the rest of the call) or
// startOnDialAnswer (each Dial's conversation) recording: no beep, the
// next element runs at once. The action, if any, is requested now with
// RecordingDuration, RecordingDurationMs and RecordingEndMs of -1, the
// recording not having ended; callbackUrl gets the real lengths when the
// call ends (https://www.plivo.com/docs/voice/xml/record/).
func (s *session) background(el element, base string) outcome {
	what := "recordSession"
	if el.attr("startOnDialAnswer", "false") == "true" && el.attr("recordSession", "false") != "true" {
		what = "startOnDialAnswer"
	}
	p := s.recording(el, s.clock, -1)
	s.say("  record in the background (%s) → %s", what, p.Get("RecordUrl"))
	s.recordings = append(s.recordings, backgroundRecording{el: el, base: base, what: what, start: s.clock, params: p})
	if el.attr("action", "") == "" {
		return outcome{}
	}
	return s.follow(el, base, p)
}

// backgroundRecording is a recording running while the call goes on.
type backgroundRecording struct {
	el         element
	base, what string
	start      int
	params     url.Values
}

// finishRecordings tells each background recording's callbackUrl its
// length, at the end of the call: the rest of the call for recordSession,
// the Dials answered since it began for startOnDialAnswer (none: no
// recording, and nothing is sent).
func (s *session) finishRecordings() {
	for _, r := range s.recordings {
		seconds := s.clock - r.start
		if r.what == "startOnDialAnswer" {
			seconds = 0
			for _, d := range s.dialled {
				if d[0] >= r.start {
					seconds += min(d[1], s.clock) - d[0]
				}
			}
			if seconds == 0 {
				s.note("startOnDialAnswer: no Dial was answered, so there is no recording to report")
				continue
			}
		}
		p := s.recording(r.el, r.start, seconds)
		p.Set("RecordUrl", r.params["RecordUrl"][0])
		p.Set("RecordingID", r.params["RecordingID"][0])
		if r.el.attr("callbackUrl", "") != "" {
			s.recordingReady(r.el, r.base, p)
		}
	}
}

// recordingReady requests el's callbackUrl with the recording's parameters:
// a notification (see notify).
func (s *session) recordingReady(el element, base string, p url.Values) {
	target := s.resolve(base, el.attr("callbackUrl", ""))
	method := el.attr("callbackMethod", "POST")
	s.notify(method, target, p, "the recording's callbackUrl")
}

// attr is an XML attribute name="value".
func attr(name, value string) xml.Attr { return xml.Attr{Name: xml.Name{Local: name}, Value: value} }
