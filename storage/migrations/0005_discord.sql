-- Version 5: where Relais answers each Discord customer.
--
-- A Discord customer (a user id) may write by direct message, in the support
-- channel, or in the thread the bot opened for them there. Replies go where
-- the customer wrote last: discord_routes holds that channel (a DM channel or
-- a thread id). discord_threads remembers every thread opened for a customer,
-- so that their messages in it are recognised, and which one is the latest.

CREATE TABLE discord_routes (
    user_id    TEXT PRIMARY KEY,
    channel_id TEXT NOT NULL,
    updated_at TEXT NOT NULL
) WITHOUT ROWID;

CREATE TABLE discord_threads (
    id         INTEGER PRIMARY KEY,
    thread_id  TEXT NOT NULL UNIQUE,
    user_id    TEXT NOT NULL,
    parent_id  TEXT NOT NULL, -- the support channel the thread belongs to
    created_at TEXT NOT NULL
);
CREATE INDEX discord_threads_user ON discord_threads (user_id, parent_id, id);
