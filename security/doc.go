// Package security verifies the signatures that telephony providers put on
// their webhook requests: Plivo's V3 (voice) and V2 (messages).
//
// The core is pure: a [Request] holds what the provider signed (method, public
// URL, body parameters, headers) and a [Verifier] returns nil or an error that
// says what was wrong. Errors wrap the sentinels below, so callers test them
// with [errors.Is]. Nothing in the core knows about HTTP frameworks; the Gin
// adapter ([Middleware]) gathers a Request from a live request and calls it.
//
// The algorithms follow the providers' own SDKs byte for byte; where Plivo's
// SDKs disagree, this package follows plivo-python (see the README).
package security
