-- Version 6: indexes for the hot paths.
-- Unanswered customer messages of a conversation (every message answered
-- looks for earlier ones): a tiny partial index instead of scanning the
-- conversation's messages.
DROP INDEX messages_unhandled;
CREATE INDEX messages_unhandled ON messages (conversation_id, id) WHERE handled = 0 AND role = 'customer';
-- The questions the bot could not answer, by time (reports).
CREATE INDEX messages_fallback ON messages (created_at) WHERE role = 'bot' AND action = 'fallback';
-- Conversations with a person (reminders, metrics).
CREATE INDEX conversations_open ON conversations (state) WHERE state IN ('waiting', 'agent');
