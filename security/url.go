package security

import (
	"fmt"
	"strings"
)

// splitURL cuts a URL into the part every scheme signs (scheme, host with any
// explicit port, and the path exactly as written) and its raw query string.
// The fragment and any userinfo are dropped. Nothing is decoded or
// re-encoded: the provider signed the bytes it requested.
func splitURL(raw string) (base, query string, err error) {
	if i := strings.IndexByte(raw, '#'); i >= 0 {
		raw = raw[:i]
	}
	if i := strings.IndexByte(raw, '?'); i >= 0 {
		raw, query = raw[:i], raw[i+1:]
	}
	colon := strings.IndexByte(raw, ':')
	if colon <= 0 || !strings.HasPrefix(raw[colon:], "://") {
		return "", "", fmt.Errorf("%w: %q has no scheme, expected https://host/path", ErrBadURL, clip(raw, 64))
	}
	scheme, rest := raw[:colon], raw[colon+3:]
	lowerScheme, ok := schemeName(scheme)
	if !ok {
		return "", "", fmt.Errorf("%w: %q has no scheme, expected https://host/path", ErrBadURL, clip(raw, 64))
	}
	host, path := rest, ""
	if i := strings.IndexByte(rest, '/'); i >= 0 {
		host, path = rest[:i], rest[i:]
	}
	userinfo := false
	if i := strings.LastIndexByte(host, '@'); i >= 0 {
		host, userinfo = host[i+1:], true
	}
	if host == "" {
		return "", "", fmt.Errorf("%w: %q has no host", ErrBadURL, clip(raw, 64))
	}
	for i := 0; i < len(host); i++ {
		if host[i] <= ' ' || host[i] == 0x7f {
			return "", "", fmt.Errorf("%w: host contains white space or a control character", ErrBadURL)
		}
	}
	if lowerScheme == scheme && !userinfo {
		return raw, query, nil // the common case: nothing to rebuild
	}
	return lowerScheme + "://" + host + path, query, nil
}

// schemeName checks a URL scheme (a letter, then letters, digits, + - .)
// and returns it in lower case, without allocating when it already is.
func schemeName(s string) (string, bool) {
	upper := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case 'a' <= c && c <= 'z':
		case 'A' <= c && c <= 'Z':
			upper = true
		case i > 0 && ('0' <= c && c <= '9' || c == '+' || c == '-' || c == '.'):
		default:
			return "", false
		}
	}
	if upper {
		return strings.ToLower(s), true
	}
	return s, true
}
