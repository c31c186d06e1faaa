// Package security verifies the signatures that telephony providers put on
// their webhook requests: Plivo's V3 (voice callbacks) and V2 (message
// callbacks), Twilio's X-Twilio-Signature and SignalWire's
// X-SignalWire-Signature. It depends on the standard library only.
//
// Each scheme is one file that reads top to bottom next to the provider's
// documentation: plivo_v3.go, plivo_v2.go, twilio.go. A [Request] holds what
// the provider signed (method, public URL, parameters, headers, raw body);
// a [Verifier] checks it and returns the [Signed] string its signature
// covers (whose digest a replay guard keys on), or an error wrapping one of
// the sentinel errors, which
// callers compare with [errors.Is] and which never carry a secret. The Sign
// functions compute what a provider sends, for tests and for clients that
// imitate one.
//
// A verifier is pure: nothing here knows about an HTTP framework. The web
// layer reads the body, rebuilds the public URL with [PublicURL], builds the
// Request and calls the verifier; on a mismatch, [Diagnose] explains in the
// server's log what was probably wrong.
//
// The algorithms follow the providers' own SDKs byte for byte
// (testdata/vectors); where Plivo's SDKs disagree, this package follows
// plivo-python, which matches Plivo's documentation and test vectors.
package security
