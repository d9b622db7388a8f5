"""Pollers for the networks without push (YouTube, Google Business Profile reviews, Reclame
Aqui, LinkedIn) and the reconciliation poll of Meta accounts (docs/channels.md "Pollers").

``runner`` leases each due account to this replica, calls its network's module with the saved
cursor, and sends what it found through the ingestor's outbox like a webhook delivery; ``http``
holds the calls' retries (tenacity, honouring Retry-After) and the quota budgets; one module
per network turns its API's shapes into interactions."""
