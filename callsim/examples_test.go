package callsim

import (
	"bufio"
	"context"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"answerurl/security"
)

// examples is where Plivo's own example documents are kept, each NAME.xml
// verbatim beside NAME.expect, the walk Plivo's pages document for it
// (testdata/plivo-examples/README.md says where each comes from).
const examples = "../testdata/plivo-examples"

// exampleServer answers /answer with one example document and every other
// path with an empty <Response/>, after verifying each request's signature.
type exampleServer struct{ doc []byte }

func (e exampleServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	v, _ := security.NewPlivoV3(security.PlivoTokens{AuthTokens: []string{testToken}})
	r.ParseForm()
	var params map[string][]string
	if r.Method == "POST" {
		params = r.PostForm
	}
	if _, err := v.Verify(&security.Request{Method: r.Method, URL: r.URL.String(), Params: params, Header: r.Header}); err != nil {
		http.Error(w, "invalid signature: "+err.Error(), http.StatusForbidden)
		return
	}
	if r.URL.Path == "/answer" {
		w.Write(e.doc)
		return
	}
	io.WriteString(w, "<Response/>")
}

// TestPlivoExamples walks each of Plivo's example documents as its .expect
// file says Plivo runs it: what is said, played and dialled, every request
// (method, host and path, in order), the parameters named, and the ending.
func TestPlivoExamples(t *testing.T) {
	docs, _ := filepath.Glob(filepath.Join(examples, "*.xml"))
	if len(docs) < 15 {
		t.Fatalf("%d example documents, want at least 15", len(docs))
	}
	for _, doc := range docs {
		name := strings.TrimSuffix(filepath.Base(doc), ".xml")
		t.Run(name, func(t *testing.T) {
			body, err := os.ReadFile(doc)
			if err != nil {
				t.Fatal(err)
			}
			want := readExpect(t, strings.TrimSuffix(doc, ".xml")+".expect")
			c := want.call
			c.Handler, c.Token = exampleServer{body}, testToken
			c.AnswerURL, c.HangupURL = "http://example.com/answer", "http://example.com/hangup"
			c.AllowHosts = []string{"foo.example.com"}
			res, err := c.Run(context.Background())
			if (err != nil) != (want.err != "") || (err != nil && !strings.Contains(err.Error(), want.err)) {
				t.Fatalf("Run = %v, want an error holding %q\n%s", err, want.err, lines(res))
			}
			if n := want.saidCount; n > 0 && len(res.Said) == n && len(want.lists["said"]) == 1 && !slices.ContainsFunc(res.Said, func(s string) bool { return s != res.Said[0] }) {
				res.Said = res.Said[:1] // n times the same words, as expected
			}
			var requests []string
			for _, rq := range res.Requests {
				u := strings.SplitN(rq.URL, "?", 2)[0]
				requests = append(requests, rq.Method+" "+strings.TrimPrefix(strings.TrimPrefix(u, "http://"), "https://"))
			}
			for _, check := range []struct {
				what      string
				got, want []string
			}{{"said", res.Said, want.lists["said"]}, {"played", res.Played, want.lists["played"]},
				{"dialled", res.Dialled, want.lists["dialled"]}, {"requests", requests, want.lists["request"]}} {
				if !slices.Equal(check.got, check.want) {
					t.Errorf("%s\n %q\nwant %q", check.what, check.got, check.want)
				}
			}
			for _, p := range want.lists["param"] {
				n, kv, _ := strings.Cut(p, " ")
				k, v, _ := strings.Cut(kv, "=")
				i, _ := strconv.Atoi(n)
				if i >= len(res.Requests) || res.Requests[i].Params.Get(k) != v {
					t.Errorf("request %d: %s is not %q", i, k, v)
				}
			}
			if got := strconv.Itoa(res.Hangup.Code) + " " + res.Hangup.Source; got != want.hangup {
				t.Errorf("hangup %q, want %q", got, want.hangup)
			}
			if t.Failed() {
				t.Log(lines(res))
			}
		})
	}
}

// expectation is a parsed .expect file.
type expectation struct {
	call   Call
	lists  map[string][]string // said, played, dialled, request, param
	hangup string              // "code source"
	err    string              // a part of the error Run returns
	// saidCount, when set, is how many times the one said line is said.
	saidCount int
}

// readExpect reads "key: value" lines; # starts a comment line.
func readExpect(t *testing.T, path string) expectation {
	f, err := os.Open(path)
	if err != nil {
		t.Fatalf("%v: each example needs its expectation beside it", err)
	}
	defer f.Close()
	e := expectation{lists: map[string][]string{}}
	lines := bufio.NewScanner(f)
	for lines.Scan() {
		line := lines.Text()
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		key, value, ok := strings.Cut(line, ": ")
		if !ok {
			t.Fatalf("%s: %q is not key: value", path, line)
		}
		switch key {
		case "caller":
			e.call.Digits = strings.Split(value, ",")
		case "dial":
			e.call.DialStatus = value
		case "hangup-after", "record-length":
			d, err := time.ParseDuration(value)
			if err != nil {
				t.Fatalf("%s: %v", path, err)
			}
			if key == "hangup-after" {
				e.call.HangupAfter = d
			} else {
				e.call.RecordLength = d
			}
		case "hangup":
			e.hangup = value
		case "said-count":
			e.saidCount, _ = strconv.Atoi(value)
		case "error":
			e.err = value
		case "said", "played", "dialled", "request", "param":
			e.lists[key] = append(e.lists[key], value)
		default:
			t.Fatalf("%s: unknown key %q", path, key)
		}
	}
	return e
}
