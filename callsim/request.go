package callsim

import (
	"crypto/rand"
	"fmt"
	"io"
	"math/big"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"

	"answerurl/security"
)

// params are the parameters Plivo sends with every request of a call:
// https://www.plivo.com/docs/voice/xml/request/ and, for the answer URL,
// https://www.plivo.com/docs/account/api/application/ ("Parameters Plivo
// sends to the Answer URL"; ALegUUID and ALegRequestUUID are for outbound
// calls only). CallStatus is ringing at the answer URL, in-progress after.
func (s *session) params(status string) url.Values {
	return url.Values{
		"CallUUID":   {s.res.CallUUID},
		"From":       {s.From},
		"To":         {s.To},
		"Direction":  {"inbound"},
		"CallStatus": {status},
	}
}

// hangup is how a call ended, for the hangup URL.
type hangup struct {
	cause, source string
	code          int
}

// Hangup sources and causes from
// https://www.plivo.com/docs/voice/troubleshooting/hangup-causes/
var (
	hangupByXML    = hangup{"Normal Hangup", "Answer XML", 4000}
	hangupEndOfXML = hangup{"End Of XML Instructions", "Plivo", 4010}
	hangupByCaller = hangup{"Normal Hangup", "Caller", 4000}
	hangupError    = hangup{"Normal Hangup", "Error", 4000}
)

// hangupParams are what the hangup URL gets: the request parameters with
// CallStatus completed, plus HangupCause, Duration and BillDuration
// (https://www.plivo.com/docs/voice/xml/request/) and the cause's name,
// code and source (https://www.plivo.com/docs/voice/troubleshooting/hangup-causes/).
func (s *session) hangupParams(h hangup) url.Values {
	p := s.params("completed")
	p.Set("HangupCause", "NORMAL_CLEARING")
	p.Set("HangupCauseName", h.cause)
	p.Set("HangupCauseCode", strconv.Itoa(h.code))
	p.Set("HangupSource", h.source)
	p.Set("Duration", strconv.Itoa(s.seconds))
	p.Set("BillDuration", strconv.Itoa(s.seconds))
	return p
}

// request sends one signed request and returns the body of a 2xx answer.
// A GET carries params in its query string (and signs the URL with it), as
// Plivo does; a POST carries them as a form.
func (s *session) request(method, rawURL string, params url.Values) ([]byte, error) {
	if len(s.res.Requests) >= s.MaxRequests && !s.ending {
		return nil, fmt.Errorf("%w: the caller hung up after %d requests (a Redirect loop?)", ErrTooLong, s.MaxRequests)
	}
	var body io.Reader
	var bodyParams url.Values
	target := rawURL
	if method == "GET" {
		target = withQuery(rawURL, params)
	} else {
		body, bodyParams = strings.NewReader(params.Encode()), params
	}
	nonce := newNonce()
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
	s.say("%s %s  %d", method, target, status)
	if status < 200 || status > 299 {
		return nil, &RefusedError{Method: method, URL: target, Status: status, Reason: clip(string(answer), 200)}
	}
	return answer, nil
}

// send delivers req to the Handler in-process, or over the network.
func (s *session) send(req *http.Request) (int, []byte, error) {
	if s.Handler != nil {
		req.RemoteAddr = "127.0.0.1:40000"
		w := httptest.NewRecorder()
		s.Handler.ServeHTTP(w, req)
		return w.Code, w.Body.Bytes(), nil
	}
	client := s.Client
	if client == nil {
		client = http.DefaultClient
	}
	resp, err := client.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	return resp.StatusCode, b, err
}

// withQuery is rawURL with params added to its query string.
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

// newNonce is a fresh random 20-digit nonce, as Plivo sends.
func newNonce() string {
	n, err := rand.Int(rand.Reader, new(big.Int).Exp(big.NewInt(10), big.NewInt(20), nil))
	if err != nil {
		panic(err)
	}
	return fmt.Sprintf("%020d", n)
}
