package widget

import (
	"bufio"
	"errors"
	"io"
	"net"
	"net/http"
	"sync"
	"syscall"
	"time"
)

// A widget connection is idle almost all of its life, and there are
// thousands. Over the connection the HTTP server hijacks, coder/websocket
// would keep the server's 4 KiB read and 4 KiB write buffers for the whole
// life of each connection. wsConn gives it tiny bufio buffers instead, over a
// connection that takes a pooled buffer only while bytes are in flight:
//
//   - reads wait for the socket to be readable without a buffer (RawConn),
//     then read into a pooled buffer, given back once consumed;
//   - writes go straight to the socket, except in a batch (cork … uncork),
//     when the frames the writer has queued are gathered in a pooled buffer
//     and written with one system call (a customer's message makes five
//     frames: echo, ack, typing on, the answer, typing off).
//
// Connections that are not plain sockets keep the standard buffers.

// ioBufSize is the size of the pooled read and write buffers.
const ioBufSize = 4096

var ioBufs = sync.Pool{New: func() any { b := make([]byte, ioBufSize); return &b }}

func getBuf() *[]byte  { return ioBufs.Get().(*[]byte) }
func putBuf(b *[]byte) { ioBufs.Put(b) }

// hijackWriter hands coder/websocket's Accept a wsConn when it hijacks.
type hijackWriter struct {
	http.ResponseWriter
	conn *wsConn // set by Hijack when the connection is a socket
}

// Hijack implements http.Hijacker.
func (w *hijackWriter) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	hj, ok := w.ResponseWriter.(http.Hijacker)
	if !ok {
		return nil, nil, errors.New("widget: the ResponseWriter cannot be hijacked")
	}
	nc, brw, err := hj.Hijack()
	if err != nil {
		return nil, nil, err
	}
	sc, ok := nc.(syscall.Conn)
	if !ok || !pooledIO {
		return nc, brw, nil
	}
	raw, err := sc.SyscallConn()
	if err != nil {
		return nc, brw, nil
	}
	c := &wsConn{Conn: nc, raw: raw}
	// Bytes the server read past the request (a client that did not wait
	// for the handshake's answer) come first.
	if n := brw.Reader.Buffered(); n > 0 {
		b, _ := brw.Reader.Peek(n)
		c.pending = append([]byte(nil), b...)
	}
	w.conn = c
	// 16 bytes is bufio's minimum; a frame header fits.
	return c, bufio.NewReadWriter(bufio.NewReaderSize(c, 16), bufio.NewWriterSize(c, 16)), nil
}

// wsConn is a hijacked socket with pooled buffers (see above). Reads come
// from one goroutine at a time (coder/websocket's read lock); writes may come
// from the writer and from the library's reader (pongs, close frames).
type wsConn struct {
	net.Conn
	raw syscall.RawConn

	pending []byte  // read past the handshake by the HTTP server
	rbuf    *[]byte // pooled; holds bytes read and not yet consumed
	r, w    int     // unread bytes are (*rbuf)[r:w]

	wmu    sync.Mutex
	corked bool
	wbuf   *[]byte // pooled while corked and something was written
	wn     int
	werr   error // the first failed socket write: the stream is broken
}

// Read implements io.Reader.
func (c *wsConn) Read(p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	if len(c.pending) > 0 {
		n := copy(p, c.pending)
		c.pending = c.pending[n:]
		return n, nil
	}
	if c.rbuf == nil {
		if err := c.fill(); err != nil {
			return 0, err
		}
	}
	n := copy(p, (*c.rbuf)[c.r:c.w])
	c.r += n
	if c.r == c.w {
		putBuf(c.rbuf)
		c.rbuf = nil
	}
	return n, nil
}

// fill waits until the socket is readable, then reads what is there into a
// pooled buffer. The buffer is taken only once there is something to read.
func (c *wsConn) fill() error {
	var (
		n    int
		rerr error
	)
	err := c.raw.Read(func(fd uintptr) bool {
		b := getBuf()
		for {
			n, rerr = sysRead(fd, *b)
			if rerr != syscall.EINTR {
				break
			}
		}
		if rerr == syscall.EAGAIN {
			putBuf(b)
			return false // wait for readability
		}
		if n > 0 {
			c.rbuf, c.r, c.w = b, 0, n
		} else {
			putBuf(b)
		}
		return true
	})
	switch {
	case err != nil: // closed, or past the read deadline
		return err
	case rerr != nil:
		return &net.OpError{Op: "read", Net: "tcp", Source: c.LocalAddr(), Addr: c.RemoteAddr(), Err: rerr}
	case n <= 0:
		return io.EOF
	}
	return nil
}

// Write implements io.Writer: straight to the socket, or into the batch.
// Once a socket write failed, every later write fails: bytes may have been
// lost, and nothing after them may be reported written.
func (c *wsConn) Write(p []byte) (int, error) {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	if c.werr != nil {
		return 0, c.werr
	}
	if !c.corked {
		return c.writeLocked(p)
	}
	if c.wbuf != nil && c.wn+len(p) > ioBufSize {
		if err := c.flushLocked(); err != nil {
			return 0, err
		}
	}
	if len(p) > ioBufSize {
		return c.writeLocked(p)
	}
	if c.wbuf == nil {
		c.wbuf, c.wn = getBuf(), 0
	}
	c.wn += copy((*c.wbuf)[c.wn:], p)
	return len(p), nil
}

// cork starts a batch: writes are gathered until uncork or abort, and the
// socket writes of the batch give up at deadline.
func (c *wsConn) cork(deadline time.Time) error {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	if c.werr != nil {
		return c.werr
	}
	if err := c.Conn.SetWriteDeadline(deadline); err != nil {
		return err
	}
	c.corked = true
	return nil
}

// uncork ends the batch and writes what it gathered. A nil error means
// every byte written since cork is on the socket.
func (c *wsConn) uncork() error {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	c.corked = false
	err := c.flushLocked()
	if derr := c.Conn.SetWriteDeadline(time.Time{}); err == nil {
		err = derr
	}
	return err
}

// abort ends a batch that failed: what it gathered is dropped (the
// connection is being closed) and writes go straight out again, so that a
// close frame is not held back.
func (c *wsConn) abort() {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	if !c.corked {
		return
	}
	c.corked = false
	if c.wbuf != nil {
		putBuf(c.wbuf)
		c.wbuf, c.wn = nil, 0
	}
	_ = c.Conn.SetWriteDeadline(time.Time{})
}

// flushLocked writes the gathered bytes and gives the buffer back.
func (c *wsConn) flushLocked() error {
	if c.wbuf == nil {
		return c.werr
	}
	b, n := c.wbuf, c.wn
	c.wbuf, c.wn = nil, 0
	defer putBuf(b)
	_, err := c.writeLocked((*b)[:n])
	return err
}

// writeLocked writes p to the socket and remembers a failure.
func (c *wsConn) writeLocked(p []byte) (int, error) {
	n, err := c.Conn.Write(p)
	if err != nil {
		c.werr = err
	}
	return n, err
}
