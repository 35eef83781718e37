-- Relais schema, version 1. Migrations are append-only: never edit a released
-- file, add a new one. Times are UTC text "YYYY-MM-DDTHH:MM:SS.mmmZ" (sortable).

CREATE TABLE conversations (
    id            INTEGER PRIMARY KEY,
    channel       TEXT    NOT NULL,
    customer_key  TEXT    NOT NULL,
    customer_name TEXT    NOT NULL DEFAULT '',
    lang          TEXT    NOT NULL,
    state         TEXT    NOT NULL CHECK (state IN ('bot', 'waiting', 'agent', 'resolved')),
    agent         TEXT    NOT NULL DEFAULT '',
    created_at    TEXT    NOT NULL,
    updated_at    TEXT    NOT NULL
);
CREATE INDEX conversations_customer ON conversations (channel, customer_key, id);
CREATE INDEX conversations_updated ON conversations (updated_at);

-- Messages of every role. external_id is the client or platform id of the
-- message; it is unique per channel so that platform retries and widget
-- resends are stored once. Ids of non-customer sources carry a prefix
-- ("slack:…").
CREATE TABLE messages (
    id              INTEGER PRIMARY KEY,
    conversation_id INTEGER NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
    channel         TEXT    NOT NULL,
    role            TEXT    NOT NULL CHECK (role IN ('customer', 'bot', 'agent')),
    author          TEXT    NOT NULL DEFAULT '',
    text            TEXT    NOT NULL,
    payload         TEXT    NOT NULL DEFAULT '',
    external_id     TEXT,
    quick_replies   TEXT,
    reply_to        INTEGER,
    handled         INTEGER NOT NULL DEFAULT 0,
    action          TEXT    NOT NULL DEFAULT '',
    faq_id          TEXT    NOT NULL DEFAULT '',
    confidence      REAL    NOT NULL DEFAULT 0,
    lang            TEXT    NOT NULL DEFAULT '',
    created_at      TEXT    NOT NULL
);
CREATE UNIQUE INDEX messages_external ON messages (channel, external_id) WHERE external_id IS NOT NULL;
CREATE INDEX messages_conversation ON messages (conversation_id, id);
CREATE INDEX messages_unhandled ON messages (handled, role) WHERE handled = 0 AND role = 'customer';

-- Every change of conversation state: who, why, when. KPIs are computed from it.
CREATE TABLE state_changes (
    id              INTEGER PRIMARY KEY,
    conversation_id INTEGER NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
    from_state      TEXT    NOT NULL,
    to_state        TEXT    NOT NULL,
    actor           TEXT    NOT NULL,
    reason          TEXT    NOT NULL DEFAULT '',
    created_at      TEXT    NOT NULL
);
CREATE INDEX state_changes_conversation ON state_changes (conversation_id, id);
CREATE INDEX state_changes_created ON state_changes (created_at);

CREATE TABLE handoffs (
    id              INTEGER PRIMARY KEY,
    conversation_id INTEGER NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
    reason          TEXT    NOT NULL,
    score           REAL    NOT NULL DEFAULT 0,
    signals         TEXT    NOT NULL DEFAULT '[]',
    topic           TEXT    NOT NULL DEFAULT '',
    created_at      TEXT    NOT NULL
);
CREATE INDEX handoffs_conversation ON handoffs (conversation_id, id);

-- 👍/👎 on bot answers.
CREATE TABLE feedback (
    id              INTEGER PRIMARY KEY,
    conversation_id INTEGER NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
    message_id      INTEGER NOT NULL REFERENCES messages (id) ON DELETE CASCADE,
    faq_id          TEXT    NOT NULL DEFAULT '',
    helpful         INTEGER NOT NULL,
    created_at      TEXT    NOT NULL
);
CREATE INDEX feedback_faq ON feedback (faq_id);

-- Current FAQ entries, one row per (id, lang).
CREATE TABLE faq_entries (
    id         TEXT    NOT NULL,
    lang       TEXT    NOT NULL,
    topic      TEXT    NOT NULL,
    title      TEXT    NOT NULL,
    questions  TEXT    NOT NULL, -- JSON array of strings
    answer     TEXT    NOT NULL,
    tags       TEXT    NOT NULL DEFAULT '[]',
    revision   INTEGER NOT NULL,
    updated_at TEXT    NOT NULL,
    updated_by TEXT    NOT NULL,
    PRIMARY KEY (id, lang)
);

-- Every version of every entry, deletions included, for history and undo.
CREATE TABLE faq_revisions (
    id         INTEGER PRIMARY KEY,
    entry_id   TEXT    NOT NULL,
    lang       TEXT    NOT NULL,
    revision   INTEGER NOT NULL,
    topic      TEXT    NOT NULL,
    title      TEXT    NOT NULL,
    questions  TEXT    NOT NULL,
    answer     TEXT    NOT NULL,
    tags       TEXT    NOT NULL DEFAULT '[]',
    deleted    INTEGER NOT NULL DEFAULT 0,
    note       TEXT    NOT NULL DEFAULT '',
    author     TEXT    NOT NULL,
    created_at TEXT    NOT NULL,
    UNIQUE (entry_id, lang, revision)
);

-- Messages waiting for delivery to an outside platform (agents' desk, Discord).
CREATE TABLE outbox (
    id              INTEGER PRIMARY KEY,
    target          TEXT    NOT NULL,
    kind            TEXT    NOT NULL,
    conversation_id INTEGER REFERENCES conversations (id) ON DELETE CASCADE,
    message_id      INTEGER REFERENCES messages (id) ON DELETE CASCADE,
    payload         BLOB,
    status          TEXT    NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'done', 'failed')),
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TEXT    NOT NULL,
    last_error      TEXT    NOT NULL DEFAULT '',
    created_at      TEXT    NOT NULL,
    done_at         TEXT
);
CREATE INDEX outbox_pending ON outbox (target, next_attempt_at) WHERE status = 'pending';
CREATE INDEX outbox_conversation ON outbox (conversation_id, id) WHERE status = 'pending';

-- Platform events already processed (Slack event_id, Discord message id, …).
CREATE TABLE processed_events (
    source     TEXT NOT NULL,
    event_id   TEXT NOT NULL,
    created_at TEXT NOT NULL,
    PRIMARY KEY (source, event_id)
) WITHOUT ROWID;

-- Who did what, for admin actions and erasures.
CREATE TABLE audit_log (
    id         INTEGER PRIMARY KEY,
    actor      TEXT NOT NULL,
    action     TEXT NOT NULL,
    subject    TEXT NOT NULL DEFAULT '',
    detail     TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL
);
