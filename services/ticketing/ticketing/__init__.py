"""Ticketing: tickets, the interactions on them, their history, and the directory (agents,
teams, levels) they are assigned from.

The package is in layers; each reaches only down:

- ``handlers/``: transport. The consumers (triaged interactions, opinion outcomes) and the
  request/reply methods of ``contracts.rpc_ticketing``, one module per area; each handler
  takes the contract model, calls one use case and answers.
- ``usecases/``: one module per area (triage, editing, assignment, bulk, notes,
  manual_opening, lifecycle, reads, interactions, directory, opinions). Use cases never call
  each other; a step two of them need goes down into ``shared/``.
- ``shared/``: those steps: ``writes`` (the one retry-on-stale loop and publishing after a
  commit), ``field_edits``, ``opinion_requests``, ``access``, ``assignment``, ``notices``,
  ``changes``, ``views``, ``directory_reads``, ``authors``, ``transcript``.
- ``domain/``: pure rules, no I/O (``mypy --strict``).
- ``store/``: the ``TicketStore`` port and its SQLite and MongoDB adapters.

A new area (replies, SLA, reports) adds a module to ``handlers/`` and to ``usecases/``, its
pure rules to ``domain/`` and its storage behind the port.
"""
