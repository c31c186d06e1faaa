package redistest

import (
	"bytes"
	"io"
	"net"
	"sync"
	"testing"
	"time"
)

// Fault is what a Relay does to the next request a client writes.
type Fault int

const (
	// Pass forwards everything.
	Pass Fault = iota
	// DropBefore closes the connection without forwarding the request: it
	// never reaches Redis.
	DropBefore
	// DropAfter forwards the request, then closes the connection without
	// its reply: the write reached Redis, the client sees an error.
	DropAfter
)

// Relay passes TCP connections to a Redis server through a loopback port,
// and can drop the next script call (EVALSHA) on the wire, before or after
// it reaches Redis, to test what a client does with a connection that
// breaks. Other commands (a new connection's handshake) always pass.
type Relay struct {
	Addr   string // the loopback address to dial instead of the server's
	target string
	mu     sync.Mutex
	next   Fault
}

// NewRelay relays to addr until the test ends.
func NewRelay(t testing.TB, addr string) *Relay {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	r := &Relay{Addr: ln.Addr().String(), target: addr}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go r.serve(c)
		}
	}()
	return r
}

// URL is the relay's redis:// URL.
func (r *Relay) URL() string { return "redis://" + r.Addr + "/0" }

// Next arms f for the next script call written on any connection.
func (r *Relay) Next(f Fault) {
	r.mu.Lock()
	r.next = f
	r.mu.Unlock()
}

// take returns the fault armed for request, and disarms it, when request
// is a script call.
func (r *Relay) take(request []byte) Fault {
	if !bytes.Contains(bytes.ToLower(request), []byte("evalsha")) {
		return Pass
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	f := r.next
	r.next = Pass
	return f
}

func (r *Relay) serve(client net.Conn) {
	defer client.Close()
	server, err := net.Dial("tcp", r.target)
	if err != nil {
		return
	}
	defer server.Close()
	cut := make(chan struct{})
	var once sync.Once
	go func() { // replies, unless the connection was cut
		io.Copy(client, server)
		once.Do(func() { close(cut) })
	}()
	buf := make([]byte, 64<<10)
	for {
		n, err := client.Read(buf)
		if err != nil {
			return
		}
		switch r.take(buf[:n]) {
		case DropBefore:
			return
		case DropAfter:
			client.Close() // no reply will reach the client
			server.Write(buf[:n])
			select { // let Redis answer before the connection closes
			case <-cut:
			case <-time.After(time.Second):
			}
			return
		}
		if _, err := server.Write(buf[:n]); err != nil {
			return
		}
	}
}
