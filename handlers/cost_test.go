package handlers

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"runtime"
	"strings"
	"testing"

	"answerurl/security"
)

// TestV2VerifiesBeforeReading: V2 signs the URL and nonce only, so a V2
// route checks the signature before it reads the body. A forged request is
// refused 403 with none of its body read, whatever the body is; a signed
// one still has its body read, parsed and bounded.
func TestV2VerifiesBeforeReading(t *testing.T) {
	h, _ := testRouter(t, nil)
	deep := `{"From":"14155550100","N":` + strings.Repeat(`{"a":`, 6000) + "1" + strings.Repeat("}", 6000) + "}"
	for _, tt := range []struct {
		name, contentType, body string
		sig                     string // the signature's token
		want                    int
	}{
		{"forged, deep JSON", "application/json", deep, "forger", 403},
		{"forged, malformed form", "application/x-www-form-urlencoded", "From=%zz", "forger", 403},
		{"forged, oversized", "application/x-www-form-urlencoded", strings.Repeat("x", 2*DefaultMaxBodyBytes), "forger", 403},
		{"signed, deep JSON", "application/json", deep, token, 400},
		{"signed, malformed form", "application/x-www-form-urlencoded", "From=%zz", token, 400},
		{"signed, oversized", "application/x-www-form-urlencoded", strings.Repeat("x", 2*DefaultMaxBodyBytes), token, 413},
		{"signed", "application/x-www-form-urlencoded", smsForm.Encode(), token, 200},
	} {
		sig, _ := security.SignPlivoV2(tt.sig, "http://example.com/receive_sms/", nonce)
		r := signedRequest("POST", "http://example.com/receive_sms/", tt.contentType, tt.body,
			map[string]string{security.HeaderPlivoV2: sig, security.HeaderPlivoV2Nonce: nonce})
		r.ContentLength = -1 // no early 413 from the announced length
		read := &countingReader{r: r.Body}
		r.Body = read
		w := serve(h, r)
		if w.Code != tt.want {
			t.Errorf("%s: %d %s; want %d", tt.name, w.Code, w.Body, tt.want)
		}
		if forged := tt.sig != token; forged && read.n != 0 {
			t.Errorf("%s: %d bytes of the body read before the signature was checked", tt.name, read.n)
		}
	}
}

// TestJSONDepthRefused: a JSON body nested deeper than the bound gets 400,
// with a reason that names the bound, signed or not.
func TestJSONDepthRefused(t *testing.T) {
	h, _ := testRouter(t, nil)
	body := `{"a":` + strings.Repeat("[", 40) + strings.Repeat("]", 40) + "}"
	c := call{method: "POST", target: "http://example.com/speak/", contentType: "application/json", body: body}
	w := c.do(t, h)
	if w.Code != 400 || !strings.Contains(w.Body.String(), "JSON nested more than 32 deep") {
		t.Errorf("%d %q; want 400 naming the depth", w.Code, w.Body)
	}
}

// stallingBody delivers its bytes, then records the memory allocated since
// start and fails, as a sender that stops sending would leave the reader.
type stallingBody struct {
	data  []byte
	start runtime.MemStats
	held  uint64
}

func (s *stallingBody) Read(p []byte) (int, error) {
	if len(s.data) > 0 {
		n := copy(p, s.data)
		s.data = s.data[n:]
		return n, nil
	}
	var now runtime.MemStats
	runtime.ReadMemStats(&now)
	s.held = now.TotalAlloc - s.start.TotalAlloc
	return 0, io.ErrUnexpectedEOF
}

func (s *stallingBody) Close() error { return nil }

// TestAnnouncedBodyNotAllocated (issue 19, item 5): a request that
// announces 65,536 bytes and sends one allocates what it sent, not what it
// announced, while the server waits for the rest.
func TestAnnouncedBodyNotAllocated(t *testing.T) {
	h, _ := testRouter(t, func(o *Options) { o.MaxBodyBytes = 1 << 20 })
	r := signedRequest("POST", "http://example.com/speak/", "application/x-www-form-urlencoded", "",
		map[string]string{security.HeaderPlivoV3: "AAAA", security.HeaderPlivoV3Nonce: nonce})
	body := &stallingBody{data: []byte("F")}
	r.Body, r.ContentLength = body, 65536
	w := httptest.NewRecorder()
	runtime.GC()
	runtime.ReadMemStats(&body.start)
	h.ServeHTTP(w, r)
	if w.Code != http.StatusBadRequest {
		t.Errorf("status %d, want 400 for a body cut short", w.Code)
	}
	if body.held == 0 || body.held > 16<<10 {
		t.Errorf("%d bytes allocated while waiting for the rest of the body; want under 16 KiB", body.held)
	}
}

// TestParamKeysBounded: the keys and the URL a refusal logs are clipped,
// so that a log line stays short whatever was sent.
func TestParamKeysBounded(t *testing.T) {
	form := []string{strings.Repeat("k", 5000) + "=1"}
	for i := range 2000 {
		form = append(form, fmt.Sprintf("%s%d=1", strings.Repeat("a", 100), i))
	}
	h, logs := testRouter(t, nil)
	c := call{method: "POST", target: "http://example.com/speak/?q=" + strings.Repeat("x", 5000), contentType: "application/x-www-form-urlencoded",
		body: strings.Join(form, "&"), sigToken: "forger"}
	h.verify.maxBody = 1 << 30
	if w := c.do(t, h); w.Code != 403 {
		t.Fatalf("status %d", w.Code)
	}
	line := logs.String()
	if len(line) > 2000 || !strings.Contains(line, "(2002 keys in the query and body)") {
		t.Errorf("log line of %d bytes: %.300s…", len(line), line)
	}
}

func TestParamKeys(t *testing.T) {
	many, want := url.Values{}, []string{}
	for i := range 60 {
		many.Set(fmt.Sprintf("k%02d", 59-i), "v")
		if i < 50 {
			want = append(want, fmt.Sprintf("k%02d", i))
		}
	}
	long := url.Values{strings.Repeat("é", 30): nil, "a": nil}
	for _, tt := range []struct {
		name string
		r    security.Request
		want string
	}{
		{"sorted, query and body", security.Request{URL: "https://h/?b=1&a=2", Params: url.Values{"c": nil}}, "a,b,c"},
		{"a key in the query and the body is one key", security.Request{URL: "https://h/?a=1&b=2", Params: url.Values{"a": nil}}, "a,b"},
		{"counted once", security.Request{URL: "https://h/?" + strings.Repeat("&zz=1", 3) + "&" + many.Encode(), Params: many},
			strings.Join(want, ",") + ",… (61 keys in the query and body)"},
		{"the first 50", security.Request{Params: many}, strings.Join(want, ",") + ",… (60 keys in the query and body)"},
		{"long keys clipped", security.Request{Params: long}, "a," + strings.Repeat("é", 20) + "…"},
	} {
		if got := paramKeys(&tt.r); got != tt.want {
			t.Errorf("%s: %q, want %q", tt.name, got, tt.want)
		}
	}
}
