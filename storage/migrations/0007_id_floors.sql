-- Version 8: ids are never reused.
--
-- SQLite gives a new row the largest id + 1, so erasing a customer whose
-- conversation or messages were the latest would hand their ids to the next
-- ones: a stale Slack button or a widget that remembers message ids could
-- then point at someone else's. An erasure records here the largest id it
-- deleted, and inserts take ids above it.
CREATE TABLE id_floors (
    name  TEXT PRIMARY KEY, -- the table: "conversations" or "messages"
    floor INTEGER NOT NULL
) WITHOUT ROWID;
