package xmlresp

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/beevik/etree"
)

// Record is Plivo's <Record>: it records the caller (a voicemail, say) and
// then requests Action with the recording's URL and duration
// (https://www.plivo.com/docs/voice/xml/record/). With Redirect left true,
// Action's answer continues the call.
type Record struct {
	Action      string // absolute URL told of the recording; optional
	Method      string // GET or POST, for Action; empty leaves Plivo's default (POST)
	FileFormat  string // mp3 or wav; empty leaves Plivo's default (mp3)
	Timeout     int    // seconds of silence that end it, at least 1; 0 leaves Plivo's default (15)
	MaxLength   int    // longest recording in seconds, more than 1; 0 leaves Plivo's default (60)
	FinishOnKey string // a digit, * or #, that ends it; empty leaves Plivo's default (#)
	PlayBeep    *bool  // a beep before recording; nil leaves Plivo's default (true)
	// NoRedirect, when true, makes Plivo only notify Action and go on with
	// the next element (redirect="false").
	NoRedirect bool
}

// Element implements [Verb].
func (r Record) Element() (*etree.Element, error) {
	if err := checkURL("Record action", r.Action, false); err != nil {
		return nil, err
	}
	if err := checkMethod("Record", r.Method); err != nil {
		return nil, err
	}
	switch r.FileFormat {
	case "", "mp3", "wav":
	default:
		return nil, fmt.Errorf("Record fileFormat %q: use mp3 or wav", r.FileFormat)
	}
	if r.Timeout < 0 {
		return nil, fmt.Errorf("Record timeout %d: use at least 1 second", r.Timeout)
	}
	if r.MaxLength < 0 || r.MaxLength == 1 {
		return nil, fmt.Errorf("Record maxLength %d: use more than 1 second", r.MaxLength)
	}
	if len(r.FinishOnKey) > 1 || r.FinishOnKey != "" && !strings.Contains("0123456789*#", r.FinishOnKey) {
		return nil, fmt.Errorf("Record finishOnKey %q: use one digit, * or #", r.FinishOnKey)
	}
	el := etree.NewElement("Record")
	return el, attrs(el, "action", r.Action, "method", r.Method, "fileFormat", r.FileFormat,
		"redirect", noRedirect(r.NoRedirect), "timeout", optional(r.Timeout),
		"maxLength", optional(r.MaxLength), "finishOnKey", r.FinishOnKey, "playBeep", boolAttr(r.PlayBeep))
}

// boolAttr is b as an attribute value, or "" (absent) for nil.
func boolAttr(b *bool) string {
	if b == nil {
		return ""
	}
	return strconv.FormatBool(*b)
}

// noRedirect is redirect="false" when set, else absent (Plivo's default, true).
func noRedirect(set bool) string {
	if set {
		return "false"
	}
	return ""
}
