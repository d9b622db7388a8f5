"""Socialdesk message contracts: every body that crosses a service boundary, and the names of
the exchanges, queues and routing keys they travel on. Services import this package, never
each other."""
