package cacert

import (
	"encoding/pem"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestClient: a self-signed server is refused by default and trusted with
// its certificate as -cacert; a file with no certificate is an error that
// says what the file must hold.
func TestClient(t *testing.T) {
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	defer srv.Close()
	if _, err := http.Get(srv.URL); err == nil {
		t.Fatal("the default client trusted a self-signed server")
	}
	dir := t.TempDir()
	ca := filepath.Join(dir, "ca.pem")
	os.WriteFile(ca, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw}), 0o600)
	c, err := Client(ca)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := c.Get(srv.URL)
	if err != nil {
		t.Fatalf("with -cacert: %v", err)
	}
	resp.Body.Close()

	empty := filepath.Join(dir, "empty.pem")
	os.WriteFile(empty, []byte("not a certificate"), 0o600)
	if _, err := Client(empty); err == nil || !strings.Contains(err.Error(), "BEGIN CERTIFICATE") {
		t.Errorf("Client(no PEM) = %v", err)
	}
	if c, err := Client(""); err != nil || c != http.DefaultClient {
		t.Errorf("Client(\"\") = %v, %v", c, err)
	}
}
