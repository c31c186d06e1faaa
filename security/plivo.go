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

// plivoKeys is the keyed form of PlivoTokens, shared by V3 and V2.
type plivoKeys struct {
	account, main []*macKey
}

func newPlivoKeys(t PlivoTokens) (plivoKeys, error) {
	k := plivoKeys{
		account: newMACKeys(sha256.New, t.AuthTokens),
		main:    newMACKeys(sha256.New, t.MainAccountTokens),
	}
	if len(k.account) == 0 && len(k.main) == 0 {
		return k, fmt.Errorf("%w: give at least one Plivo auth token", ErrNoToken)
	}
	return k, nil
}

// plivoHeaders names one Plivo scheme's signature headers.
type plivoHeaders struct {
	signature, mainSignature, nonce string
}

// verify runs the checks both Plivo schemes share. message builds the signed
// bytes for one spelling of the URL's base (scheme://host/path).
func (k plivoKeys) verify(r *Request, h plivoHeaders, message func(dst []byte, base, nonce string) ([]byte, error)) error {
	sigs := headerSignatures(r.Header, h.signature)
	mainSigs := headerSignatures(r.Header, h.mainSignature)
	if len(sigs) == 0 && len(mainSigs) == 0 {
		return fmt.Errorf("%w: expected %s or %s", ErrNoSignature, h.signature, h.mainSignature)
	}
	nonce := r.Header.Get(h.nonce)
	if nonce == "" {
		return fmt.Errorf("%w: %s is missing or empty", ErrNoNonce, h.nonce)
	}
	base, _, err := splitURL(r.URL)
	if err != nil {
		return err
	}
	var buf []byte
	for _, b := range equivalentBases(base) {
		if buf, err = message(buf[:0], b, nonce); err != nil {
			return err
		}
		if sigs.match(k.account, buf) || mainSigs.match(k.main, buf) {
			return nil
		}
	}
	return fmt.Errorf("%w: none of %d signature(s) matched; check the auth token and that the URL rebuilt (%s) is the one Plivo requested", ErrMismatch, len(sigs)+len(mainSigs), base)
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
