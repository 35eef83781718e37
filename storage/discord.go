package storage

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/relaisbot/relais/bot"
)

// The methods below implement the routing store of the Discord channel
// (bot/discord.Store, which also needs Conversation and MessageByID). User,
// channel and thread ids are Discord snowflakes, kept as text.

// DiscordRoute returns the channel (a DM channel or a thread) where the
// Discord user userID gets replies. Returns bot.ENotFound if none is recorded.
func (db *DB) DiscordRoute(ctx context.Context, userID string) (string, error) {
	var channelID string
	err := db.read.QueryRowContext(ctx, `SELECT channel_id FROM discord_routes WHERE user_id = ?`, userID).Scan(&channelID)
	if err != nil {
		return "", notFound(err, "no Discord route for this user")
	}
	return channelID, nil
}

// SetDiscordRoute records that the Discord user userID gets replies in
// channelID from now on.
func (db *DB) SetDiscordRoute(ctx context.Context, userID, channelID string) error {
	return db.update(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO discord_routes (user_id, channel_id, updated_at) VALUES (?, ?, ?)
			ON CONFLICT (user_id) DO UPDATE SET channel_id = excluded.channel_id, updated_at = excluded.updated_at
			WHERE channel_id <> excluded.channel_id`, userID, channelID, db.stamp(db.now()))
		if err != nil {
			return fmt.Errorf("save Discord route: %w", err)
		}
		return nil
	})
}

// DiscordThread returns the latest thread opened for the Discord user
// userID in the channel parentID. Returns bot.ENotFound if there is none.
func (db *DB) DiscordThread(ctx context.Context, userID, parentID string) (string, error) {
	var threadID string
	err := db.read.QueryRowContext(ctx, `SELECT thread_id FROM discord_threads WHERE user_id = ? AND parent_id = ?
		ORDER BY id DESC LIMIT 1`, userID, parentID).Scan(&threadID)
	if err != nil {
		return "", notFound(err, "no Discord thread for this user")
	}
	return threadID, nil
}

// SaveDiscordThread records a thread opened for the Discord user userID in
// the channel parentID; it becomes the user's latest thread there. Saving the
// same thread again for the same user does nothing.
// Returns bot.EConflict if the thread belongs to another user.
func (db *DB) SaveDiscordThread(ctx context.Context, userID, threadID, parentID string) error {
	return db.update(ctx, func(tx *sql.Tx) error {
		var owner string
		err := tx.QueryRowContext(ctx, `SELECT user_id FROM discord_threads WHERE thread_id = ?`, threadID).Scan(&owner)
		switch {
		case err == nil && owner == userID:
			return nil
		case err == nil:
			return bot.Errorf(bot.EConflict, "Discord thread %s belongs to another user", threadID)
		case err != sql.ErrNoRows:
			return fmt.Errorf("look up Discord thread: %w", err)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO discord_threads (thread_id, user_id, parent_id, created_at)
			VALUES (?, ?, ?, ?)`, threadID, userID, parentID, db.stamp(db.now())); err != nil {
			return fmt.Errorf("save Discord thread: %w", err)
		}
		return nil
	})
}

// DiscordThreadOwner returns the Discord user a thread was opened for.
// Returns bot.ENotFound if the thread is not one of Relais's.
func (db *DB) DiscordThreadOwner(ctx context.Context, threadID string) (string, error) {
	var userID string
	err := db.read.QueryRowContext(ctx, `SELECT user_id FROM discord_threads WHERE thread_id = ?`, threadID).Scan(&userID)
	if err != nil {
		return "", notFound(err, "not a customer thread")
	}
	return userID, nil
}
