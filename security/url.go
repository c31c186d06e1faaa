package security

import (
	"fmt"
	"strings"
)

// URLParts are an absolute URL's parts, exactly as written: nothing is
// decoded or re-encoded, since a provider signs the bytes it requests.
type URLParts struct {
	Scheme   string // "http" or "https", in lower case
	Host     string // the host, with its port when one is written
	Path     string // as written; empty for a URL such as https://host
	RawQuery string // what follows the '?', as written
	HasQuery bool   // whether there is a '?', even with nothing after it
}

// Base is the URL without its query: the part every scheme signs first.
func (u URLParts) Base() string { return u.Scheme + "://" + u.Host + u.Path }

// SplitURL cuts raw, the absolute http or https URL a provider requested,
// into its parts. Userinfo is dropped: it is never signed. A '#' is
// refused: no client sends a fragment, so one in a request's URL was put
// there to be read past the part that is signed.
//
// It is this module's one URL splitter: the verifiers sign the parts it
// returns, and [Request.Query] is its query decoded, so that a handler reads
// the very string that was verified.
func SplitURL(raw string) (URLParts, error) {
	if strings.Contains(raw, "#") {
		return URLParts{}, fmt.Errorf("%w: %.64q has a fragment (#…), which no provider sends", ErrBadURL, raw)
	}
	rest, rawQuery, hasQuery := strings.Cut(raw, "?")
	scheme, rest, _ := strings.Cut(rest, "://")
	host, path := rest, ""
	if i := strings.IndexByte(rest, '/'); i >= 0 {
		host, path = rest[:i], rest[i:]
	}
	if i := strings.LastIndexByte(host, '@'); i >= 0 {
		host = host[i+1:] // userinfo is never signed
	}
	scheme = strings.ToLower(scheme)
	if scheme != "http" && scheme != "https" || !ValidHost(host) {
		return URLParts{}, fmt.Errorf("%w: %.64q is not an absolute URL such as https://host/path", ErrBadURL, raw)
	}
	return URLParts{Scheme: scheme, Host: host, Path: path, RawQuery: rawQuery, HasQuery: hasQuery}, nil
}

// withoutFragment is what a client requests for raw: raw without its
// fragment, which stays in the client. The Sign functions sign it.
func withoutFragment(raw string) string {
	raw, _, _ = strings.Cut(raw, "#")
	return raw
}

// firstMatch calls match with msg, a signed string that starts with u's
// base, the URL as rebuilt, given as that base and the rest; then with each
// of the base's other spellings (see equivalentBases) and the same rest. It
// returns the first string that match accepted. It tries every spelling,
// even after one matched, for the reason keys.match tries every key: a
// request costs the same whether it verifies or not.
func firstMatch(u URLParts, msg []byte, match func(base, rest []byte) bool) (Signed, bool) {
	var signed Signed
	rest := msg[len(u.Base()):]
	for i, base := range equivalentBases(u) {
		switch {
		case !match([]byte(base), rest) || signed != nil:
		case i == 0:
			signed = msg
		default:
			signed = append([]byte(base), rest...)
		}
	}
	return signed, signed != nil
}

// equivalentBases lists u's base, then the other spellings of it that name
// the same resource and that a provider may have signed while the request
// line cannot tell them apart: the default port written or removed, and an
// empty path for "/" and back. A trailing slash on any other path, another
// scheme or another host is a different resource and is never tried.
func equivalentBases(u URLParts) []string {
	hosts := []string{u.Host}
	port := map[string]string{"https": ":443", "http": ":80"}[u.Scheme] // SplitURL allows no other scheme
	if strings.HasSuffix(u.Host, port) {
		hosts = append(hosts, strings.TrimSuffix(u.Host, port))
	} else if !hasPort(u.Host) {
		hosts = append(hosts, u.Host+port)
	}
	paths := []string{u.Path}
	switch u.Path {
	case "/":
		paths = append(paths, "")
	case "":
		paths = append(paths, "/")
	}
	var out []string
	for _, h := range hosts {
		for _, p := range paths {
			out = append(out, u.Scheme+"://"+h+p)
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

// ValidHost reports whether h can be a URL's host (and port): a name or an
// address first, of at most 255 bytes, then at most a port; no white space,
// control characters or URL delimiters. (Bounding the name, not the whole,
// keeps every spelling equivalentBases makes of a valid host valid.) A Host
// header or X-Forwarded-Host that is not valid is never put into a URL to
// verify.
func ValidHost(h string) bool {
	name := h
	if hasPort(h) {
		name = h[:strings.LastIndexByte(h, ':')]
	}
	return h != "" && h[0] != ':' && len(name) <= 255 && len(h)-len(name) <= len(":65535") &&
		!strings.ContainsAny(h, "/?#@\\") && !strings.ContainsFunc(h, func(c rune) bool { return c <= ' ' || c == 0x7f })
}
