package callsim

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"

	"answerurl/internal/callback"
	"answerurl/security"
)

// params are the parameters Plivo sends with every request of a call:
// https://www.plivo.com/docs/voice/xml/request/ and, for the answer URL,
// https://www.plivo.com/docs/account/api/application/ ("Parameters Plivo
// sends to the Answer URL": ALegUUID and ALegRequestUUID are "Not present
// for inbound calls"). CallStatus is ringing at the answer URL, in-progress
// after.
func (s *session) params(status string) url.Values {
	return url.Values{
		"CallUUID":   {s.res.CallUUID},
		"From":       {s.From},
		"To":         {s.To},
		"Direction":  {"inbound"},
		"CallStatus": {status},
	}
}

// Hangup is how a call ended: the cause's name, code and source as
// https://www.plivo.com/docs/voice/troubleshooting/hangup-causes/ lists
// them, and the standard telephony cause (HangupCause).
type Hangup struct {
	Name, Source string
	Code         int
	Cause        string // HangupCause: NORMAL_CLEARING, CALL_REJECTED, USER_BUSY
}

// The endings a simulated call can have, each a row of the hangup-causes
// page (https://www.plivo.com/docs/voice/troubleshooting/hangup-causes/).
var (
	hangupByCaller  = Hangup{"Normal Hangup", "Caller", 4000, "NORMAL_CLEARING"}
	hangupByXML     = Hangup{"Normal Hangup", "Answer XML", 4000, "NORMAL_CLEARING"}
	hangupEndOfXML  = Hangup{"End Of XML Instructions", "Plivo", 4010, "NORMAL_CLEARING"}
	hangupRejected  = Hangup{"Rejected", "Answer XML", 3020, "CALL_REJECTED"}
	hangupBusy      = Hangup{"Busy Line", "Answer XML", 3010, "USER_BUSY"}
	hangupScheduled = Hangup{"Scheduled Hangup", "Plivo", 6000, "NORMAL_CLEARING"}
	hangupUnknown   = Hangup{"Unknown", "Unknown", 0, "NORMAL_CLEARING"}
	errAnswerURL    = Hangup{"Error Reaching Answer URL", "Error", 7011, "NORMAL_CLEARING"}
	errActionURL    = Hangup{"Error Reaching Action URL", "Error", 7012, "NORMAL_CLEARING"}
	errRedirectURL  = Hangup{"Error Reaching Redirect URL", "Error", 7014, "NORMAL_CLEARING"}
	badActionURL    = Hangup{"Invalid Action URL", "Error", 7022, "NORMAL_CLEARING"}
	badRedirectURL  = Hangup{"Invalid Redirect URL", "Error", 7024, "NORMAL_CLEARING"}
	badAnswerXML    = Hangup{"Invalid Answer XML", "Error", 8011, "NORMAL_CLEARING"}
	badActionXML    = Hangup{"Invalid Action XML", "Error", 8012, "NORMAL_CLEARING"}
	badRedirectXML  = Hangup{"Invalid Redirect XML", "Error", 8014, "NORMAL_CLEARING"}
)

// hangupParams are what the hangup URL gets: the request parameters with
// CallStatus completed, Event Hangup, HangupCause, Duration and BillDuration
// (https://www.plivo.com/docs/voice/xml/request/), and the cause's name,
// code and source (https://www.plivo.com/docs/account/api/application/,
// "Hangup URL Parameters"). Duration counts from the call's arrival;
// BillDuration from its answer (0 for a call never answered), in whole
// seconds, as bill_duration in the call object's example
// (https://www.plivo.com/docs/voice/api/call/the-call-object/): the rounding
// to a billing interval is billed_duration, which the callback does not carry.
func (s *session) hangupParams(h Hangup) url.Values {
	p := s.params("completed")
	p.Set("Event", "Hangup")
	p.Set("HangupCause", h.Cause)
	p.Set("HangupCauseName", h.Name)
	p.Set("HangupCauseCode", strconv.Itoa(h.Code))
	p.Set("HangupSource", h.Source)
	p.Set("Duration", strconv.Itoa(s.clock))
	bill := 0
	if s.answerAt >= 0 {
		bill = s.clock - s.answerAt
	}
	p.Set("BillDuration", strconv.Itoa(bill))
	return p
}

// request sends one signed request and returns the body of a 2xx answer.
// A GET carries params in its query string, before any #fragment, and signs
// the URL so; a POST carries them as a form. The #fragment, where Plivo
// reads its callback configuration
// (https://www.plivo.com/docs/voice/concepts/callback-configurations/), is
// never sent: an HTTP client does not send fragments.
func (s *session) request(method, rawURL string, params url.Values) ([]byte, error) {
	if len(s.res.Requests) >= s.MaxRequests && !s.ending {
		return nil, fmt.Errorf("%w: the caller hung up after %d requests (a Redirect loop?)", ErrTooLong, s.MaxRequests)
	}
	target, err := s.target(rawURL)
	if err != nil {
		return nil, err
	}
	var body io.Reader
	var bodyParams url.Values
	if method == "GET" {
		target = withQuery(target, params)
	} else {
		body, bodyParams = strings.NewReader(params.Encode()), params
	}
	nonce := callback.NewNonce()
	sig, err := security.SignPlivoV3(s.Token, method, target, bodyParams, nonce)
	if err != nil {
		return nil, fmt.Errorf("callsim: sign %s %s: %w", method, target, err)
	}
	req, err := http.NewRequestWithContext(s.ctx, method, target, body)
	if err != nil {
		return nil, fmt.Errorf("callsim: %w", err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	req.Header.Set(security.HeaderPlivoV3, sig)
	req.Header.Set(security.HeaderPlivoV3Nonce, nonce)
	status, answer, err := s.send(req)
	if err != nil {
		return nil, fmt.Errorf("callsim: %s %s: %w", method, target, err)
	}
	s.res.Requests = append(s.res.Requests, Exchange{Method: method, URL: target, Params: params, Status: status, Body: string(answer)})
	s.say("%s %s  %d", method, escape(target), status)
	if status < 200 || status > 299 {
		return nil, &RefusedError{Method: method, URL: escape(target), Status: status, Reason: clip(string(answer), 200)}
	}
	return answer, nil
}

// notify sends a notification, what (a callbackUrl): its answer is not read,
// and its failure does not change the call, as on Plivo ("No XML
// instructions are expected in response to these requests":
// https://docs.plivo.com/docs/voice/concepts/callbacks). A failure is said,
// and the first is kept for Run to return once the call has ended.
func (s *session) notify(method, rawURL string, params url.Values, what string) {
	if _, err := s.request(method, rawURL, params); err != nil {
		s.say("  %s failed: %v (the call goes on)", what, err)
		if s.notifyErr == nil {
			s.notifyErr = err
		}
	}
}

// target is rawURL without its #fragment, when it is an absolute http(s)
// URL on a host the call may reach (the answer URL's, the hangup and
// fallback URLs', AllowHosts). Anything else is refused before it is signed,
// and the transcript says why.
func (s *session) target(rawURL string) (string, error) {
	u, err := url.Parse(rawURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return "", fmt.Errorf("%w: %q", errNotURL, escape(rawURL))
	}
	if h := strings.ToLower(u.Host); !s.hosts[h] {
		s.say("  refused  %s: host %s is not the answer URL's; nothing was signed (allow it with AllowHosts, or -allow-host %s)", escape(rawURL), escape(h), escape(h))
		return "", fmt.Errorf("%w: %s", ErrHost, escape(rawURL))
	}
	if u.Fragment != "" {
		s.note("#%s is Plivo's callback configuration: not sent, and not signed (Plivo's pages do not say what is signed)", escape(u.Fragment))
	}
	u.Fragment, u.RawFragment = "", ""
	return u.String(), nil
}

// errNotURL is a URL a document names that is not an absolute http(s) URL.
var errNotURL = errors.New("callsim: not an absolute http(s) URL")

// hostOf is the lower-cased host[:port] of an absolute URL.
func hostOf(rawURL string) (string, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return "", err
	}
	if u.Host == "" {
		return "", errors.New("not an absolute URL")
	}
	return strings.ToLower(u.Host), nil
}

// send delivers req to the Handler in-process, or over the network without
// following a redirect to another host.
func (s *session) send(req *http.Request) (int, []byte, error) {
	if s.Handler != nil {
		req.RemoteAddr = "127.0.0.1:40000"
		w := httptest.NewRecorder()
		s.Handler.ServeHTTP(w, req)
		return w.Code, w.Body.Bytes(), nil
	}
	client := *http.DefaultClient
	if s.Client != nil {
		client = *s.Client
	}
	client.CheckRedirect = func(next *http.Request, via []*http.Request) error {
		if next.URL.Host != via[0].URL.Host {
			s.say("  refused  the redirect to %s: another host; its signature and body stay here", escape(next.URL.Redacted()))
			return http.ErrUseLastResponse
		}
		if len(via) >= 5 {
			return errors.New("stopped after 5 redirects")
		}
		return nil
	}
	resp, err := client.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	return resp.StatusCode, b, err
}

// resolve is ref resolved against the URL of the document that named it:
// Plivo's pages ask for "a fully qualified URL" and say nothing of a relative
// one, yet print one (action="/dial-status/"); the simulator resolves a path
// ("/…") against it, and says so; anything else that is not an absolute URL
// ends the call as an invalid URL.
func (s *session) resolve(base, ref string) string {
	ref = strings.TrimSpace(ref)
	r, err := url.Parse(ref)
	if err != nil || r.IsAbs() || !strings.HasPrefix(ref, "/") {
		return ref // not a path: refused later as not a URL
	}
	b, err := url.Parse(base)
	if err != nil {
		return ref
	}
	abs := b.ResolveReference(r).String()
	s.note("relative URL %q resolved against %s: %s", escape(ref), escape(base), escape(abs))
	return abs
}

// withQuery is rawURL (which has no fragment) with params added to its
// query string.
func withQuery(rawURL string, params url.Values) string {
	if len(params) == 0 {
		return rawURL
	}
	sep := "?"
	if strings.Contains(rawURL, "?") {
		sep = "&"
	}
	return rawURL + sep + params.Encode()
}
