// Package security verifies the signatures that telephony providers put on
// their webhook requests: Plivo's V3 (voice callbacks) and V2 (message
// callbacks), Twilio's X-Twilio-Signature and SignalWire's
// X-SignalWire-Signature. It depends on the standard library only, and
// knows nothing of HTTP frameworks, proxies or this server's settings.
//
// Each provider's signed string is built in one file that reads top to
// bottom next to its documentation: plivo.go (V3, then V2), twilio.go
// (Twilio and SignalWire). What they share has a file of its own: request.go
// (the request and its one parse), url.go (splitting the URL, its
// equivalent spellings), params.go (query, form and Content-Type), json.go
// (a JSON body as Plivo signs it), mac.go (the keyed HMACs), errors.go (the
// sentinel errors).
//
// A [Request] holds what the provider signed; a [Verifier] checks it and
// returns the [Signed] string, or an error wrapping a sentinel error (never
// a secret). The Sign functions compute what a provider sends, for tests
// and for clients that imitate one. The algorithms follow the providers'
// own SDKs byte for byte (testdata/vectors); where Plivo's SDKs disagree,
// this package follows plivo-python, which matches Plivo's documentation
// and test vectors.
package security
