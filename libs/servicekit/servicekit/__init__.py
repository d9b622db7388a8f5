"""Plumbing every Socialdesk service shares: settings, logging, RabbitMQ topology, reliable
publishing and consuming, request/reply, and the embedded SQLite database. Nothing here knows
about tickets or rules."""
