"""SQLAlchemy models. Importing this package registers every table on Base.metadata."""

from models.audit import AuditEntry
from models.base import Base
from models.broadcast import Broadcast, BroadcastRecipient, BroadcastStatus, ContentKind
from models.consultation import ConsultationMessage, ConsultationRequest, ConsultationStatus
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
from models.leadership import JobRun, RoleRequest, RoleRequestStatus
from models.mentoring import Mentoring, MentoringStatus
from models.notification import Notification, NotificationKind, NotificationStatus
from models.organisation import Organisation, OrgKind
from models.person import Person, Role
from models.questionnaire import Answer, Form, Response, ResponseStatus
from models.report import ReportTemplate
from models.route import Route, RouteItem

__all__ = [
    "Answer",
    "AuditEntry",
    "Base",
    "Broadcast",
    "BroadcastRecipient",
    "BroadcastStatus",
    "ConsultationMessage",
    "ConsultationRequest",
    "ConsultationStatus",
    "ContentKind",
    "Event",
    "EventFormat",
    "EventKind",
    "EventSeries",
    "EventStatus",
    "Form",
    "FsmState",
    "JobRun",
    "Mentoring",
    "MentoringStatus",
    "Notification",
    "NotificationKind",
    "NotificationStatus",
    "OrgKind",
    "Organisation",
    "Person",
    "Registration",
    "RegistrationLog",
    "RegistrationStatus",
    "ReportTemplate",
    "Response",
    "ResponseStatus",
    "Role",
    "RoleRequest",
    "RoleRequestStatus",
    "Route",
    "RouteItem",
]
