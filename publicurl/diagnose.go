package publicurl

import (
	"net"
	"slices"
	"strings"

	"answerurl/security"
)

// Diagnosis explains a signature mismatch. It is advice for the server's
// log, never a verdict: the request stays rejected whatever it says.
type Diagnosis struct {
	// WouldVerify is the URL, close to the rebuilt one, whose signature does
	// match; empty when none of the usual suspects does.
	WouldVerify string
	// Hint says what differs and which setting fixes it.
	Hint string
}

// Diagnose tries the usual suspects of a mismatch on r, a request that v
// refused with [security.ErrMismatch] at res.URL (which r.URL holds): the
// URL with and without a trailing slash, http for https and back, without
// its port, with the port a proxy dropped (X-Forwarded-Port, or one of
// usualPorts), and the forwarded host instead of Host and back. It reports the
// first spelling that v would have accepted and the setting that makes the
// server rebuild it, from where res says each part came. r is not changed.
func Diagnose(v security.Verifier, r *security.Request, res ResolvedURL) Diagnosis {
	u, err := security.SplitURL(r.URL)
	if err != nil {
		return Diagnosis{Hint: "the rebuilt URL is not absolute"}
	}
	scheme, host, path := u.Scheme, u.Host, u.Path

	schemes := []string{scheme, map[string]string{"http": "https", "https": "http"}[scheme]}
	hosts := []string{host}
	for _, h := range append([]string{lastValue(r.Header, "X-Forwarded-Host"), res.Host, hostWithoutPort(host)},
		withPorts(host, lastValue(r.Header, "X-Forwarded-Port"))...) {
		if security.ValidHost(h) && !slices.Contains(hosts, h) {
			hosts = append(hosts, h)
		}
	}
	paths := []string{path, toggleSlash(path)}

	for changes := 1; changes <= 3; changes++ {
		for si, s := range schemes {
			for hi, h := range hosts {
				for pi, p := range paths {
					if s == "" || p == "" || b2i(si > 0)+b2i(hi > 0)+b2i(pi > 0) != changes {
						continue
					}
					candidate := s + "://" + h + p
					if u.HasQuery {
						candidate += "?" + u.RawQuery
					}
					try := *r
					try.URL = candidate
					if _, err := v.Verify(&try); err == nil {
						return Diagnosis{WouldVerify: candidate, Hint: hint(res, r, s, h, p, scheme, host, path)}
					}
				}
			}
		}
	}
	return Diagnosis{Hint: "no nearby URL verifies either: check the token or signing key; check that the URL configured at the provider is exactly " +
		u.Base() + "; if the provider calls another, public URL through a proxy that hides it, set PUBLIC_BASE_URL to it"}
}

// hint names the difference between what verified and what was rebuilt, and
// the setting that closes it.
func hint(res ResolvedURL, r *security.Request, scheme, host, path, gotScheme, gotHost, gotPath string) string {
	var why []string
	peer := peerIP(res.Peer)
	forwardedProto := strings.ToLower(lastValue(r.Header, "X-Forwarded-Proto"))
	forwardedHost := lastValue(r.Header, "X-Forwarded-Host")
	public := scheme + "://" + host
	fix := "set PUBLIC_BASE_URL=" + public
	if res.SchemeFrom == FromBase {
		fix = "PUBLIC_BASE_URL does not match the URL the provider calls: set PUBLIC_BASE_URL=" + public
	} else if !res.TrustedPeer && (scheme == gotScheme || scheme == forwardedProto) && (host == gotHost || host == forwardedHost) {
		fix = "trust the proxy at " + peer + " with TRUSTED_PROXIES (its X-Forwarded-* headers are ignored now), or " + fix
	}
	if scheme != gotScheme {
		why = append(why, "the provider signed "+scheme+":// but the server rebuilt "+gotScheme+"://")
	}
	if host != gotHost {
		why = append(why, "the provider signed host "+host+" but the server rebuilt "+gotHost)
	}
	if scheme != gotScheme || host != gotHost {
		if hostWithoutPort(host) == gotHost && res.HostFrom != FromBase {
			fix = "the proxy drops the port: use $http_host, not $host, in nginx's proxy_set_header, or " + fix
		}
		return strings.Join(why, "; ") + ": " + fix
	}
	if path != gotPath {
		return "the provider signed the path " + path + " but the request came to " + gotPath +
			": make the URL in the provider's console match the route exactly (trailing slash included), and check that no proxy rewrites the path"
	}
	return fix
}

// usualPorts are the ports a proxy in front of this server often listens
// on, besides 80 and 443: tried when the request's host has no port.
var usualPorts = []string{"8443", "8080", "8000", "3000"}

// withPorts returns host with the forwarded port, then with each of
// usualPorts; nothing when host already has a port.
func withPorts(host, forwardedPort string) []string {
	if hostWithoutPort(host) != "" {
		return nil
	}
	var out []string
	for _, p := range append([]string{forwardedPort}, usualPorts...) {
		if p != "" && !strings.ContainsFunc(p, func(c rune) bool { return c < '0' || c > '9' }) {
			out = append(out, host+":"+p)
		}
	}
	return out
}

// toggleSlash adds a trailing slash to p or removes it; "" for the root.
func toggleSlash(p string) string {
	switch {
	case p == "" || p == "/":
		return ""
	case strings.HasSuffix(p, "/"):
		return strings.TrimSuffix(p, "/")
	}
	return p + "/"
}

// hostWithoutPort returns h without its port, or "" when it has none.
func hostWithoutPort(h string) string {
	name, _, err := net.SplitHostPort(h)
	if err != nil {
		return ""
	}
	if strings.Contains(name, ":") {
		return "[" + name + "]"
	}
	return name
}

// b2i counts a change.
func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}
