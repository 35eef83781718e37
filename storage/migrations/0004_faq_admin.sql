-- Version 4: FAQ administration. Drafts are agents' answers proposed as new
-- FAQ entries; they wait for an admin, who approves (creating the entry) or
-- rejects them. Decided drafts are kept, with who decided and when.

CREATE TABLE faq_drafts (
    id           INTEGER PRIMARY KEY,
    lang         TEXT NOT NULL,
    question     TEXT NOT NULL, -- the customer's message
    answer       TEXT NOT NULL, -- the agent's reply
    suggested_id TEXT NOT NULL DEFAULT '',
    author       TEXT NOT NULL,
    source       TEXT NOT NULL DEFAULT '', -- e.g. "slack:C0123:1700000000.000100"
    status       TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'approved', 'rejected')),
    decided_by   TEXT NOT NULL DEFAULT '',
    decided_at   TEXT,
    entry_id     TEXT NOT NULL DEFAULT '', -- the entry an approval created
    created_at   TEXT NOT NULL
);
CREATE INDEX faq_drafts_pending ON faq_drafts (id) WHERE status = 'pending';
-- One draft per source message: a platform retry or a second click is a no-op.
CREATE UNIQUE INDEX faq_drafts_source ON faq_drafts (source) WHERE source <> '';
