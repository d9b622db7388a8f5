from __future__ import annotations

from typing import Annotated

from pydantic import Field, StringConstraints
from pydantic_settings import SettingsConfigDict

from servicekit.settings import SECRET_MIN_LENGTH, Secret, ServiceSettings

OptionalSecret = Annotated[str, StringConstraints(min_length=SECRET_MIN_LENGTH)] | None
"""A secret a deployment may leave unset (a channel it does not use), never a short one."""


class IngestorSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="INGESTOR_", extra="ignore")

    ingest_key: Secret = Field(validation_alias="SOCIALDESK_INGEST_KEY")
    max_batch: int = Field(default=1000, ge=1, le=10_000)
    max_body_bytes: int = Field(default=32 * 1024 * 1024, ge=1024)
    """Counted as the body arrives (a chunked body has no Content-Length to trust)."""
    auth_failures_per_minute: int = Field(default=20, ge=1)
    """Wrong or missing X-Api-Key one client address may send in a minute; past it, 429 with
    Retry-After until the minute has passed. Authenticated connectors are not rate limited:
    a campaign peak must get in, and RabbitMQ's confirms are the backpressure."""
    dedup_days: float = Field(default=7.0, gt=0)
    """INGESTOR_DEDUP_DAYS: how long a published interaction's (channel, external_id) is kept
    to recognise a redelivery. The networks redeliver webhooks for hours (Meta retries for up
    to a day and a half) and pollers overlap their windows by a few days; a key older than this
    is forgotten and the same interaction would be accepted again. Only the key is kept: the
    body is dropped as soon as RabbitMQ confirmed the event."""
    dedup_prune_seconds: float = Field(default=3600.0, gt=0)
    """How often the expired keys are deleted."""

    credentials_key: str | None = Field(default=None, repr=False)
    """INGESTOR_CREDENTIALS_KEY: the Fernet key (``Fernet.generate_key()``) that encrypts the
    accounts' credentials at rest. Required in production; in development one is generated
    once under SOCIALDESK_DATA_DIR (ingestor.credentials-key)."""
    meta_app_secret: OptionalSecret = Field(default=None, repr=False)
    """INGESTOR_META_APP_SECRET: the Meta app's secret, which signs every webhook delivery.
    Without it (and the verify token) the Meta webhook answers 404: nothing unsigned is ever
    accepted."""
    meta_verify_token: OptionalSecret = Field(default=None, repr=False)
    """INGESTOR_META_VERIFY_TOKEN: the token typed into the app's webhook settings, echoed by
    Meta's verification request."""
    x_consumer_secret: OptionalSecret = Field(default=None, repr=False)
    """INGESTOR_X_CONSUMER_SECRET: the X app's consumer secret, which answers X's CRC challenge
    and signs every webhook delivery. Without it the X webhook answers 404."""
    smtp_port: int | None = Field(default=None, ge=1, le=65535)
    """INGESTOR_SMTP_PORT: where the inbound SMTP endpoint listens (mail forwarded or routed by
    MX to a registered mailbox account). Unset: no SMTP endpoint."""
    smtp_host: str = "127.0.0.1"
    """INGESTOR_SMTP_HOST: the address it binds (0.0.0.0 behind an MX)."""
    imap_poll_seconds: float = Field(default=60.0, gt=0)
    """INGESTOR_IMAP_POLL_SECONDS: how often the mailbox accounts with IMAP credentials are
    read for new mail."""
    raw_delivery_days: float = Field(default=30.0, gt=0)
    """INGESTOR_RAW_DELIVERY_DAYS: how long raw webhook deliveries are kept."""

    polling: bool = True
    """INGESTOR_POLLING: poll the accounts of the networks without push (and reconcile Meta's).
    Off, this replica only takes webhooks and the normalised endpoint."""
    poll_tick_seconds: float = Field(default=5.0, gt=0)
    """How often this replica looks for accounts whose poll is due."""
    poll_lease_seconds: float = Field(default=300.0, gt=0)
    """How long one replica holds an account it polls; another takes over after this if the
    holder dies mid-poll."""
    poll_failing_after: int = Field(default=3, ge=1)
    """Polls failing in a row before the account shows ``failing``."""
    poll_attempts: int = Field(default=4, ge=1)
    """Tries of one call on 429, 5xx or a dropped connection."""
    poll_max_retry_after_seconds: float = Field(default=30.0, ge=0)
    """A Retry-After up to this is waited within the poll; a longer one ends the poll and the
    account is throttled until it passes."""
    youtube_poll_seconds: float = Field(default=300.0, gt=0)
    youtube_base_url: str = "https://www.googleapis.com"
    youtube_daily_units: int = Field(default=10_000, ge=1)
    youtube_recheck_hours: float = Field(default=48.0, ge=0)
    """How long after it was published a thread is re-read for edits, removals and late
    replies (0: never)."""
    youtube_recheck_threads: int = Field(default=20, ge=0)
    """How many remembered threads one poll re-reads (about one unit each, plus one)."""
    """YouTube's daily quota (units; commentThreads.list costs 1), reset at midnight Pacific."""
    google_poll_seconds: float = Field(default=300.0, gt=0)
    google_base_url: str = "https://mybusiness.googleapis.com"
    google_calls_per_minute: int = Field(default=300, ge=1)
    reclameaqui_poll_seconds: float = Field(default=300.0, gt=0)
    reclameaqui_base_url: str = "https://app.hugme.com.br"
    reclameaqui_calls_per_minute: int = Field(default=10, ge=1)
    """HugMe's limit (unconfirmed: read from public client code, about 10 a minute)."""
    linkedin_poll_seconds: float = Field(default=300.0, gt=0)
    linkedin_base_url: str = "https://api.linkedin.com"
    linkedin_posts: int = Field(default=20, ge=1, le=100)
    """The organisation's latest posts whose comments are polled."""
    meta_poll_seconds: float = Field(default=900.0, gt=0)
    """The reconciliation poll of Meta accounts: what the webhook dropped still arrives."""
    meta_poll_overlap_seconds: float = Field(default=3600.0, ge=0)
    """Each reconciliation reads back this far before its cursor (late, out-of-order items)."""
    meta_graph_url: str = "https://graph.facebook.com/v21.0"
    """INGESTOR_META_GRAPH_URL: the Graph API replies are posted to (tests: the fake Meta);
    the reconciliation polls use it too, without the version (they name theirs)."""
    x_api_url: str = "https://api.x.com"
    """INGESTOR_X_API_URL: X's v2 API replies and DMs are posted to (tests: the fake X)."""
    reply_attempts: int = Field(default=5, ge=1, le=20)
    """INGESTOR_REPLY_ATTEMPTS: calls made for one reply while the network answers 429 or 5xx
    (or cannot be reached) before it fails with the reason."""
    reply_backoff_seconds: float = Field(default=1.0, gt=0)
    """INGESTOR_REPLY_BACKOFF_SECONDS: the first wait between attempts, doubled each time
    (with jitter) up to INGESTOR_REPLY_MAX_WAIT_SECONDS; a Retry-After is honoured instead."""
    reply_max_wait_seconds: float = Field(default=60.0, gt=0)
    """INGESTOR_REPLY_MAX_WAIT_SECONDS: the longest wait between two attempts; a Retry-After
    asking for more fails the reply (rate-limited) instead of holding it."""
    reply_timeout_seconds: float = Field(default=30.0, gt=0)
    """INGESTOR_REPLY_TIMEOUT_SECONDS: how long one call to a network may take. A call that
    times out after the request was sent may have been taken: the reply becomes uncertain."""

    def model_post_init(self, context: object) -> None:
        if self.production and not self.credentials_key:
            raise ValueError(
                "INGESTOR_CREDENTIALS_KEY must be set (a Fernet key) when SOCIALDESK_ENV=production"
            )
