-- Version 2: the agents' desk. One desk thread per conversation (reused when
-- the conversation is handed over again or reopened), and CSAT ratings.

CREATE TABLE desk_threads (
    conversation_id INTEGER PRIMARY KEY REFERENCES conversations (id) ON DELETE CASCADE,
    desk            TEXT NOT NULL, -- "slack"
    channel         TEXT NOT NULL, -- the desk's channel id
    thread          TEXT NOT NULL, -- the desk's id of the thread's parent message
    created_at      TEXT NOT NULL,
    UNIQUE (desk, channel, thread)
);

-- At most one rating per conversation.
CREATE TABLE csat (
    conversation_id INTEGER PRIMARY KEY REFERENCES conversations (id) ON DELETE CASCADE,
    score           INTEGER NOT NULL CHECK (score BETWEEN 1 AND 5),
    agent           TEXT    NOT NULL DEFAULT '',
    created_at      TEXT    NOT NULL
);
CREATE INDEX csat_created ON csat (created_at);
