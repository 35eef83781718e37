package widget

import (
	"context"
	"encoding/json"
	"errors"
	"time"

	"github.com/coder/websocket"

	"github.com/relaisbot/relais/bot"
)

// writeLoop writes the queued frames and the pings the pinger queued (a
// client that does not answer in PongTimeout is dropped), then ends when the
// queue is empty. Frames queued together go out in one socket write, within
// WriteTimeout.
func (c *client) writeLoop() {
	defer c.wg.Done()
	for {
		c.mu.Lock()
		if len(c.queue) == 0 || c.ctx.Err() != nil {
			c.queue, c.writing = nil, false
			c.mu.Unlock()
			return
		}
		batch := c.queue
		c.queue = nil
		c.mu.Unlock()
		if err := c.writeBatch(batch); err != nil {
			c.cancel(err)
		}
	}
}

// writeBatch writes frames in order; agents' messages are reported delivered
// once on the socket.
func (c *client) writeBatch(frames []outFrame) error {
	var (
		corked    bool
		delivered []*bot.Message
	)
	defer func() {
		if corked { // failed half-way: the connection is closed
			c.wc.abort()
		}
	}()
	uncork := func() error {
		if !corked {
			return nil
		}
		corked = false
		if err := c.wc.uncork(); err != nil {
			return err
		}
		for _, m := range delivered {
			c.h.delivered(m)
		}
		delivered = delivered[:0]
		return nil
	}
	for i, f := range frames {
		switch {
		case f.ping:
			if err := uncork(); err != nil {
				return err
			}
			ctx, cancel := context.WithTimeout(c.ctx, c.h.opts.PongTimeout)
			err := c.conn.Ping(ctx)
			cancel()
			if err != nil {
				return errNoPong
			}
		case f.msgID != 0 && f.msgID <= c.skipThrough:
			// already in the welcome
		default:
			if !corked && c.wc != nil && i < len(frames)-1 {
				if err := c.wc.cork(time.Now().Add(c.h.opts.WriteTimeout)); err != nil {
					return err
				}
				corked = true
			}
			if err := c.write(f.data, corked); err != nil {
				return err
			}
			if corked {
				delivered = append(delivered, f.agent)
			} else {
				c.h.delivered(f.agent)
			}
		}
	}
	return uncork()
}

// write writes one frame. Corked, it only gathers bytes (the socket write
// comes at uncork, under the batch's deadline), so it needs no timeout of
// its own, which would cost a timer per frame.
func (c *client) write(data []byte, corked bool) error {
	if corked {
		return c.conn.Write(context.Background(), websocket.MessageText, data)
	}
	return c.h.write(c.conn, data)
}

// pingLoop pings every connection once per PingInterval, each at its own
// time, until the Handler closes. A ping is queued to the connection's
// writer, so an idle connection needs no goroutine of its own for it.
func (h *Handler) pingLoop() {
	t := time.NewTicker(min(h.opts.PingInterval/10, 250*time.Millisecond))
	defer t.Stop()
	for {
		select {
		case <-h.ctx.Done():
			return
		case now := <-t.C:
			h.hub.mu.Lock()
			for _, set := range h.hub.clients {
				for c := range set {
					if now.After(c.nextPing) {
						c.nextPing = now.Add(h.opts.PingInterval)
						c.enqueue(outFrame{ping: true})
					}
				}
			}
			h.hub.mu.Unlock()
		}
	}
}

// closeConn closes the WebSocket: with a close handshake on shutdown, at once
// otherwise (the peer is gone or too slow to take a close frame).
func (c *client) closeConn() {
	if errors.Is(context.Cause(c.ctx), errShutdown) {
		c.conn.Close(websocket.StatusGoingAway, "server shutting down")
		return
	}
	c.conn.CloseNow()
}

// readLoop reads frames until the connection fails or is closed. Messages go
// to the worker, so that reading (and answering pings) goes on while a message
// is being answered.
func (c *client) readLoop() {
	for {
		typ, data, err := c.conn.Read(context.Background())
		if err != nil {
			return
		}
		onFreshStack(func() { c.dispatch(typ, data) })
	}
}

// dispatch decodes a frame read from the client and queues it for the worker.
func (c *client) dispatch(typ websocket.MessageType, data []byte) {
	var f inFrame
	if typ != websocket.MessageText || json.Unmarshal(data, &f) != nil {
		c.sendError(codeBadRequest, "")
		return
	}
	switch f.Type {
	case typeMessage:
		c.receive(f)
	default: // a second hello, or a type this server does not know
		c.sendError(codeBadRequest, "")
	}
}

// onFreshStack runs fn on a worker (see workers) and waits for it. A
// connection's reader spends its life waiting on the socket; decoding and
// checking what it read (JSON, limits) would grow its stack from 4 to 8 KiB,
// and a goroutine keeps the stack it grew: ten thousand idle connections
// would keep 40 MB more.
func onFreshStack(fn func()) {
	done := make(chan struct{})
	pool.run(func() {
		defer close(done)
		fn()
	})
	<-done
}

// receive checks a message frame and queues it for the worker.
func (c *client) receive(f inFrame) {
	switch {
	case !validClientID(f.ClientID):
		c.sendError(codeBadRequest, "")
	case !validPayload(f.Payload):
		c.sendError(codeBadRequest, f.ClientID)
	case !c.allow() || !c.h.perMinute.allow(c.key, time.Now()):
		c.sendError(codeRateLimited, f.ClientID)
	default:
		c.mu.Lock()
		if len(c.inbox) >= c.h.opts.RateBurst {
			c.mu.Unlock()
			c.sendError(codeRateLimited, f.ClientID)
			return
		}
		c.inbox = append(c.inbox, f)
		if !c.working && !c.closed {
			c.working = true
			c.wg.Add(1)
			pool.run(c.workLoop)
		}
		c.mu.Unlock()
	}
}

// allow is a token bucket: RateBurst messages at once, then one per RateEvery.
func (c *client) allow() bool {
	now := time.Now()
	c.tokens += float64(now.Sub(c.last)) / float64(c.h.opts.RateEvery)
	c.tokens = min(c.tokens, float64(c.h.opts.RateBurst))
	c.last = now
	if c.tokens < 1 {
		return false
	}
	c.tokens--
	return true
}

// workLoop handles the client's queued messages one at a time, in order,
// then ends. On shutdown the queued ones are dropped unacknowledged: the
// widget resends them.
func (c *client) workLoop() {
	defer c.wg.Done()
	for {
		c.mu.Lock()
		if len(c.inbox) == 0 || c.ctx.Err() != nil {
			c.inbox, c.working = nil, false
			c.mu.Unlock()
			return
		}
		f := c.inbox[0]
		c.inbox = c.inbox[1:]
		c.mu.Unlock()
		c.handle(f)
	}
}

// handle stores a message (Accept), acknowledges it, then has it answered
// (Process) between typing on and typing off. Replies reach the client through
// Publish. The work is not cancelled when the client goes away: the reply is
// stored and replayed when it comes back.
func (c *client) handle(f inFrame) {
	h := c.h
	ctx, cancel := context.WithTimeout(h.work, h.opts.ProcessTimeout)
	defer cancel()
	if !c.hasConversation && !h.newConvs.allow(c.ip, time.Now()) {
		h.logger.Info("widget: too many new conversations from one address")
		c.enqueueJSON(errorFrame{Type: typeError, Code: codeRateLimited, ClientID: f.ClientID,
			Message: h.engine.Texts(c.language()).TooManyConvs})
		return
	}
	r, err := h.engine.Accept(ctx, bot.Inbound{
		Channel: bot.ChannelWidget, CustomerKey: c.key,
		ExternalID: externalID(c.key, f.ClientID),
		Text:       f.Text, Payload: f.Payload, Lang: c.language(),
	})
	if err == nil && r.Conversation.CustomerKey != c.key {
		err = errors.New("accepted message belongs to another customer")
	}
	if err != nil {
		c.fail("accept", err, f, r.Conversation.ID)
		return
	}
	c.hasConversation = true
	c.setLanguage(r.Conversation.Lang)
	c.enqueueJSON(ackFrame{Type: typeAck, ClientID: f.ClientID, ID: r.Message.ID})
	if r.Handled {
		return
	}
	c.enqueueJSON(typingFrame{Type: typeTyping, On: true})
	err = h.engine.Process(ctx, r)
	c.enqueueJSON(typingFrame{Type: typeTyping, On: false})
	if err != nil {
		c.fail("process", err, f, r.Conversation.ID)
	}
}

// fail tells the client why its message failed, in its language, and logs
// unexpected errors.
func (c *client) fail(op string, err error, f inFrame, convID int64) {
	frame, internal := errorFor(err, op == "process", c.h.engine.Texts(c.language()), f.ClientID)
	if internal {
		c.h.logger.Error("handle widget message", keyOp, op, keyConversation, convID,
			keyBytes, len(f.Text), keyError, err)
	}
	c.enqueueJSON(frame)
}
