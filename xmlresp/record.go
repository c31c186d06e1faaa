package xmlresp

import (
	"fmt"

	"github.com/beevik/etree"
)

// Record is Plivo's <Record>: it records the caller (a voicemail, say) and
// then requests Action with the recording's URL and duration
// (https://www.plivo.com/docs/voice/xml/record/). Action's answer continues
// the call unless Redirect is False. With RecordSession or
// StartOnDialAnswer it records in the background, and Timeout, FinishOnKey
// and PlayBeep do not apply.
type Record struct {
	Action     string // absolute URL told of the recording; optional
	Method     string // GET or POST, for Action; empty leaves Plivo's default (POST)
	FileFormat string // mp3 or wav; empty leaves Plivo's default (mp3)
	// Redirect False makes Plivo only tell Action and go on with the next
	// element; Unset leaves Plivo's default (true).
	Redirect  Bool
	Timeout   int // seconds of silence that end it, at least 1; 0 leaves Plivo's default (15)
	MaxLength int // longest recording in seconds, more than 1; 0 leaves Plivo's default (60)
	// FinishOnKey is the key that ends it, one of 0-9, * and #, or none (no
	// key ends it); empty leaves Plivo's default (#).
	FinishOnKey string
	PlayBeep    Bool // False records without a beep first; Unset leaves Plivo's default (true)
	// RecordSession True records the rest of the call in the background;
	// StartOnDialAnswer True records a following Dial once it is answered.
	// Unset leaves Plivo's default (false) for each.
	RecordSession     Bool
	StartOnDialAnswer Bool
	// RecordChannelType is mono or stereo, for a background recording;
	// empty leaves Plivo's default (stereo).
	RecordChannelType string
	// TranscriptionType auto asks for a transcription (English only), sent
	// to TranscriptionURL with TranscriptionMethod (GET or POST).
	TranscriptionType   string
	TranscriptionURL    string
	TranscriptionMethod string
	// CallbackURL is an absolute URL told when the recording file is ready,
	// with CallbackMethod (GET or POST).
	CallbackURL    string
	CallbackMethod string
}

// Element implements [Verb].
func (r Record) Element() (*etree.Element, error) {
	if err := r.check(); err != nil {
		return nil, err
	}
	el := etree.NewElement("Record")
	return el, attrs(el, "action", r.Action, "method", r.Method, "fileFormat", r.FileFormat,
		"redirect", r.Redirect.attr(), "timeout", optional(r.Timeout),
		"maxLength", optional(r.MaxLength), "finishOnKey", r.FinishOnKey, "playBeep", r.PlayBeep.attr(),
		"recordSession", r.RecordSession.attr(), "startOnDialAnswer", r.StartOnDialAnswer.attr(),
		"recordChannelType", r.RecordChannelType, "transcriptionType", r.TranscriptionType,
		"transcriptionUrl", r.TranscriptionURL, "transcriptionMethod", r.TranscriptionMethod,
		"callbackUrl", r.CallbackURL, "callbackMethod", r.CallbackMethod)
}

// check checks each attribute against the documented values.
func (r Record) check() error {
	switch {
	case r.FileFormat != "" && r.FileFormat != "mp3" && r.FileFormat != "wav":
		return fmt.Errorf("Record fileFormat %q: use mp3 or wav", r.FileFormat)
	case r.RecordChannelType != "" && r.RecordChannelType != "mono" && r.RecordChannelType != "stereo":
		return fmt.Errorf("Record recordChannelType %q: use mono or stereo", r.RecordChannelType)
	case r.TranscriptionType != "" && r.TranscriptionType != "auto":
		return fmt.Errorf("Record transcriptionType %q: use auto", r.TranscriptionType)
	case r.Timeout < 0:
		return fmt.Errorf("Record timeout %d: use at least 1 second", r.Timeout)
	case r.MaxLength < 0 || r.MaxLength == 1:
		return fmt.Errorf("Record maxLength %d: use more than 1 second", r.MaxLength)
	}
	for _, err := range []error{
		checkURL("Record action", r.Action, false),
		checkMethod("Record", r.Method),
		checkFinishOnKey("Record", r.FinishOnKey),
		checkCallback("Record transcription", r.TranscriptionURL, r.TranscriptionMethod),
		checkCallback("Record", r.CallbackURL, r.CallbackMethod),
		checkBools("Record", r.Redirect, r.PlayBeep, r.RecordSession, r.StartOnDialAnswer),
	} {
		if err != nil {
			return err
		}
	}
	return nil
}
