package security

import (
	"errors"
	"fmt"
)

// Sentinel errors returned, wrapped, by the verifiers. Compare with errors.Is.
var (
	// ErrNoSignature means the request carries none of the scheme's
	// signature headers: it was not signed, or not by this provider.
	ErrNoSignature = errors.New("no signature header")
	// ErrNoNonce means a Plivo signature header came without its nonce header.
	ErrNoNonce = errors.New("no nonce header")
	// ErrBadNonce means a Plivo nonce is not a plain token of 1 to 64 ASCII
	// letters and digits, as Plivo sends.
	ErrBadNonce = errors.New("malformed nonce")
	// ErrMismatch means signatures were present but none matched: the token,
	// the URL the server rebuilt, or the parameters differ from what the
	// provider signed.
	ErrMismatch = errors.New("signature mismatch")
	// ErrUnsignedBody means the request has a body its signature does not
	// cover: a Twilio or SignalWire JSON body without bodySHA256 in the URL.
	ErrUnsignedBody = errors.New("body not covered by the signature")
	// ErrBadURL means the URL to verify against could not be parsed.
	ErrBadURL = errors.New("invalid URL")
	// ErrMalformedParams means a query string, form body or JSON body could
	// not be decoded.
	ErrMalformedParams = errors.New("malformed parameters")
	// ErrNoToken means a verifier was built without any token.
	ErrNoToken = errors.New("no token configured")
	// ErrJSONTooDeep means a JSON body nests objects and arrays more than
	// 32 deep. It wraps ErrMalformedParams.
	ErrJSONTooDeep = fmt.Errorf("%w: JSON nested more than %d deep", ErrMalformedParams, maxJSONDepth)
)
