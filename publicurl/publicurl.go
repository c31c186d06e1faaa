// Package publicurl rebuilds the URL a provider requested from the request
// this server received, and explains a signature mismatch in this server's
// terms. Behind ngrok, a load balancer or a TLS-terminating proxy the two
// URLs differ, and every signature covers the public one.
//
// It is the web layer's part of verification: the signature schemes, in
// package security, take the public URL as a string and know nothing of
// proxies or of this server's settings (PUBLIC_BASE_URL, TRUSTED_PROXIES).
package publicurl

import (
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strings"

	"answerurl/security"
)

// PublicURL rebuilds the URL a provider requested from the request a server
// received. The zero value uses the request's own scheme and Host header,
// and trusts no proxy.
type PublicURL struct {
	// Base, when set, wins over everything else: its scheme and host (and
	// any path prefix, for a proxy that strips one) replace the request's.
	Base *url.URL
	// TrustedProxies lists the peers whose X-Forwarded-Proto and
	// X-Forwarded-Host headers are believed. From any other peer those
	// headers are ignored: anyone can send them.
	TrustedProxies []netip.Prefix
}

// Loopback lists the local machine's addresses, where ngrok's agent and most
// development proxies run; TRUSTED_PROXIES defaults to the same list. A
// PublicURL trusts only the proxies it is given.
var Loopback = []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8"), netip.MustParsePrefix("::1/128")}

// Where a part of a rebuilt URL came from, as reported in [ResolvedURL].
const (
	FromBase           = "public base URL"
	FromForwardedProto = "X-Forwarded-Proto"
	FromForwardedHost  = "X-Forwarded-Host"
	FromTLS            = "TLS connection"
	FromPlainHTTP      = "plain HTTP connection"
	FromHost           = "Host header"
)

// ResolvedURL is a rebuilt public URL and where its parts came from, which is
// what one needs to explain a signature mismatch.
type ResolvedURL struct {
	URL string // scheme://host/path?query: Origin, then the request's path and query
	// Origin is the public URL of the server's root: scheme://host, and the
	// path prefix of PUBLIC_BASE_URL if it has one. A path of this server
	// appended to it is a public URL the provider can be told to call.
	Origin     string
	SchemeFrom string // one of the From* constants
	HostFrom   string // one of the From* constants
	// Peer is the address of the connection's other end, and TrustedPeer
	// whether it is in TrustedProxies.
	Peer        string
	TrustedPeer bool
	// Host is the request's Host header, whichever host the URL has.
	Host string
}

// ParseTrustedProxies parses a comma-separated list of CIDRs or single
// addresses, such as "127.0.0.1/8, ::1, 10.0.0.5".
func ParseTrustedProxies(s string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, f := range strings.Split(s, ",") {
		f = strings.TrimSpace(f)
		if f == "" {
			continue
		}
		if p, err := netip.ParsePrefix(f); err == nil {
			out = append(out, p.Masked())
			continue
		}
		a, err := netip.ParseAddr(f)
		if err != nil {
			return nil, fmt.Errorf("trusted proxy %q is neither a CIDR nor an address (e.g. 10.0.0.0/8 or 10.0.0.5)", f)
		}
		out = append(out, netip.PrefixFrom(a, a.BitLen()))
	}
	return out, nil
}

// ParseBaseURL parses a public base URL such as https://abc.ngrok-free.app.
// It must be absolute http or https, without user, query or fragment.
func ParseBaseURL(s string) (*url.URL, error) {
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" || u.User != nil {
		return nil, fmt.Errorf("public base URL %q must look like https://abc.ngrok-free.app (scheme and host, optional path prefix, nothing else)", s)
	}
	return u, nil
}

// Resolve rebuilds the public URL of r.
func (p PublicURL) Resolve(r *http.Request) ResolvedURL {
	res := ResolvedURL{Peer: r.RemoteAddr, Host: r.Host}
	uri := requestURI(r)
	if p.Base != nil {
		res.SchemeFrom, res.HostFrom = FromBase, FromBase
		res.Origin = p.Base.Scheme + "://" + p.Base.Host + strings.TrimSuffix(p.Base.EscapedPath(), "/")
		res.URL = res.Origin + uri
		res.TrustedPeer = p.trusts(r.RemoteAddr)
		return res
	}
	scheme, host := "http", r.Host
	res.SchemeFrom, res.HostFrom = FromPlainHTTP, FromHost
	if r.TLS != nil {
		scheme, res.SchemeFrom = "https", FromTLS
	}
	if res.TrustedPeer = p.trusts(r.RemoteAddr); res.TrustedPeer {
		if v := strings.ToLower(lastValue(r.Header, "X-Forwarded-Proto")); v == "http" || v == "https" {
			scheme, res.SchemeFrom = v, FromForwardedProto
		}
		if v := lastValue(r.Header, "X-Forwarded-Host"); security.ValidHost(v) {
			host, res.HostFrom = v, FromForwardedHost
		}
	}
	res.Origin = scheme + "://" + host
	res.URL = res.Origin + uri
	return res
}

// requestURI is the path and query exactly as the request line had them.
func requestURI(r *http.Request) string {
	if u := r.RequestURI; strings.HasPrefix(u, "/") {
		return u
	}
	return r.URL.RequestURI()
}

// trusts reports whether the peer at remoteAddr is one of p's trusted proxies.
func (p PublicURL) trusts(remoteAddr string) bool {
	a, err := netip.ParseAddr(peerIP(remoteAddr))
	if err != nil {
		return false
	}
	a = a.Unmap()
	for _, pr := range p.TrustedProxies {
		if pr.Contains(a) {
			return true
		}
	}
	return false
}

// peerIP is the address of a peer without its port.
func peerIP(remoteAddr string) string {
	if h, _, err := net.SplitHostPort(remoteAddr); err == nil {
		return h
	}
	return remoteAddr
}

// lastValue returns the last of a header's comma-separated values: the one
// the nearest proxy added. A proxy appends its value to what it received, so
// the values to its left may be whatever the client sent.
func lastValue(h http.Header, name string) string {
	values := h.Values(name)
	if len(values) == 0 {
		return ""
	}
	v := values[len(values)-1]
	if i := strings.LastIndexByte(v, ','); i >= 0 {
		v = v[i+1:]
	}
	return strings.TrimSpace(v)
}
