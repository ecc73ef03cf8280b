"""All tables, imported so that Alembic and the app see one metadata."""

from models.base import Base
from models.email import Email
from models.queue_item import QueueItem, QueueStatus
from models.queue_template import QueueTemplate
from models.recovery_sweep import RecoverySweep
from models.request_guard import IdempotencyKey, RateCounter
from models.template import Template
from models.user import User

__all__ = [
    "Base",
    "Email",
    "IdempotencyKey",
    "QueueItem",
    "QueueStatus",
    "QueueTemplate",
    "RateCounter",
    "RecoverySweep",
    "Template",
    "User",
]
