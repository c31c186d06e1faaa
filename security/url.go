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
// spellings (see equivalentBases) instead, until match accepts one, which it
// returns. The other spellings are made only when base fails.
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
	if other := toggleDefaultPort(scheme, host); other != "" {
		hosts = append(hosts, other)
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

// toggleDefaultPort adds the scheme's default port to host, or removes it.
// It returns "" when host has another, explicit port: a different resource.
func toggleDefaultPort(scheme, host string) string {
	def := map[string]string{"https": ":443", "http": ":80"}[scheme]
	switch {
	case def == "":
		return ""
	case strings.HasSuffix(host, def):
		return strings.TrimSuffix(host, def)
	case hasPort(host):
		return ""
	}
	return host + def
}

// hasPort reports whether host (a name, an IPv4 or a bracketed IPv6 address)
// carries an explicit port.
func hasPort(host string) bool {
	if strings.HasPrefix(host, "[") {
		return strings.Contains(host, "]:")
	}
	return strings.Contains(host, ":")
}

// validHost reports whether h can be a URL's host (and port): not empty, no
// white space, control characters or URL delimiters.
func validHost(h string) bool {
	if h == "" || len(h) > 255 {
		return false
	}
	for _, c := range []byte(h) {
		switch {
		case c <= ' ', c == 0x7f, c == '/', c == '?', c == '#', c == '@', c == '\\':
			return false
		}
	}
	return true
}

// clip cuts s to at most n bytes, for quoting input in an error.
func clip(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}
