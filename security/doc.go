// Package security verifies the signatures that telephony providers put on
// their webhook requests: Plivo's V3 (voice) and V2 (messages), Twilio's
// X-Twilio-Signature and SignalWire's X-SignalWire-Signature.
//
// The core is pure: a [Request] holds what the provider signed (method,
// public URL, body parameters, headers, raw body) and a [Verifier] returns
// nil or an error that says what was wrong. All four schemes satisfy the one
// interface. Errors wrap the sentinels below, so callers test them with
// [errors.Is], and never carry a secret. The Sign functions compute what the
// provider sends, for tests and for clients that imitate a provider.
//
// At the edge, [Middleware] is a thin Gin adapter: it reads the body once,
// parses it into [Params], rebuilds the public URL ([PublicURL]) and calls
// the verifier; a failure is answered 403 and, for a mismatch, explained by
// [Diagnose] in the server's log.
//
// The algorithms follow the providers' own SDKs byte for byte
// (testdata/vectors); where Plivo's SDKs disagree, this package follows
// plivo-python (see the README).
package security
