package security

import (
	"crypto/sha256"
	"fmt"
	"strings"
)

// PlivoTokens are the secrets a Plivo verifier accepts. Each list may hold
// several tokens so that one can be rotated without downtime: a signature
// made with any of them verifies.
type PlivoTokens struct {
	// AuthTokens verify X-Plivo-Signature-V3 and -V2: the auth token of the
	// account or subaccount that owns the application or number.
	AuthTokens []string
	// MainAccountTokens verify X-Plivo-Signature-Ma-V3 and -Ma-V2, which
	// Plivo always signs with the main account's token. Optional.
	MainAccountTokens []string
}

// plivoScheme is what V3 and V2 share: the keys, the headers, and the checks
// around the signed string that each builds its own way.
type plivoScheme struct {
	ring      *keyring
	nAccount  int // ring's secrets: the account tokens, then the main-account ones
	signature string
	main      string
	nonce     string
	message   func(s *scratch, r *Request, base, query, nonce string) error
}

func newPlivoScheme(t PlivoTokens, signature, main, nonce string,
	message func(*scratch, *Request, string, string, string) error) (*plivoScheme, error) {
	account := nonEmpty(t.AuthTokens)
	all := append(account, nonEmpty(t.MainAccountTokens)...)
	if len(all) == 0 {
		return nil, fmt.Errorf("%w: give at least one Plivo auth token", ErrNoToken)
	}
	return &plivoScheme{ring: newKeyring(sha256.New, all), nAccount: len(account),
		signature: signature, main: main, nonce: nonce, message: message}, nil
}

func (p *plivoScheme) verify(r *Request) error {
	sigs := plivoSignatures{r.Header[p.signature], r.Header[p.main]}
	if countSignatures(sigs.account)+countSignatures(sigs.main) == 0 {
		return fmt.Errorf("%w: expected %s or %s", ErrNoSignature, p.signature, p.main)
	}
	nonce := headerValue(r.Header, p.nonce)
	if nonce == "" {
		return fmt.Errorf("%w: %s is missing or empty", ErrNoNonce, p.nonce)
	}
	base, query, err := splitURL(r.URL)
	if err != nil {
		return err
	}
	s := p.ring.get()
	defer p.ring.put(s)
	// The URL as rebuilt first; its equivalent spellings only if that fails.
	if ok, err := p.try(s, r, sigs, base, query, nonce); ok || err != nil {
		return err
	}
	for _, b := range equivalentBases(base)[1:] {
		if ok, err := p.try(s, r, sigs, b, query, nonce); ok || err != nil {
			return err
		}
	}
	return fmt.Errorf("%w: none of %d signature(s) matched; check the auth token and that the URL rebuilt (%s) is the one Plivo requested",
		ErrMismatch, countSignatures(sigs.account)+countSignatures(sigs.main), base)
}

// plivoSignatures are the values of a request's two signature headers.
type plivoSignatures struct{ account, main []string }

// try reports whether the request verifies with base as the URL's base.
func (p *plivoScheme) try(s *scratch, r *Request, sigs plivoSignatures, base, query, nonce string) (bool, error) {
	if err := p.message(s, r, base, query, nonce); err != nil {
		return false, err
	}
	all := len(p.ring.secrets)
	return s.matches(sigs.account, 0, p.nAccount) || s.matches(sigs.main, p.nAccount, all), nil
}

// equivalentBases lists the spellings of base that name the same resource and
// that a provider may have signed while the request line cannot tell them
// apart: base itself first, then with the default port toggled, and an empty
// path for "/". (A trailing slash on any other path, another scheme or
// another host is a different resource and is never tried.)
func equivalentBases(base string) []string {
	out := []string{base}
	scheme, rest, _ := strings.Cut(base, "://")
	host, path := rest, ""
	if i := strings.IndexByte(rest, '/'); i >= 0 {
		host, path = rest[:i], rest[i:]
	}
	hosts := []string{host}
	if alt := toggleDefaultPort(scheme, host); alt != "" {
		hosts = append(hosts, alt)
	}
	paths := []string{path}
	switch path {
	case "/":
		paths = append(paths, "")
	case "":
		paths = append(paths, "/")
	}
	for _, hh := range hosts {
		for _, p := range paths {
			if s := scheme + "://" + hh + p; s != base {
				out = append(out, s)
			}
		}
	}
	return out
}

// toggleDefaultPort adds the scheme's default port to host, or removes it.
// It returns "" when host has another, explicit port: a different resource.
func toggleDefaultPort(scheme, host string) string {
	var def string
	switch scheme {
	case "https":
		def = ":443"
	case "http":
		def = ":80"
	default:
		return ""
	}
	if strings.HasSuffix(host, def) {
		return strings.TrimSuffix(host, def)
	}
	if hasPort(host) {
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
