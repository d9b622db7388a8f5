"""People (docs/domain.md F28-F30): the author panel, person edits, unification and split
(``persons``), groups and their members (``groups``)."""
