package security

import (
	"errors"
	"net/url"
	"reflect"
	"testing"
)

func TestParseQuery(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want url.Values
	}{
		{"empty", "", url.Values{}},
		{"pairs", "a=1&b=2", url.Values{"a": {"1"}, "b": {"2"}}},
		{"repeated key keeps order", "a=2&a=1", url.Values{"a": {"2", "1"}}},
		{"blank value", "a=", url.Values{"a": {""}}},
		{"no equals sign", "a", url.Values{"a": {""}}},
		{"empty pairs skipped", "&&a=1&&", url.Values{"a": {"1"}}},
		{"plus is space", "q=caf%C3%A9+noir", url.Values{"q": {"café noir"}}},
		{"semicolon is data", "a=1;b=2", url.Values{"a": {"1;b=2"}}},
		{"second equals is data", "a=b=c", url.Values{"a": {"b=c"}}},
		{"escaped key", "%41+b=%2B", url.Values{"A b": {"+"}}},
		{"empty key", "=x", url.Values{"": {"x"}}},
		{"a semicolon is data, where url.ParseQuery refuses it", "Digits=1;2&a=%3B", url.Values{"Digits": {"1;2"}, "a": {";"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseQuery(tt.in)
			if err != nil || !reflect.DeepEqual(got, tt.want) {
				t.Errorf("ParseQuery(%q) = %v, %v; want %v", tt.in, got, err, tt.want)
			}
		})
	}
}

func TestParseQueryMalformed(t *testing.T) {
	for _, in := range []string{"a=%", "a=%4", "a=%zz", "%g0=1", "a=%ff", "a=\xff"} {
		if _, err := ParseQuery(in); !errors.Is(err, ErrMalformedParams) {
			t.Errorf("ParseQuery(%q) error = %v, want ErrMalformedParams", in, err)
		}
	}
}

func TestParseJSONParams(t *testing.T) {
	tests := []struct {
		name, in string
		want     url.Values
	}{
		{"strings", `{"From":"1415","Text":"hi"}`, url.Values{"From": {"1415"}, "Text": {"hi"}}},
		{"array of strings sorted", `{"Digits":["9","1","10"]}`, url.Values{"Digits": {"1", "10", "9"}}},
		{"array of numbers sorted as strings", `{"n":[10,9,1.5]}`, url.Values{"n": {"1.5", "10", "9"}}},
		{"array of mixed scalars", `{"a":[1,"x",true,1e999]}`, url.Values{"a": {"1", "True", "inf", "x"}}},
		{"booleans and null as Python prints them", `{"a":true,"b":false,"c":null}`, url.Values{"a": {"True"}, "b": {"False"}, "c": {"None"}}},
		{"integers as written", `{"a":12345678901234567890,"b":-0}`, url.Values{"a": {"12345678901234567890"}, "b": {"0"}}},
		{"floats as Python repr", `{"a":1.50,"b":1e2,"c":1e16,"d":0.0001,"e":1e-5,"f":-2.5e-7,"g":123456789012345.6}`,
			url.Values{"a": {"1.5"}, "b": {"100.0"}, "c": {"1e+16"}, "d": {"0.0001"}, "e": {"1e-05"}, "f": {"-2.5e-07"}, "g": {"123456789012345.6"}}},
		{"nested object", `{"x":{"b":"2","a":["z","y"],"c":{"d":true}}}`, url.Values{"x": {"ayazb2cdTrue"}}},
		{"empty array adds nothing", `{"a":[]}`, url.Values{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseJSONParams([]byte(tt.in))
			if err != nil || !reflect.DeepEqual(got, tt.want) {
				t.Errorf("ParseJSONParams(%s) = %v, %v; want %v", tt.in, got, err, tt.want)
			}
		})
	}
}

func TestParseJSONParamsRejects(t *testing.T) {
	for _, in := range []string{``, `null`, `[]`, `"s"`, `1`, `{`, `{"a":1}{}`, `{"a":[[1]]}`,
		`{"a":[{"b":1}]}`, `{"a":[null]}`, `{"a":["x",null]}`} {
		if _, err := ParseJSONParams([]byte(in)); !errors.Is(err, ErrMalformedParams) {
			t.Errorf("ParseJSONParams(%s) error = %v, want ErrMalformedParams", in, err)
		}
	}
}

func TestSplitURL(t *testing.T) {
	tests := []struct{ in, base, query string }{
		{"https://h/p?a=1", "https://h/p", "a=1"},
		{"https://h", "https://h", ""},
		{"https://h/caf%C3%A9/?x", "https://h/caf%C3%A9/", "x"},
		{"HTTPS://user:pw@h:8443/a%20b/?", "https://h:8443/a%20b/", ""},
		{"http://[::1]:80/x?q", "http://[::1]:80/x", "q"},
	}
	for _, tt := range tests {
		u, err := SplitURL(tt.in)
		if err != nil || u.Base() != tt.base || u.RawQuery != tt.query {
			t.Errorf("SplitURL(%q) = %+v, %v; want %q, %q", tt.in, u, err, tt.base, tt.query)
		}
	}
	for _, bad := range []string{"", "/speak/", "h/p", "://h/p", "https:///p", "ht tp://h/", "https://h x/", "ftp://h/", "https://h\x00/",
		"https://h/p?a=1#f", "https://h/p?a=1#&From=x", "https://h/p#?a"} {
		if _, err := SplitURL(bad); !errors.Is(err, ErrBadURL) {
			t.Errorf("SplitURL(%q) error = %v, want ErrBadURL", bad, err)
		}
	}
}

func TestEquivalentBases(t *testing.T) {
	tests := []struct {
		in   string
		want []string
	}{
		{"https://h/x", []string{"https://h/x", "https://h:443/x"}},
		{"https://h:443/x", []string{"https://h:443/x", "https://h/x"}},
		{"http://h/", []string{"http://h/", "http://h", "http://h:80/", "http://h:80"}},
		{"https://h:8443/x", []string{"https://h:8443/x"}},
		{"https://[::1]/x", []string{"https://[::1]/x", "https://[::1]:443/x"}},
		{"https://[::1]:9/x", []string{"https://[::1]:9/x"}},
	}
	for _, tt := range tests {
		u, _ := SplitURL(tt.in)
		if got := equivalentBases(u); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("equivalentBases(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
