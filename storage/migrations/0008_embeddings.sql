-- Version 7: the optional language model (faq/openai).
-- Vectors (embeddings) of the FAQ's phrasings, per embedding model, keyed by
-- the hash of the phrasing's text: an edited phrasing gets a new row, and
-- rows of phrasings that no longer exist are pruned once every current
-- phrasing has its vector. vector holds dim little-endian float32 values.
CREATE TABLE faq_embeddings (
    model      TEXT NOT NULL,
    entry_id   TEXT NOT NULL,
    lang       TEXT NOT NULL,
    hash       TEXT NOT NULL,
    dim        INTEGER NOT NULL CHECK (dim > 0),
    vector     BLOB NOT NULL CHECK (length(vector) = 4 * dim),
    created_at TEXT NOT NULL,
    PRIMARY KEY (model, entry_id, lang, hash)
) WITHOUT ROWID;

-- Tokens used per UTC day (prompt + completion), so that the daily budget
-- holds across restarts.
CREATE TABLE llm_usage (
    day    TEXT PRIMARY KEY, -- YYYY-MM-DD, UTC
    tokens INTEGER NOT NULL DEFAULT 0,
    calls  INTEGER NOT NULL DEFAULT 0
);

-- The short summary shown to agents at the top of a hand-over's thread.
CREATE TABLE handoff_summaries (
    handoff_id INTEGER PRIMARY KEY REFERENCES handoffs (id) ON DELETE CASCADE,
    summary    TEXT NOT NULL,
    created_at TEXT NOT NULL
);
