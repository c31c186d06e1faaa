package security

import (
	"errors"
	"fmt"
	"mime"
	"net/url"
	"slices"
	"strings"
	"unicode/utf8"
)

// ParseQuery decodes a query string or a form body as Plivo's SDKs do. Unlike
// [url.ParseQuery] it splits pairs on '&' only, so a ';' is part of a value,
// as plivo-python reads it. Keys and values are decoded by
// [url.QueryUnescape]; a repeated key keeps its values in order. A malformed
// percent-escape or invalid UTF-8 is an error wrapping [ErrMalformedParams].
func ParseQuery(s string) (url.Values, error) {
	values := make(url.Values, min(strings.Count(s, "&")+1, 256)) // room for the pairs, within bounds
	for pair := range strings.SplitSeq(s, "&") {
		if pair == "" {
			continue
		}
		rawKey, rawValue, _ := strings.Cut(pair, "=")
		key, err1 := url.QueryUnescape(rawKey)
		value, err2 := url.QueryUnescape(rawValue)
		if err1 != nil || err2 != nil {
			return nil, fmt.Errorf("%w: bad percent-escape in %.32q", ErrMalformedParams, pair)
		}
		if !utf8.ValidString(key) || !utf8.ValidString(value) {
			return nil, fmt.Errorf("%w: invalid UTF-8 in %.32q", ErrMalformedParams, pair)
		}
		values[key] = append(values[key], value)
	}
	return values, nil
}

// MediaType returns the media type of a Content-Type header's value, in
// lower case and without parameters, as [mime.ParseMediaType] reads it; ""
// when there is none. It is this module's one reading of Content-Type: the
// verifiers, the server that parses a body by it and the handlers agree.
func MediaType(contentType string) string {
	mediaType, _, err := mime.ParseMediaType(contentType)
	if err != nil && !errors.Is(err, mime.ErrInvalidMediaParameter) {
		return ""
	}
	return mediaType
}

// sortedKeys returns v's keys in ascending order (by code point, as the
// providers sort them), and the length of v's pairs written as key=value&:
// room for any way a scheme writes them.
func sortedKeys(v url.Values) (keys []string, size int) {
	keys = make([]string, 0, len(v))
	for key, values := range v {
		keys = append(keys, key)
		for _, value := range values {
			size += len(key) + len(value) + 2
		}
	}
	slices.Sort(keys)
	return keys, size
}

// sortedValues returns values in ascending order, without changing them.
func sortedValues(values []string) []string {
	if len(values) < 2 {
		return values
	}
	sorted := slices.Clone(values)
	slices.Sort(sorted)
	return sorted
}

// merged returns the pairs of a and b together, a's values of a key first,
// without changing either: a or b itself when the other is empty.
func merged(a, b url.Values) url.Values {
	if len(b) == 0 && a != nil {
		return a
	}
	if len(a) == 0 && b != nil {
		return b
	}
	out := make(url.Values, len(a)+len(b))
	for _, v := range []url.Values{a, b} {
		for key, values := range v {
			out[key] = append(out[key], values...)
		}
	}
	return out
}
