"""Email: subscribers' digests, operators' alerts, the outbox and its SMTP delivery (docs/email.md)."""

from .alerts import Alert, queue_alerts
from .digest import Digest, compose_digest, queue_digests
from .outbox import enqueue
from .smtp import SendResult, send_queued

__all__ = ["Alert", "Digest", "SendResult", "compose_digest", "enqueue", "queue_alerts", "queue_digests",
           "send_queued"]
