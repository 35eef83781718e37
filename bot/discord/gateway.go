package discord

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"time"

	"github.com/bwmarrin/discordgo"
	"github.com/gorilla/websocket"
)

// Gateway timing.
const (
	openTimeout  = 30 * time.Second // the longest a gateway open may take
	minReconnect = time.Second      // first wait before reopening a failed gateway
	maxReconnect = 2 * time.Minute
)

// Gateway close codes that need an operator.
const (
	closeAuthFailed        = 4004
	closeInvalidIntents    = 4013
	closeDisallowedIntents = 4014
)

var errClosed = errors.New("discord: adapter closed")

// Start checks the token (and the support channel, if any) over REST, then
// opens the gateway. It fails with an error naming the setting to fix when
// Discord refuses the token, cannot show the support channel to the bot, or
// refuses the privileged Message Content intent. It may be called again
// after a failure.
func (a *Adapter) Start(ctx context.Context) error {
	me, err := a.session.User("@me", discordgo.WithContext(ctx))
	if err != nil {
		if status(err) == http.StatusUnauthorized {
			err = errors.New("discord.token: Discord refused the bot token: copy it again from the developer portal (Bot → Reset Token)")
			a.health.setAuth(err)
			return err
		}
		return fmt.Errorf("discord: check the bot token: %w", err)
	}
	a.mu.Lock()
	a.botID = me.ID
	a.mu.Unlock()
	guild := "" // where /faq is registered: the support channel's guild, else every guild
	if id := a.cfg.SupportChannel; id != "" {
		ch, err := a.session.Channel(id, discordgo.WithContext(ctx))
		switch s := status(err); {
		case s == http.StatusForbidden || s == http.StatusNotFound:
			return fmt.Errorf("discord.support_channel: the bot cannot see channel %s: invite the bot to the server and let it view the channel (%w)", id, err)
		case err != nil:
			return fmt.Errorf("discord: check the support channel: %w", err)
		case ch.Type != discordgo.ChannelTypeGuildText:
			return fmt.Errorf("discord.support_channel: channel %s is not a text channel (type %d)", id, ch.Type)
		}
		guild = ch.GuildID
	}
	if err := a.open(ctx); err != nil {
		return err
	}
	a.registerCommands(ctx, guild)
	a.mu.Lock()
	a.started = true
	a.mu.Unlock()
	a.health.started()
	a.logger.Info("discord: connected", "bot_user", me.ID, "dms", a.cfg.DMs, "support_channel", a.cfg.SupportChannel)
	return nil
}

// Run keeps the gateway connected until ctx ends: after a dropped connection
// it reopens it, with backoff, resuming the session so that the events
// missed meanwhile are replayed. It returns nil when ctx ends or the adapter
// is closed, and an error only if Start did not succeed first.
func (a *Adapter) Run(ctx context.Context) error {
	a.mu.Lock()
	started := a.started
	a.mu.Unlock()
	if !started {
		return errors.New("discord: Run before a successful Start")
	}
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-a.disconnected:
		}
		if err := a.reconnect(ctx); err != nil {
			return nil // closed, or ctx ended
		}
	}
}

// reconnect reopens the gateway until it succeeds, ctx ends or the adapter is closed.
func (a *Adapter) reconnect(ctx context.Context) error {
	for delay := minReconnect; ; delay = min(2*delay, maxReconnect) {
		err := a.open(ctx)
		switch {
		case err == nil:
			a.logger.Info("discord: gateway reconnected")
			return nil
		case errors.Is(err, errClosed) || ctx.Err() != nil:
			return errClosed
		}
		a.logger.Warn("discord: cannot reconnect the gateway; retrying", "err", err, "retry_in", delay)
		t := time.NewTimer(delay)
		select {
		case <-ctx.Done():
			t.Stop()
			return errClosed
		case <-t.C:
		}
	}
}

// open opens the gateway connection (a RESUME if a session exists),
// within openTimeout, unless the adapter is closed.
func (a *Adapter) open(ctx context.Context) error {
	a.openMu.Lock()
	defer a.openMu.Unlock()
	a.mu.Lock()
	closed := a.closed
	a.mu.Unlock()
	if closed {
		return errClosed
	}
	ctx, cancel := context.WithTimeout(ctx, openTimeout)
	defer cancel()
	stop := context.AfterFunc(ctx, a.abortOpen)
	defer stop()
	stopOnClose := context.AfterFunc(a.closing, a.abortOpen)
	defer stopOnClose()
	err := a.session.Open()
	if err == nil || errors.Is(err, discordgo.ErrWSAlreadyOpen) {
		return nil
	}
	var ce *websocket.CloseError
	if errors.As(err, &ce) {
		switch ce.Code {
		case closeAuthFailed:
			err = errors.New("discord.token: the gateway refused the bot token (4004): copy it again from the developer portal")
			a.health.setAuth(err)
			return err
		case closeDisallowedIntents, closeInvalidIntents:
			err = fmt.Errorf("discord: the gateway refused the intents (%d): enable MESSAGE CONTENT INTENT in the developer portal (your app → Bot → Privileged Gateway Intents)", ce.Code)
			a.health.setAuth(err)
			return err
		}
	}
	return fmt.Errorf("discord: open gateway: %w", err)
}

// abortOpen closes the connection of a gateway open that takes too long.
func (a *Adapter) abortOpen() {
	a.mu.Lock()
	c := a.dialing
	a.mu.Unlock()
	if c != nil {
		c.Close()
	}
}

// dial opens the gateway's network connections: each is closed when the
// adapter is closed, so that no discordgo goroutine outlives it.
func (a *Adapter) dial(ctx context.Context, network, addr string) (net.Conn, error) {
	if a.life.Err() != nil {
		return nil, errClosed
	}
	var d net.Dialer
	c, err := d.DialContext(ctx, network, addr)
	if err != nil {
		return nil, err
	}
	conn := &lifeConn{Conn: c}
	conn.stop = context.AfterFunc(a.life, func() { c.Close() })
	a.mu.Lock()
	a.dialing = conn
	a.mu.Unlock()
	return conn, nil
}

// lifeConn is a connection closed with the adapter.
type lifeConn struct {
	net.Conn
	stop func() bool
}

func (c *lifeConn) Close() error {
	c.stop()
	return c.Conn.Close()
}

func (a *Adapter) onConnect(*discordgo.Session, *discordgo.Connect) {
	a.health.setConnected(true)
}

// onDisconnect wakes Run up to reconnect. It never blocks: it runs on
// discordgo's goroutines.
func (a *Adapter) onDisconnect(*discordgo.Session, *discordgo.Disconnect) {
	a.health.setConnected(false)
	select {
	case a.disconnected <- struct{}{}:
	default:
	}
}
