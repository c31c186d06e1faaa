// Package cacert builds the HTTP client the tools use against an HTTPS
// server whose certificate a private CA signed (a self-signed development
// certificate): the system's roots plus the PEM file the user names.
package cacert

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net/http"
	"os"
)

// Client is an HTTP client that trusts the system's roots and every
// certificate in the PEM file path; path "" gives http.DefaultClient.
// (Setting SSL_CERT_FILE to the file also works, but replaces the system's
// roots instead of adding to them.)
func Client(path string) (*http.Client, error) {
	if path == "" {
		return http.DefaultClient, nil
	}
	pem, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("-cacert: %w", err)
	}
	roots, err := x509.SystemCertPool()
	if err != nil {
		roots = x509.NewCertPool()
	}
	if !roots.AppendCertsFromPEM(pem) {
		return nil, errors.New("-cacert: " + path + " holds no PEM certificate (want a file that starts with -----BEGIN CERTIFICATE-----)")
	}
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.TLSClientConfig = &tls.Config{RootCAs: roots}
	return &http.Client{Transport: t}, nil
}
