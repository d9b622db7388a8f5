"""Ticketing rules with no I/O: threading, the status machine, priorities, ticket changes."""
