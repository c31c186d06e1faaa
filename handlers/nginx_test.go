package handlers

import (
	"fmt"
	"net"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// TestREADMENginx runs the README's nginx block, as written, in front of the
// real router on a port other than 80 and 443, and sends it a callback
// signed for that public URL: it is answered. With $host instead of
// $http_host the port is lost, the callback is refused, and the warn line
// says that the proxy drops the port. It needs nginx (skipped without it,
// except under CI=true, where .ci/run installs it).
func TestREADMENginx(t *testing.T) {
	nginx, err := exec.LookPath("nginx")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("nginx is not installed: .ci/run installs it (apt-get install nginx)")
		}
		t.Skip("nginx is not installed: apt-get install nginx to run the README's nginx block against the router")
	}
	readme, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile("(?s)```nginx\n(.*?)```").FindSubmatch(readme)
	if m == nil {
		t.Fatal("README.md has no ```nginx block")
	}
	block := string(m[1])
	for _, tt := range []struct {
		name     string
		block    string
		want     int
		wantLine string
	}{
		{"as written", block, 200, `msg="callback answered"`},
		{"$host", strings.NewReplacer("$http_host", "$host", "$scheme;", "$scheme;\n    proxy_set_header X-Forwarded-Port $server_port;").Replace(block), 403,
			"the proxy drops the port: use $http_host"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			h, logs := testRouter(t, nil)
			app := httptest.NewServer(h)
			t.Cleanup(app.Close)
			front := startNginx(t, nginx, strings.ReplaceAll(tt.block, "127.0.0.1:8080", app.Listener.Addr().String()))
			status, body := sendSigned(t, front, "/ivr/", front+"/ivr/", token)
			if status != tt.want || !strings.Contains(logs.String(), tt.wantLine) {
				t.Errorf("%d %s, want %d; log:\n%s", status, body, tt.want, logs)
			}
		})
	}
}

// startNginx runs nginx in the foreground on a free loopback port with
// location as its server's only content, and returns its URL.
func startNginx(t *testing.T, nginx, location string) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	dir := t.TempDir()
	conf := fmt.Sprintf(`daemon off;
master_process off;
pid %[1]s/nginx.pid;
error_log %[1]s/error.log;
events {}
http {
    access_log off;
    client_body_temp_path %[1]s/body;
    proxy_temp_path %[1]s/proxy;
    fastcgi_temp_path %[1]s/fastcgi;
    uwsgi_temp_path %[1]s/uwsgi;
    scgi_temp_path %[1]s/scgi;
    server {
        listen %[2]s;
        %[3]s
    }
}
`, dir, addr, location)
	if err := os.WriteFile(filepath.Join(dir, "nginx.conf"), []byte(conf), 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(nginx, "-p", dir, "-e", filepath.Join(dir, "error.log"), "-c", filepath.Join(dir, "nginx.conf"))
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
	})
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		if c, err := net.Dial("tcp", addr); err == nil {
			c.Close()
			return "http://" + addr
		}
		if time.Now().After(deadline) {
			log, _ := os.ReadFile(filepath.Join(dir, "error.log"))
			t.Fatalf("nginx did not listen on %s: %s", addr, log)
		}
	}
}
