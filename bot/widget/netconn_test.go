package widget

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/relaisbot/relais/bot"
)

// hijacked returns the server side of a connection hijacked through
// hijackWriter, after the client sent request followed by extra, and the
// client side.
func hijacked(t *testing.T, extra string) (*wsConn, *bufio.ReadWriter, net.Conn) {
	t.Helper()
	type result struct {
		c   *wsConn
		brw *bufio.ReadWriter
	}
	got := make(chan result, 1)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hw := &hijackWriter{ResponseWriter: w}
		nc, brw, err := hw.Hijack()
		if err != nil {
			t.Error(err)
			return
		}
		if nc != net.Conn(hw.conn) {
			t.Errorf("Hijack returned %T, want the *wsConn it kept", nc)
		}
		got <- result{hw.conn, brw}
	}))
	t.Cleanup(srv.Close)
	client, err := net.Dial("tcp", srv.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { client.Close() })
	if _, err := io.WriteString(client, "GET / HTTP/1.1\r\nHost: x\r\n\r\n"+extra); err != nil {
		t.Fatal(err)
	}
	r := <-got
	if r.c == nil {
		t.Fatal("no wsConn over a TCP connection")
	}
	t.Cleanup(func() { r.c.Close() })
	return r.c, r.brw, client
}

func TestWSConnReadsWhatTheServerHadBufferedFirst(t *testing.T) {
	c, brw, client := hijacked(t, "early")
	if _, err := io.WriteString(client, " then late"); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, len("early then late"))
	if _, err := io.ReadFull(brw, buf); err != nil {
		t.Fatal(err)
	}
	if string(buf) != "early then late" {
		t.Errorf("read %q, want %q", buf, "early then late")
	}
	if c.rbuf != nil || len(c.pending) != 0 {
		t.Error("buffers held after everything was read")
	}
	if brw.Reader.Size() > 16 || brw.Writer.Size() > 16 {
		t.Errorf("bufio sizes %d/%d; want the minimum", brw.Reader.Size(), brw.Writer.Size())
	}
}

func TestWSConnHoldsABufferOnlyWhileBytesAreUnread(t *testing.T) {
	c, _, client := hijacked(t, "")
	client.Write([]byte("0123456789"))
	p := make([]byte, 4)
	if n, err := c.Read(p); n != 4 || err != nil || string(p) != "0123" {
		t.Fatalf("Read = %d %v %q", n, err, p[:n])
	}
	if c.rbuf == nil {
		t.Fatal("unread bytes lost: no buffer after a partial read")
	}
	p = make([]byte, 100)
	if n, err := c.Read(p); n != 6 || err != nil || string(p[:n]) != "456789" {
		t.Fatalf("Read = %d %v %q", n, err, p[:n])
	}
	if c.rbuf != nil {
		t.Error("buffer still held with nothing left to read")
	}

	// Waiting for bytes holds no buffer, and honours the read deadline.
	c.SetReadDeadline(time.Now().Add(50 * time.Millisecond))
	if _, err := c.Read(p); !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Errorf("Read past the deadline = %v; want a deadline error", err)
	}
	if c.rbuf != nil {
		t.Error("buffer held while waiting")
	}
	c.SetReadDeadline(time.Time{})
	client.Close()
	if _, err := c.Read(p); err != io.EOF {
		t.Errorf("Read after the peer closed = %v; want io.EOF", err)
	}
}

func TestWSConnCorkGathersWritesInOrder(t *testing.T) {
	c, _, client := hijacked(t, "")
	if err := c.cork(time.Now().Add(5 * time.Second)); err != nil {
		t.Fatal(err)
	}
	var want bytes.Buffer
	for _, n := range []int{10, 3000, 3000, 10000, 5} { // past the buffer, and larger than it
		chunk := strings.Repeat(string(rune('a'+n%26)), n)
		want.WriteString(chunk)
		if _, err := c.Write([]byte(chunk)); err != nil {
			t.Fatal(err)
		}
		if want.Len() == 10 {
			// Nothing reaches the peer before uncork.
			client.SetReadDeadline(time.Now().Add(100 * time.Millisecond))
			if n, err := client.Read(make([]byte, 10)); n != 0 || !errors.Is(err, os.ErrDeadlineExceeded) {
				t.Fatalf("peer read %d bytes (%v) while corked; want none", n, err)
			}
			client.SetReadDeadline(time.Time{})
		}
	}
	if err := c.uncork(); err != nil {
		t.Fatal(err)
	}
	if c.wbuf != nil {
		t.Error("write buffer held after uncork")
	}
	got := make([]byte, want.Len())
	if _, err := io.ReadFull(client, got); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want.Bytes()) {
		t.Error("peer received other bytes than were written, or in another order")
	}
	// Uncorked, writes go straight out.
	c.Write([]byte("now"))
	client.SetReadDeadline(time.Now().Add(5 * time.Second))
	if _, err := io.ReadFull(client, got[:3]); err != nil || string(got[:3]) != "now" {
		t.Errorf("uncorked write: %q, %v", got[:3], err)
	}
}

// A client that stops reading cannot hold the writer past the batch's deadline.
func TestWSConnBatchGivesUpAtDeadline(t *testing.T) {
	c, _, _ := hijacked(t, "")
	if err := c.cork(time.Now().Add(200 * time.Millisecond)); err != nil {
		t.Fatal(err)
	}
	chunk := make([]byte, 3000)
	var err error
	for range 20000 { // 60 MB: far more than the socket buffers hold
		if _, err = c.Write(chunk); err != nil {
			break
		}
	}
	if err == nil {
		err = c.uncork()
	}
	if !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Errorf("writing to a client that does not read = %v; want a deadline error", err)
	}
}

// Real widget connections get the pooled buffers, and an exchange's frames,
// written in batches, arrive whole and in order (TestMessageFlow checks the
// order frame by frame).
func TestWidgetConnectionsUsePooledBuffers(t *testing.T) {
	e := newEnv(t, Options{})
	c, _ := e.hello(t, "", "en", 0)
	e.h.hub.mu.RLock()
	n, pooled := 0, 0
	for _, set := range e.h.hub.clients {
		for cl := range set {
			n++
			if cl.wc != nil {
				pooled++
			}
		}
	}
	e.h.hub.mu.RUnlock()
	if n != 1 || pooled != 1 {
		t.Fatalf("%d connections, %d with pooled buffers; want 1 and 1", n, pooled)
	}
	for i := range 5 { // within the rate limit
		id := "c" + string(rune('a'+i))
		c.message(id, "How long does delivery take?")
		var got []string
		for len(got) == 0 || got[len(got)-1] != "typing off" {
			f := c.read()
			switch {
			case f.Type == "typing" && f.On:
				got = append(got, "typing on")
			case f.Type == "typing":
				got = append(got, "typing off")
			case f.Type == "message" && f.msg().Role == bot.RoleCustomer:
				got = append(got, "echo")
			case f.Type == "message" && f.msg().Action == bot.ActionGreeting:
			case f.Type == "message":
				got = append(got, "bot")
			case f.Type == "ack" && f.ClientID == id:
				got = append(got, "ack")
			default:
				t.Fatalf("exchange %d: unexpected %s", i, f)
			}
		}
		if want := "echo ack typing on bot bot typing off"; strings.Join(got, " ") != want {
			t.Fatalf("exchange %d: frames %q; want %q", i, got, want)
		}
	}
}

// A batch whose bytes were lost — here by another writer's overflow past the
// deadline — cannot be reported written, and nothing after it can be.
func TestWSConnLostBatchIsNeverReportedWritten(t *testing.T) {
	c, _, _ := hijacked(t, "")
	if err := c.cork(time.Now().Add(-time.Second)); err != nil { // already past
		t.Fatal(err)
	}
	if _, err := c.Write([]byte("agent's reply")); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Write(make([]byte, ioBufSize)); err == nil { // overflows: the flush fails
		t.Fatal("write past the deadline succeeded")
	}
	if err := c.uncork(); err == nil {
		t.Error("uncork = nil after the batch's bytes were lost")
	}
	if _, err := c.Write([]byte("later")); err == nil {
		t.Error("a write after a failed one succeeded")
	}
}

// A batch that fails half-way is dropped and writes go straight out again,
// so that the close frame is not held back.
func TestWSConnAbort(t *testing.T) {
	c, _, client := hijacked(t, "")
	if err := c.cork(time.Now().Add(5 * time.Second)); err != nil {
		t.Fatal(err)
	}
	c.Write([]byte("dropped"))
	c.abort()
	if c.wbuf != nil || c.corked {
		t.Fatal("abort kept the batch")
	}
	c.Write([]byte("close"))
	got := make([]byte, 5)
	client.SetReadDeadline(time.Now().Add(5 * time.Second))
	if _, err := io.ReadFull(client, got); err != nil || string(got) != "close" {
		t.Errorf("after abort the peer got %q, %v; want %q", got, err, "close")
	}
}
