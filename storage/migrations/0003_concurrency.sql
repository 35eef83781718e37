-- Version 3: optimistic concurrency and indexes for deletes.
-- Every update of a conversation bumps its version and requires the version it
-- read, so that two writers (two instances, or a tool) never overwrite each
-- other's state change silently.
ALTER TABLE conversations ADD COLUMN version INTEGER NOT NULL DEFAULT 0;

-- Foreign-key children, so that deleting a conversation or a message does not
-- scan these tables.
CREATE INDEX outbox_message ON outbox (message_id);
CREATE INDEX feedback_message ON feedback (message_id);
CREATE INDEX feedback_conversation ON feedback (conversation_id);
