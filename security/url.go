package security

import (
	"fmt"
	"strings"
)

// splitURL cuts a URL into the part every scheme signs (scheme, host with any
// explicit port, and the path exactly as written) and its raw query string.
// The fragment and any userinfo are dropped. Nothing is decoded or
// re-encoded: the provider signed the bytes it requested.
func splitURL(raw string) (base, rawQuery string, err error) {
	raw, _, _ = strings.Cut(raw, "#")
	raw, rawQuery, _ = strings.Cut(raw, "?")
	scheme, rest, _ := strings.Cut(raw, "://")
	host, path := rest, ""
	if i := strings.IndexByte(rest, '/'); i >= 0 {
		host, path = rest[:i], rest[i:]
	}
	userinfo := false
	if i := strings.LastIndexByte(host, '@'); i >= 0 {
		host, userinfo = host[i+1:], true
	}
	lower := strings.ToLower(scheme)
	if lower != "http" && lower != "https" || !validHost(host) {
		return "", "", fmt.Errorf("%w: %q is not an absolute URL such as https://host/path", ErrBadURL, clip(raw, 64))
	}
	if lower != scheme || userinfo { // userinfo is never signed
		return lower + "://" + host + path, rawQuery, nil
	}
	return raw, rawQuery, nil
}

// firstMatch calls match with msg, a signed string that starts with base,
// the URL as rebuilt, and then with msg starting with each of base's other
// spellings (see equivalentBases), until match accepts one, which it returns.
func firstMatch(base string, msg []byte, match func(msg []byte) bool) (Signed, bool) {
	if match(msg) {
		return msg, true
	}
	rest := msg[len(base):]
	for _, other := range equivalentBases(base)[1:] {
		if msg := append([]byte(other), rest...); match(msg) {
			return msg, true
		}
	}
	return nil, false
}

// equivalentBases lists base, then the other spellings of it that name the
// same resource and that a provider may have signed while the request line
// cannot tell them apart: the default port written or removed, and an empty
// path for "/" and back. A trailing slash on any other path, another scheme
// or another host is a different resource and is never tried.
func equivalentBases(base string) []string {
	scheme, rest, _ := strings.Cut(base, "://")
	host, path := rest, ""
	if i := strings.IndexByte(rest, '/'); i >= 0 {
		host, path = rest[:i], rest[i:]
	}
	hosts := []string{host}
	port := map[string]string{"https": ":443", "http": ":80"}[scheme] // splitURL allows no other scheme
	if strings.HasSuffix(host, port) {
		hosts = append(hosts, strings.TrimSuffix(host, port))
	} else if !hasPort(host) {
		hosts = append(hosts, host+port)
	}
	paths := []string{path}
	switch path {
	case "/":
		paths = append(paths, "")
	case "":
		paths = append(paths, "/")
	}
	var out []string
	for _, h := range hosts {
		for _, p := range paths {
			out = append(out, scheme+"://"+h+p)
		}
	}
	return out
}

// hasPort reports whether host (a name, an IPv4 or a bracketed IPv6 address)
// carries an explicit port.
func hasPort(host string) bool {
	if strings.HasPrefix(host, "[") {
		return strings.Contains(host, "]:")
	}
	return strings.Contains(host, ":")
}

// validHost reports whether h can be a URL's host (and port): a name or an
// address first; no white space, control characters or URL delimiters.
func validHost(h string) bool {
	return h != "" && h[0] != ':' && len(h) <= 255 && !strings.ContainsAny(h, "/?#@\\") &&
		!strings.ContainsFunc(h, func(c rune) bool { return c <= ' ' || c == 0x7f })
}

// clip cuts s to at most n bytes, for quoting input in an error.
func clip(s string, n int) string { return s[:min(len(s), n)] }
