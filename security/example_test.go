package security_test

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"

	"answerurl/security"
)

// Verify a Plivo voice callback from literal values, as a test or a REPL would.
func ExamplePlivoV3_Verify() {
	v, err := security.NewPlivoV3(security.PlivoTokens{AuthTokens: []string{"MAXXXXXXXXXXXXXXXXXX-token"}})
	if err != nil {
		panic(err)
	}
	req := &security.Request{
		Method: "POST",
		URL:    "https://answer.example.com/speak/",
		Params: url.Values{
			"From": {"14155550100"}, "To": {"14155550111"},
			"CallUUID": {"c0ffee00-0000-4000-8000-000000000001"}, "Direction": {"inbound"},
		},
		Header: http.Header{
			"X-Plivo-Signature-V3":       {"6yTU6TIMXafD9CAnSh6lHp41iGp5KaREaTvB/0/2/fs="},
			"X-Plivo-Signature-V3-Nonce": {"05429567804466091622"},
		},
	}
	_, err = v.Verify(req)
	fmt.Println(err)

	req.Params.Set("From", "14155550199") // tamper with the caller's number
	_, err = v.Verify(req)
	fmt.Println(errors.Is(err, security.ErrMismatch))
	// Output:
	// <nil>
	// true
}

// Sign a message callback as Plivo does, for a test or a simulated provider.
func ExampleSignPlivoV2() {
	sig, err := security.SignPlivoV2("my_auth_token", "https://answer.url/", "12345")
	fmt.Println(sig, err)
	// Output: do1CXv+k99A6+B+eTcyqbxWlezFIxJ/1vz72787r37g= <nil>
}

// A URL's query string is parsed as Plivo's SDKs parse it: ';' is data.
func ExampleParseQuery() {
	v, _ := security.ParseQuery("Digits=1;2&Text=caf%C3%A9+noir")
	fmt.Println(v["Digits"], v["Text"])
	// Output: [1;2] [café noir]
}

// Verify a Twilio webhook: the one interface, another scheme.
func ExampleTwilio() {
	v, _ := security.NewTwilio("12345")
	var verifier security.Verifier = v
	_, err := verifier.Verify(&security.Request{
		Method: "POST",
		URL:    "https://mycompany.com/myapp.php?foo=1&bar=2",
		Params: url.Values{"CallSid": {"CA1234567890ABCDE"}, "Caller": {"+12349013030"},
			"Digits": {"1234"}, "From": {"+12349013030"}, "To": {"+18005551212"}},
		Header: http.Header{"X-Twilio-Signature": {"0/KCTR6DLpKmkAf8muzZqo1nDgQ="}},
	})
	fmt.Println(err)
	// Output: <nil>
}

// A server builds the request to verify with NewRequest: its query is
// parsed once, and a handler reads that parse. A fragment, which no
// provider sends, is refused rather than read past what is signed.
func ExampleNewRequest() {
	req, err := security.NewRequest("GET", "https://answer.example.com/ivr/?flow=ivr&Digits=1;2", nil)
	fmt.Println(err)
	query, _ := req.Query()
	fmt.Println(query["flow"], query["Digits"])

	_, err = security.NewRequest("GET", "https://answer.example.com/ivr/?flow=ivr#&Digits=9", nil)
	fmt.Println(errors.Is(err, security.ErrBadURL))
	// Output:
	// <nil>
	// [ivr] [1;2]
	// true
}
