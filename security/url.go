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
	raw, _, _ = strings.Cut(raw, "#")
	raw, query, _ = strings.Cut(raw, "?")
	scheme, rest, ok := strings.Cut(raw, "://")
	if !ok || scheme == "" || !isScheme(scheme) {
		return "", "", fmt.Errorf("%w: %q has no scheme, expected https://host/path", ErrBadURL, clip(raw, 64))
	}
	host, path := rest, ""
	if i := strings.IndexByte(rest, '/'); i >= 0 {
		host, path = rest[:i], rest[i:]
	}
	if i := strings.LastIndexByte(host, '@'); i >= 0 {
		host = host[i+1:]
	}
	if host == "" {
		return "", "", fmt.Errorf("%w: %q has no host", ErrBadURL, clip(raw, 64))
	}
	if strings.ContainsAny(host, " \t\r\n") {
		return "", "", fmt.Errorf("%w: host contains white space", ErrBadURL)
	}
	lower := strings.ToLower(scheme)
	if lower == scheme && len(host) == len(rest) {
		return raw, query, nil // the common case: nothing to rebuild
	}
	return lower + "://" + host + path, query, nil
}

func isScheme(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i] | 0x20
		if !('a' <= c && c <= 'z') && !(i > 0 && (s[i] >= '0' && s[i] <= '9' || s[i] == '+' || s[i] == '-' || s[i] == '.')) {
			return false
		}
	}
	return true
}
