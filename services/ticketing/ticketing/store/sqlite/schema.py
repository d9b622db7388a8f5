"""The ticketing tables on SQLite, and the statements every ticket write shares."""

from __future__ import annotations

SCHEMA = """
CREATE TABLE IF NOT EXISTS tickets (
    id TEXT PRIMARY KEY,
    protocol TEXT NOT NULL UNIQUE,
    title TEXT NOT NULL,
    status TEXT NOT NULL,
    priority TEXT NOT NULL,
    level TEXT,
    assignee TEXT,
    tags TEXT NOT NULL,
    channel TEXT NOT NULL,
    account TEXT NOT NULL,
    thread_key TEXT NOT NULL,
    active_thread_key TEXT UNIQUE,
    opened_by TEXT NOT NULL,
    opened_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    previous_ticket_id TEXT,
    interaction_count INTEGER NOT NULL,
    change_count INTEGER NOT NULL,
    version INTEGER NOT NULL,
    extra TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX IF NOT EXISTS tickets_thread ON tickets (thread_key, opened_at);
CREATE INDEX IF NOT EXISTS tickets_status ON tickets (status, updated_at);
CREATE INDEX IF NOT EXISTS tickets_updated ON tickets (updated_at);
CREATE INDEX IF NOT EXISTS tickets_assignee ON tickets (assignee, status);
CREATE TABLE IF NOT EXISTS ticket_tags (
    ticket_id TEXT NOT NULL REFERENCES tickets (id),
    tag TEXT NOT NULL,  -- casefolded, as merge_tags compares them (NOCASE is ASCII-only)
    PRIMARY KEY (ticket_id, tag)
);
CREATE INDEX IF NOT EXISTS ticket_tags_tag ON ticket_tags (tag);
CREATE TABLE IF NOT EXISTS interactions (
    id TEXT PRIMARY KEY,
    dedup_key TEXT NOT NULL UNIQUE,
    ticket_id TEXT REFERENCES tickets (id),
    thread_key TEXT NOT NULL,
    occurred_at TEXT NOT NULL,
    received_at TEXT NOT NULL,
    body TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS interactions_ticket ON interactions (ticket_id, occurred_at);
CREATE INDEX IF NOT EXISTS interactions_unticketed ON interactions (thread_key)
    WHERE ticket_id IS NULL;
CREATE TABLE IF NOT EXISTS history (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT NOT NULL UNIQUE,
    ticket_id TEXT NOT NULL,
    body TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS history_ticket ON history (ticket_id, seq);
CREATE TABLE IF NOT EXISTS counters (
    name TEXT PRIMARY KEY,
    value INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS outbox (
    event_id TEXT PRIMARY KEY,
    routing_key TEXT NOT NULL,
    body BLOB NOT NULL,
    correlation_id TEXT,
    created_at REAL NOT NULL,
    claimed_until REAL NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS outbox_created ON outbox (created_at);
CREATE TABLE IF NOT EXISTS directory (
    kind TEXT NOT NULL,
    key TEXT NOT NULL,
    body TEXT NOT NULL,
    PRIMARY KEY (kind, key)
);
"""

NOT_REMOVED = "COALESCE(json_extract(extra, '$.removed'), 0) = 0"
"""SQL condition for tickets still on the desk."""

TICKET_COLUMNS = (
    "id",
    "protocol",
    "title",
    "status",
    "priority",
    "level",
    "assignee",
    "tags",
    "channel",
    "account",
    "thread_key",
    "active_thread_key",
    "opened_by",
    "opened_at",
    "updated_at",
    "previous_ticket_id",
    "interaction_count",
    "change_count",
    "version",
    "extra",
)
INSERT_TICKET = (
    f"INSERT INTO tickets ({', '.join(TICKET_COLUMNS)}) "
    f"VALUES ({', '.join('?' for _ in TICKET_COLUMNS)})"
)
UPDATE_TICKET = (
    "UPDATE tickets SET "
    + ", ".join(f"{c} = ?" for c in TICKET_COLUMNS if c != "id")
    + " WHERE id = ? AND version = ?"
)
