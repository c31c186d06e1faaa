package security

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Param is one decoded parameter.
type Param struct{ Key, Value string }

// Params are a request's body parameters in the order the signature schemes
// cover them: sorted by key (by code point, as the providers sort), and a
// repeated key's values in request order. [ParseForm], [ParseJSONParams]
// and [NewParams] make them. Sorting once, when the body is parsed, lets
// every verification just concatenate; a verifier given Params out of order
// sorts a copy.
type Params []Param

// NewParams returns v as Params.
func NewParams(v url.Values) Params {
	p := make(Params, 0, len(v))
	for k, vs := range v {
		for _, x := range vs {
			p = append(p, Param{k, x})
		}
	}
	slices.SortStableFunc(p, compareKeys)
	return p
}

// ParseForm decodes a form-encoded body as [ParseQuery] does, into Params.
func ParseForm(body string) (Params, error) {
	p, err := appendQueryPairs(nil, body)
	if err != nil {
		return nil, err
	}
	slices.SortStableFunc(p, compareKeys)
	return p, nil
}

// Get returns the first value of key, or "".
func (p Params) Get(key string) string {
	for _, kv := range p {
		if kv.Key == key {
			return kv.Value
		}
	}
	return ""
}

// Values returns p as url.Values.
func (p Params) Values() url.Values {
	v := make(url.Values, len(p))
	for _, kv := range p {
		v[kv.Key] = append(v[kv.Key], kv.Value)
	}
	return v
}

func compareKeys(a, b Param) int { return strings.Compare(a.Key, b.Key) }

// comparePairs orders by key, then value: keys ascending and a repeated key's
// values ascending, the order Plivo's V3 and Twilio need.
func comparePairs(a, b Param) int {
	if c := strings.Compare(a.Key, b.Key); c != 0 {
		return c
	}
	return strings.Compare(a.Value, b.Value)
}

// ParseQuery decodes a query string or a form-encoded body the way Plivo's
// SDKs do, which differs from [url.ParseQuery] in one way that matters: pairs
// are split on '&' only, so a ';' is part of a value. As usual, '+' is a
// space, a pair without '=' has a blank value, and empty pairs are skipped.
// A malformed percent-escape or invalid UTF-8 is an error wrapping
// [ErrMalformedParams].
func ParseQuery(s string) (url.Values, error) {
	pairs, err := appendQueryPairs(nil, s)
	if err != nil {
		return nil, err
	}
	v := make(url.Values, len(pairs))
	for _, p := range pairs {
		v[p.Key] = append(v[p.Key], p.Value)
	}
	return v, nil
}

// maxPresized bounds the pairs appendQueryPairs makes room for before it
// has decoded them, so that a body of bare '&'s cannot claim memory.
const maxPresized = 256

// appendQueryPairs appends the decoded pairs of the query string s to dst.
func appendQueryPairs(dst []Param, s string) ([]Param, error) {
	// Room for every pair at once, up to a bound: '&'s are cheap to send.
	dst = slices.Grow(dst, min(strings.Count(s, "&")+1, maxPresized))
	// Valid UTF-8 cut at ASCII bytes stays valid: one check for the whole
	// string saves one for each part.
	valid := utf8.ValidString(s)
	for s != "" {
		var pair string
		pair, s, _ = strings.Cut(s, "&")
		if pair == "" {
			continue
		}
		k, v, _ := strings.Cut(pair, "=")
		key, err := unescape(k, valid)
		if err != nil {
			return dst, err
		}
		value, err := unescape(v, valid)
		if err != nil {
			return dst, err
		}
		dst = append(dst, Param{key, value})
	}
	return dst, nil
}

// unescape decodes one query component: '+' becomes a space and %XX a byte.
// It returns s itself, without allocating, when there is nothing to decode.
// What it returns must be valid UTF-8; valid says s is known to be.
func unescape(s string, valid bool) (string, error) {
	first := strings.IndexByte(s, '%')
	if plus := strings.IndexByte(s, '+'); plus >= 0 && (first < 0 || plus < first) {
		first = plus
	}
	if first < 0 {
		if !valid && !utf8.ValidString(s) {
			return "", fmt.Errorf("%w: invalid UTF-8", ErrMalformedParams)
		}
		return s, nil
	}
	var b strings.Builder
	b.Grow(len(s))
	b.WriteString(s[:first])
	for i := first; i < len(s); {
		switch s[i] {
		case '+':
			b.WriteByte(' ')
			i++
		case '%':
			if i+2 >= len(s) || !isHex(s[i+1]) || !isHex(s[i+2]) {
				return "", fmt.Errorf("%w: bad percent-escape %q", ErrMalformedParams, clip(s[i:], 3))
			}
			b.WriteByte(unhex(s[i+1])<<4 | unhex(s[i+2]))
			i += 3
		default: // copy the run up to the next escape in one go
			j := i + 1
			for j < len(s) && s[j] != '%' && s[j] != '+' {
				j++
			}
			b.WriteString(s[i:j])
			i = j
		}
	}
	out := b.String()
	if !utf8.ValidString(out) {
		return "", fmt.Errorf("%w: invalid UTF-8 after percent-decoding", ErrMalformedParams)
	}
	return out, nil
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

func unhex(c byte) byte {
	switch {
	case c <= '9':
		return c - '0'
	case c <= 'F':
		return c - 'A' + 10
	default:
		return c - 'a' + 10
	}
}

func clip(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}

// ParseJSONParams turns a JSON object body into the parameters Plivo's V3
// signature covers, following plivo-python (the SDKs disagree; see the
// README): a string is used as is; a number as Python prints it (1, 1.5,
// 1e+16); true, false and null as True, False and None; an array adds each
// of its values under the same key (numbers sorted as numbers, as Python
// sorts them); and a nested object becomes one value, the concatenation of
// its own sorted key+value pairs. Anything that is not an object, or an array
// holding arrays, objects, nulls or mixed types (which plivo-python cannot
// sort either), is an error wrapping [ErrMalformedParams].
func ParseJSONParams(body []byte) (Params, error) {
	d := json.NewDecoder(bytes.NewReader(body))
	d.UseNumber()
	var obj map[string]any
	if err := d.Decode(&obj); err != nil {
		return nil, fmt.Errorf("%w: body is not a JSON object: %v", ErrMalformedParams, err)
	}
	if obj == nil {
		return nil, fmt.Errorf("%w: body is not a JSON object", ErrMalformedParams)
	}
	if d.More() {
		return nil, fmt.Errorf("%w: data after the JSON object", ErrMalformedParams)
	}
	p := make(Params, 0, len(obj))
	for key, val := range obj {
		vals, err := jsonValues(val)
		if err != nil {
			return nil, fmt.Errorf("%w: key %q: %v", ErrMalformedParams, clip(key, 64), err)
		}
		for _, v := range vals {
			p = append(p, Param{key, v})
		}
	}
	slices.SortStableFunc(p, compareKeys)
	return p, nil
}

// jsonValues canonicalises one JSON value into the strings it signs as.
func jsonValues(val any) ([]string, error) {
	switch val := val.(type) {
	case []any:
		return jsonArray(val)
	case map[string]any:
		s, err := nestedParams(val)
		return []string{s}, err
	default:
		return []string{jsonScalar(val)}, nil
	}
}

func jsonScalar(val any) string {
	switch val := val.(type) {
	case string:
		return val
	case bool:
		if val {
			return "True"
		}
		return "False"
	case json.Number:
		return pythonNumber(val)
	default: // nil
		return "None"
	}
}

// jsonArray sorts an array as Python's list.sort does for one element type.
func jsonArray(arr []any) ([]string, error) {
	if len(arr) == 0 {
		return nil, nil
	}
	out := make([]string, len(arr))
	switch arr[0].(type) {
	case string, bool:
		kind := fmt.Sprintf("%T", arr[0])
		for i, e := range arr {
			if fmt.Sprintf("%T", e) != kind {
				return nil, fmt.Errorf("array mixes types")
			}
			out[i] = jsonScalar(e)
		}
		slices.Sort(out) // "False" < "True" and strings by code point, as Python
	case json.Number:
		nums := make([]float64, len(arr))
		for i, e := range arr {
			n, ok := e.(json.Number)
			if !ok {
				return nil, fmt.Errorf("array mixes types")
			}
			f, err := strconv.ParseFloat(string(n), 64)
			if err != nil {
				return nil, fmt.Errorf("number %q out of range", clip(string(n), 32))
			}
			nums[i], out[i] = f, pythonNumber(n)
		}
		idx := make([]int, len(arr))
		for i := range idx {
			idx[i] = i
		}
		slices.SortStableFunc(idx, func(a, b int) int { return cmpFloat(nums[a], nums[b]) })
		sorted := make([]string, len(arr))
		for i, j := range idx {
			sorted[i] = out[j]
		}
		out = sorted
	default:
		return nil, fmt.Errorf("arrays may hold strings, numbers or booleans only")
	}
	return out, nil
}

func cmpFloat(a, b float64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// nestedParams is plivo-python's get_sorted_params_string for a nested object.
func nestedParams(obj map[string]any) (string, error) {
	keys := make([]string, 0, len(obj))
	for k := range obj {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	var b strings.Builder
	for _, k := range keys {
		vals, err := jsonValues(obj[k])
		if err != nil {
			return "", err
		}
		for _, v := range vals {
			b.WriteString(k)
			b.WriteString(v)
		}
	}
	return b.String(), nil
}

// pythonNumber prints a JSON number as Python's str() prints what json.loads
// made of it: integers exactly as written, floats in repr form.
func pythonNumber(n json.Number) string {
	s := string(n)
	if !strings.ContainsAny(s, ".eE") {
		if s == "-0" {
			return "0"
		}
		return s
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsInf(f, 0) {
		if strings.HasPrefix(s, "-") {
			return "-inf"
		}
		return "inf"
	}
	return pythonFloatRepr(f)
}

// pythonFloatRepr formats f as Python's repr: the shortest digits that round
// trip, in positional form when the exponent is in [-4, 16), else as 1e+16.
func pythonFloatRepr(f float64) string {
	e := strconv.FormatFloat(f, 'e', -1, 64) // -d.ddde±xx
	sign := ""
	if e[0] == '-' {
		sign, e = "-", e[1:]
	}
	mant, expStr, _ := strings.Cut(e, "e")
	exp, _ := strconv.Atoi(expStr)
	digits := strings.Replace(mant, ".", "", 1)
	if exp < -4 || exp >= 16 {
		m := digits[:1]
		if len(digits) > 1 {
			m += "." + digits[1:]
		}
		es := strconv.Itoa(abs(exp))
		if len(es) < 2 {
			es = "0" + es
		}
		if exp < 0 {
			return sign + m + "e-" + es
		}
		return sign + m + "e+" + es
	}
	if exp < 0 {
		return sign + "0." + strings.Repeat("0", -exp-1) + digits
	}
	if len(digits) <= exp+1 {
		return sign + digits + strings.Repeat("0", exp+1-len(digits)) + ".0"
	}
	return sign + digits[:exp+1] + "." + digits[exp+1:]
}

func abs(n int) int {
	if n < 0 {
		return -n
	}
	return n
}
