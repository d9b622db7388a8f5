from __future__ import annotations

from rules.settings import RulesSettings
from rules.store.port import RuleStore


def open_store(settings: RulesSettings) -> RuleStore:
    """MongoDB when MONGODB_URL is set, else the embedded SQLite file."""
    if settings.mongodb_url:
        from rules.store.mongo import MongoRuleStore

        return MongoRuleStore(settings.mongodb_url)
    from rules.store.sqlite import SqliteRuleStore

    return SqliteRuleStore(settings.sqlite_path("rules"))
