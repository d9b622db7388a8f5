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
    extra TEXT NOT NULL DEFAULT '{}',
    removed INTEGER NOT NULL DEFAULT 0,
    parent_id TEXT,
    sla_next_at TEXT,
    sla_due_at TEXT,
    sla_band TEXT,
    list_row TEXT,  -- the ticket as the list answers it, JSON (codec.list_row)
    sla_listed TEXT,  -- the SLA scan's reading ready to splice into it (sla.Track.listed)
    listed_rev INTEGER  -- changes with any of the list's columns (LISTED_REVISION)
);
CREATE INDEX IF NOT EXISTS tickets_thread ON tickets (thread_key, opened_at);
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
    body TEXT NOT NULL,
    channel TEXT,
    kind TEXT,
    account TEXT,
    author TEXT,
    decision TEXT,
    direction TEXT
);
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
    claimed_until REAL NOT NULL DEFAULT 0,
    traceparent TEXT,
    tracestate TEXT
);
CREATE INDEX IF NOT EXISTS outbox_created ON outbox (created_at);
CREATE TABLE IF NOT EXISTS people (
    id TEXT PRIMARY KEY,
    name_key TEXT NOT NULL,
    search TEXT NOT NULL,
    body TEXT NOT NULL,
    version INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS people_by_name ON people (name_key, id);
CREATE TABLE IF NOT EXISTS person_terms (
    term TEXT NOT NULL,
    person_id TEXT NOT NULL,
    PRIMARY KEY (term, person_id)
);
CREATE INDEX IF NOT EXISTS person_terms_person ON person_terms (person_id);
CREATE TABLE IF NOT EXISTS person_identities (
    key TEXT PRIMARY KEY,
    person_id TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS person_identities_person ON person_identities (person_id);
CREATE TABLE IF NOT EXISTS directory (
    kind TEXT NOT NULL,
    key TEXT NOT NULL,
    body TEXT NOT NULL,
    revision INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (kind, key)
);
CREATE TABLE IF NOT EXISTS level_pins (  -- DirectoryStore.pin_level: tickets being put on a level
    pin TEXT PRIMARY KEY,
    level TEXT NOT NULL,
    until REAL NOT NULL  -- epoch seconds by the store's clock
);
CREATE INDEX IF NOT EXISTS level_pins_level ON level_pins (level, until);
"""

NOT_REMOVED = "removed = 0"
"""SQL condition for tickets still on the desk (literal, so the partial indexes apply)."""

LIST_ORDER = "updated_at DESC, id"
"""The ticket list's order; every desk index ends with it so a page is read in order."""

INTERACTION_ORDER = "occurred_at DESC, id DESC"
"""Newest first. The indexes below hold (occurred_at, id) ascending and are read backwards;
the same index serves a ticket's interactions, oldest first."""

OPENED_ORDER = "opened_at DESC, id"

EXTRA_INDEXED = ("team", "kind", "scope", "direction")
"""Fields of ``extra`` the list filters on, indexed by their ``json_extract`` expression
(filters.EXTRA_FIELDS uses the same expression, which is what lets the index serve it)."""

INDEXES_ON_ADDED_COLUMNS = (
    # The desk (tickets not removed), newest activity first: one index per filter the API
    # offers, each ending in the list's order, so any page of any filter is an index seek
    # and a walk of page_size entries, whatever the size of the desk.
    f"CREATE INDEX IF NOT EXISTS tickets_on_desk ON tickets ({LIST_ORDER}) WHERE {NOT_REMOVED}",
    *(
        f"CREATE INDEX IF NOT EXISTS tickets_desk_{name} ON tickets ({columns}, {LIST_ORDER})"
        f" WHERE {NOT_REMOVED}"
        for name, columns in (
            ("status", "status"),
            ("status_priority", "status, priority"),
            ("priority", "priority"),
            ("level", "level"),
            ("channel", "channel"),
            ("assignee", "assignee"),
            ("account", "account"),
            *((field, f"json_extract(extra, '$.{field}')") for field in EXTRA_INDEXED),
        )
    ),
    # Sorted by opening (``sort=opened``): the desk, and by status.
    f"CREATE INDEX IF NOT EXISTS tickets_opened_on_desk ON tickets ({OPENED_ORDER})"
    f" WHERE {NOT_REMOVED}",
    f"CREATE INDEX IF NOT EXISTS tickets_opened_status ON tickets (status, {OPENED_ORDER})"
    f" WHERE {NOT_REMOVED}",
    # Auto-close looks for a level's open tickets unchanged for a while.
    "CREATE INDEX IF NOT EXISTS tickets_idle ON tickets (level, updated_at)"
    " WHERE status != 'closed'",
    # Audits (include_removed) walk this one.
    f"CREATE INDEX IF NOT EXISTS tickets_listed ON tickets ({LIST_ORDER})",
    "CREATE INDEX IF NOT EXISTS tickets_parent ON tickets (parent_id, opened_at, id)"
    " WHERE parent_id IS NOT NULL",
    "CREATE INDEX IF NOT EXISTS interactions_listed ON interactions (occurred_at, id)",
    # SLA (issue 12): the scanner reads the tickets whose next band change has come, never
    # the rest; the desk filters by band and sorts by due time; a level counts its bands.
    "CREATE INDEX IF NOT EXISTS tickets_sla_next ON tickets (sla_next_at)"
    " WHERE sla_next_at IS NOT NULL",
    f"CREATE INDEX IF NOT EXISTS tickets_desk_sla_band ON tickets (sla_band, {LIST_ORDER})"
    f" WHERE {NOT_REMOVED}",
    "CREATE INDEX IF NOT EXISTS tickets_desk_sla_due ON tickets (sla_due_at, id)"
    f" WHERE {NOT_REMOVED} AND sla_due_at IS NOT NULL",
    "CREATE INDEX IF NOT EXISTS tickets_sla_level ON tickets (level, sla_band)"
    f" WHERE {NOT_REMOVED} AND sla_band IS NOT NULL",
    *(
        f"CREATE INDEX IF NOT EXISTS interactions_by_{column} ON interactions"
        f" ({column}, occurred_at, id)"
        for column in ("ticket_id", "channel", "kind", "account", "author")
    ),
)
"""Indexes over columns that earlier versions did not have: created after the upgrade
added them (the schema script runs first, on files of any age)."""

TEXT_INDEX = (
    "CREATE VIRTUAL TABLE IF NOT EXISTS interaction_text"
    " USING fts5(id UNINDEXED, text, tokenize='trigram')"
)
"""Interaction texts for ``?text=``: trigrams make any substring of three characters or more
an index lookup, ignoring case, which is what the filter always meant. A table with its own
copy of the text rather than an external-content one: that needs an integer key in
``interactions`` that VACUUM cannot renumber, which the table (keyed by a UUID) lacks."""

SEARCH_DOCS = (
    "CREATE TABLE IF NOT EXISTS search_docs (doc INTEGER PRIMARY KEY, kind TEXT NOT NULL,"
    " ref TEXT NOT NULL, text TEXT NOT NULL DEFAULT '', UNIQUE (kind, ref))"
)
SEARCH_INDEX = (
    "CREATE VIRTUAL TABLE IF NOT EXISTS search_text USING fts5(title, body,"
    " tokenize = 'unicode61 remove_diacritics 2')"
)
"""Full-text search (``/v1/search`` and the list's ``text``): words, any case, accents
removed on both sides, so "reclamacao" finds "reclamação". Its rowid is ``search_docs.doc``
(an INTEGER PRIMARY KEY, which VACUUM keeps), which names the ticket (its title) or the
interaction (its text) each row indexes."""

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
    "removed",
    "parent_id",
    "sla_next_at",
    "sla_due_at",
    "sla_band",
    "list_row",
    "sla_listed",
)
LISTED_REVISION = (
    "CREATE TRIGGER IF NOT EXISTS tickets_listed_rev_new AFTER INSERT ON tickets"
    " BEGIN UPDATE tickets SET listed_rev = random() WHERE rowid = NEW.rowid; END",
    "CREATE TRIGGER IF NOT EXISTS tickets_listed_rev AFTER UPDATE OF"
    " list_row, sla_listed, sla_next_at, level, priority ON tickets"
    " BEGIN UPDATE tickets SET listed_rev = random() WHERE rowid = NEW.rowid; END",
)
"""``listed_rev``: a new random number whenever a statement sets the stored row, the SLA
reading, the next reading or the level or priority the clocks are looked up by, whatever
code sets them (an ``UPDATE`` names its columns, changed or not). The desk's clocked list
(``list_rows``) keeps the texts it read by ticket and revision, and reads a ticket's texts
again only when its revision is not the one it kept: a page listed again between writes
reads a number per row instead of two long texts. Kept by SQLite itself so that no write
path, now or later, can change a row and leave its revision; a random 64-bit number rather
than a counter, so a ticket removed and written again cannot come back at a revision a
reader kept (the chance of two equal ones is 2^-64)."""
INSERT_TICKET = (
    f"INSERT INTO tickets ({', '.join(TICKET_COLUMNS)}) "
    f"VALUES ({', '.join('?' for _ in TICKET_COLUMNS)})"
)
