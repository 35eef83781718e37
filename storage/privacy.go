package storage

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/relaisbot/relais/bot"
	"github.com/relaisbot/relais/faq"
)

var _ bot.PrivacyStore = (*DB)(nil)

// ConversationCustomer returns the customer of conversation id.
// Returns bot.ENotFound if there is none.
func (db *DB) ConversationCustomer(ctx context.Context, id int64) (bot.Customer, error) {
	var c bot.Customer
	err := db.read.QueryRowContext(ctx, `SELECT channel, customer_key FROM conversations WHERE id = ?`, id).
		Scan(&c.Channel, &c.Key)
	return c, notFound(err, "conversation %d not found", id)
}

// CustomerData returns everything stored about c, read in one snapshot.
func (db *DB) CustomerData(ctx context.Context, c bot.Customer) (bot.CustomerData, error) {
	out := bot.CustomerData{Customer: c, ExportedAt: db.now().UTC(), Conversations: []bot.ConversationData{}}
	tx, err := db.read.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return out, fmt.Errorf("begin: %w", err)
	}
	defer tx.Rollback()
	rows, err := tx.QueryContext(ctx, `SELECT `+conversationColumns+` FROM conversations
		WHERE channel = ? AND customer_key = ? ORDER BY id`, c.Channel, c.Key)
	if err != nil {
		return out, fmt.Errorf("query conversations: %w", err)
	}
	var convs []bot.Conversation
	for rows.Next() {
		conv, err := scanConversation(rows)
		if err != nil {
			rows.Close()
			return out, fmt.Errorf("read conversation: %w", err)
		}
		convs = append(convs, conv)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return out, fmt.Errorf("read conversations: %w", err)
	}
	for _, conv := range convs {
		d, err := conversationData(ctx, tx, conv)
		if err != nil {
			return out, fmt.Errorf("conversation %d: %w", conv.ID, err)
		}
		out.Conversations = append(out.Conversations, d)
	}
	return out, nil
}

// conversationData reads the whole of one conversation for an export.
func conversationData(ctx context.Context, tx *sql.Tx, conv bot.Conversation) (bot.ConversationData, error) {
	d := bot.ConversationData{
		ID: conv.ID, CustomerName: conv.CustomerName, Lang: conv.Lang, State: conv.State, Agent: conv.Agent,
		CreatedAt: conv.CreatedAt, UpdatedAt: conv.UpdatedAt,
		Messages: []bot.MessageData{}, StateChanges: []bot.StateChangeData{}, Handoffs: []bot.HandoffData{},
		Feedback: []bot.FeedbackData{},
	}
	rows, err := tx.QueryContext(ctx, `SELECT `+messageColumns+` FROM messages WHERE conversation_id = ? ORDER BY id`, conv.ID)
	if err != nil {
		return d, fmt.Errorf("query messages: %w", err)
	}
	msgs, err := scanMessages(rows, false)
	if err != nil {
		return d, err
	}
	for _, m := range msgs {
		d.Messages = append(d.Messages, bot.MessageData{ID: m.ID, Role: m.Role, Author: m.Author, Text: m.Text,
			Payload: m.Payload, Action: m.Action, FAQID: m.FAQID, Lang: m.Lang, CreatedAt: m.CreatedAt})
	}

	err = each(ctx, tx, `SELECT from_state, to_state, actor, reason, created_at FROM state_changes
		WHERE conversation_id = ? ORDER BY id`, conv.ID, func(s scanner) error {
		var sc bot.StateChangeData
		var created string
		if err := s.Scan(&sc.From, &sc.To, &sc.Actor, &sc.Reason, &created); err != nil {
			return err
		}
		sc.CreatedAt, err = parseTime(created)
		d.StateChanges = append(d.StateChanges, sc)
		return err
	})
	if err != nil {
		return d, fmt.Errorf("state changes: %w", err)
	}
	err = each(ctx, tx, `SELECT reason, score, signals, topic, created_at FROM handoffs
		WHERE conversation_id = ? ORDER BY id`, conv.ID, func(s scanner) error {
		var h bot.HandoffData
		var signals, created string
		if err := s.Scan(&h.Reason, &h.Score, &signals, &h.Topic, &created); err != nil {
			return err
		}
		if err := json.Unmarshal([]byte(signals), &h.Signals); err != nil {
			return fmt.Errorf("decode signals: %w", err)
		}
		h.CreatedAt, err = parseTime(created)
		d.Handoffs = append(d.Handoffs, h)
		return err
	})
	if err != nil {
		return d, fmt.Errorf("hand-overs: %w", err)
	}
	err = each(ctx, tx, `SELECT message_id, faq_id, helpful, created_at FROM feedback
		WHERE conversation_id = ? ORDER BY id`, conv.ID, func(s scanner) error {
		var f bot.FeedbackData
		var created string
		if err := s.Scan(&f.MessageID, &f.FAQID, &f.Helpful, &created); err != nil {
			return err
		}
		f.CreatedAt, err = parseTime(created)
		d.Feedback = append(d.Feedback, f)
		return err
	})
	if err != nil {
		return d, fmt.Errorf("feedback: %w", err)
	}
	err = each(ctx, tx, `SELECT score, agent, created_at FROM csat WHERE conversation_id = ?`, conv.ID,
		func(s scanner) error {
			var r bot.CSATData
			var created string
			if err := s.Scan(&r.Score, &r.Agent, &created); err != nil {
				return err
			}
			r.CreatedAt, err = parseTime(created)
			d.CSAT = &r
			return err
		})
	if err != nil {
		return d, fmt.Errorf("rating: %w", err)
	}
	return d, nil
}

// each runs a query with one argument and calls fn on every row.
func each(ctx context.Context, tx *sql.Tx, query string, arg any, fn func(scanner) error) error {
	rows, err := tx.QueryContext(ctx, query, arg)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		if err := fn(rows); err != nil {
			return err
		}
	}
	return rows.Err()
}

// EraseCustomer deletes c's conversations and everything attached to them,
// queues the deletion of Relais's copies in Slack threads and on Discord,
// forgets where c is reached on Discord, and audit-logs the erasure, in one
// transaction.
func (db *DB) EraseCustomer(ctx context.Context, c bot.Customer, actor string) (bot.Erasure, error) {
	var e bot.Erasure
	var items []bot.OutboxItem
	err := db.update(ctx, func(tx *sql.Tx) error {
		ids, err := queryIDs(ctx, tx, `SELECT id FROM conversations WHERE channel = ? AND customer_key = ?`, c.Channel, c.Key)
		if err != nil {
			return err
		}
		if e, items, err = db.erase(ctx, tx, ids); err != nil {
			return err
		}
		if c.Channel == bot.ChannelDiscord {
			it, err := db.eraseDiscordUser(ctx, tx, c.Key)
			if err != nil {
				return err
			}
			if it != nil {
				items = append(items, *it)
				e.Copies++
			}
		}
		return db.audit(ctx, tx, faq.AuditRecord{Actor: actor, Action: "customer.erase", Subject: c.String(),
			Detail: fmt.Sprintf("%d conversations, %d messages; %d outside copies queued for deletion",
				e.Conversations, e.Messages, e.Copies)})
	})
	if err != nil {
		return bot.Erasure{}, err
	}
	db.notifyOutbox(items)
	db.truncateWAL(ctx)
	return e, nil
}

// ExpireConversations erases up to limit conversations whose last activity
// is older than before, whatever their state, and audit-logs it.
func (db *DB) ExpireConversations(ctx context.Context, before time.Time, actor string, limit int) (bot.Erasure, error) {
	var e bot.Erasure
	var items []bot.OutboxItem
	err := db.update(ctx, func(tx *sql.Tx) error {
		var ids []int64
		var discordUsers []string
		rows, err := tx.QueryContext(ctx, `SELECT id, channel, customer_key FROM conversations WHERE updated_at < ? ORDER BY id LIMIT ?`,
			db.stamp(before), limit)
		if err != nil {
			return fmt.Errorf("list expired conversations: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			var id int64
			var channel, key string
			if err := rows.Scan(&id, &channel, &key); err != nil {
				return fmt.Errorf("list expired conversations: %w", err)
			}
			ids = append(ids, id)
			if bot.Channel(channel) == bot.ChannelDiscord && !slices.Contains(discordUsers, key) {
				discordUsers = append(discordUsers, key)
			}
		}
		if err := rows.Err(); err != nil || len(ids) == 0 {
			return err
		}
		rows.Close()
		if e, items, err = db.erase(ctx, tx, ids); err != nil {
			return err
		}
		// Relais's messages to a Discord customer are deleted once none of
		// their conversations is left: a DM holds all their conversations.
		for _, user := range discordUsers {
			var left int
			if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM conversations WHERE channel = ? AND customer_key = ?`,
				bot.ChannelDiscord, user).Scan(&left); err != nil {
				return fmt.Errorf("count a Discord customer's conversations: %w", err)
			}
			if left > 0 {
				continue
			}
			it, err := db.eraseDiscordUser(ctx, tx, user)
			if err != nil {
				return err
			}
			if it != nil {
				items = append(items, *it)
				e.Copies++
			}
		}
		return db.audit(ctx, tx, faq.AuditRecord{Actor: actor, Action: "conversations.expire",
			Subject: "inactive since " + before.UTC().Format(time.DateOnly),
			Detail: fmt.Sprintf("%d conversations, %d messages; %d outside copies queued for deletion",
				e.Conversations, e.Messages, e.Copies)})
	})
	if err != nil {
		return bot.Erasure{}, err
	}
	db.notifyOutbox(items)
	if e.Conversations > 0 {
		db.truncateWAL(ctx)
	}
	return e, nil
}

// erase deletes the conversations ids in tx (their messages, state changes,
// hand-overs, ratings, threads and pending outbox items go with them) and
// queues a KindErase item for each of their Slack threads.
func (db *DB) erase(ctx context.Context, tx *sql.Tx, ids []int64) (bot.Erasure, []bot.OutboxItem, error) {
	e := bot.Erasure{IDs: ids}
	var items []bot.OutboxItem
	// The largest ids given so far, before deleting anything.
	var maxConversation, maxMessage int64
	if err := tx.QueryRowContext(ctx, `SELECT (SELECT COALESCE(MAX(id), 0) FROM conversations),
		(SELECT COALESCE(MAX(id), 0) FROM messages)`).Scan(&maxConversation, &maxMessage); err != nil {
		return e, nil, fmt.Errorf("read the largest ids: %w", err)
	}
	maxIDs := map[string]int64{"conversations": maxConversation, "messages": maxMessage}
	for _, id := range ids {
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM messages WHERE conversation_id = ?`, id).Scan(&n); err != nil {
			return e, nil, fmt.Errorf("count messages: %w", err)
		}
		e.Messages += n
		var channel, thread string
		err := tx.QueryRowContext(ctx, `SELECT channel, thread FROM desk_threads WHERE conversation_id = ?`, id).
			Scan(&channel, &thread)
		switch {
		case err == nil:
			payload, _ := json.Marshal(bot.ErasePayload{Channel: channel, Thread: thread})
			it := bot.OutboxItem{Target: bot.TargetDesk, Kind: bot.KindErase, Payload: payload}
			if err := db.insertOutbox(ctx, tx, 0, nil, &it); err != nil {
				return e, nil, err
			}
			items = append(items, it)
			e.Copies++
			// Drafts proposed from the thread quote the customer. Their source
			// is "slack:CHANNEL:THREAD:MESSAGE", or, for drafts made before
			// that form, the id of one of the conversation's messages.
			if _, err := tx.ExecContext(ctx, `DELETE FROM faq_drafts WHERE status = 'pending' AND (source LIKE ? ESCAPE '\'
				OR source IN (SELECT external_id FROM messages WHERE conversation_id = ?))`,
				likePrefix("slack:"+channel+":"+thread+":"), id); err != nil {
				return e, nil, fmt.Errorf("delete drafts: %w", err)
			}
		case err != sql.ErrNoRows:
			return e, nil, fmt.Errorf("load thread: %w", err)
		}
		// Outbox items keep message ids after delivery; they cascade too.
		if _, err := tx.ExecContext(ctx, `DELETE FROM conversations WHERE id = ?`, id); err != nil {
			return e, nil, fmt.Errorf("delete conversation %d: %w", id, err)
		}
		e.Conversations++
	}
	for _, table := range []string{"conversations", "messages"} {
		// Raise the floor to the largest id given before the deletion.
		if _, err := tx.ExecContext(ctx, `INSERT INTO id_floors (name, floor) VALUES (?, ?)
			ON CONFLICT (name) DO UPDATE SET floor = MAX(floor, excluded.floor)`, table, maxIDs[table]); err != nil {
			return e, nil, fmt.Errorf("record the id floor: %w", err)
		}
	}
	return e, items, nil
}

// eraseDiscordUser forgets a Discord customer's route and threads and
// returns the item deleting Relais's copies on Discord (nil if Relais never
// wrote to them there).
func (db *DB) eraseDiscordUser(ctx context.Context, tx *sql.Tx, user string) (*bot.OutboxItem, error) {
	var threads []string
	err := each(ctx, tx, `SELECT thread_id FROM discord_threads WHERE user_id = ? ORDER BY id`, user, func(s scanner) error {
		var t string
		err := s.Scan(&t)
		threads = append(threads, t)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("list Discord threads: %w", err)
	}
	// Where they were answered last, if not one of their threads: their DM
	// channel (or the support channel, when no thread could be opened; the
	// adapter checks that it is a DM before deleting anything in it).
	var route string
	err = tx.QueryRowContext(ctx, `SELECT channel_id FROM discord_routes WHERE user_id = ?`, user).Scan(&route)
	if err != nil && err != sql.ErrNoRows {
		return nil, fmt.Errorf("load Discord route: %w", err)
	}
	res, err := tx.ExecContext(ctx, `DELETE FROM discord_routes WHERE user_id = ?`, user)
	if err != nil {
		return nil, fmt.Errorf("delete Discord route: %w", err)
	}
	routes, _ := res.RowsAffected()
	if _, err := tx.ExecContext(ctx, `DELETE FROM discord_threads WHERE user_id = ?`, user); err != nil {
		return nil, fmt.Errorf("delete Discord threads: %w", err)
	}
	if routes == 0 && len(threads) == 0 {
		return nil, nil
	}
	p := bot.ErasePayload{User: user, Threads: threads}
	if !slices.Contains(threads, route) {
		p.Channel = route
	}
	payload, _ := json.Marshal(p)
	it := bot.OutboxItem{Target: string(bot.ChannelDiscord), Kind: bot.KindErase, Payload: payload}
	if err := db.insertOutbox(ctx, tx, 0, nil, &it); err != nil {
		return nil, err
	}
	return &it, nil
}

func queryIDs(ctx context.Context, tx *sql.Tx, query string, args ...any) ([]int64, error) {
	rows, err := tx.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("query conversations: %w", err)
	}
	defer rows.Close()
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, fmt.Errorf("read conversation id: %w", err)
		}
		ids = append(ids, id)
	}
	return ids, rows.Err()
}

// likePrefix returns a LIKE pattern matching strings that start with s.
func likePrefix(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)
	return r.Replace(s) + "%"
}

// truncateWAL checkpoints the write-ahead log and truncates it, so that
// erased data does not linger in it (secure_delete zeroes it in the
// database file). It retries while readers and writers keep the log busy;
// a failure is counted in CheckpointStats (the erasure itself is committed).
func (db *DB) truncateWAL(ctx context.Context) {
	_ = db.checkpointer.truncate(ctx)
}

// LastErasure returns the id of the latest erasure or expiry in the audit
// log (0 if none), so that a server notices erasures made by another process.
func (db *DB) LastErasure(ctx context.Context) (int64, error) {
	var id int64
	err := db.read.QueryRowContext(ctx, `SELECT id FROM audit_log
		WHERE action IN ('customer.erase', 'conversations.expire') ORDER BY id DESC LIMIT 1`).Scan(&id)
	if err == sql.ErrNoRows {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("read the latest erasure: %w", err)
	}
	return id, nil
}
