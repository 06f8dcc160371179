"""SQLAlchemy models. Importing this package registers every table on Base.metadata."""

from models.base import Base
from models.event import (
    Event,
    EventFormat,
    EventKind,
    EventSeries,
    EventStatus,
    Registration,
    RegistrationLog,
    RegistrationStatus,
)
from models.fsm import FsmState
from models.notification import Notification, NotificationKind, NotificationStatus
from models.organisation import Organisation, OrgKind
from models.person import Person, Role

__all__ = [
    "Base",
    "Event",
    "EventFormat",
    "EventKind",
    "EventSeries",
    "EventStatus",
    "FsmState",
    "Notification",
    "NotificationKind",
    "NotificationStatus",
    "OrgKind",
    "Organisation",
    "Person",
    "Registration",
    "RegistrationLog",
    "RegistrationStatus",
    "Role",
]
