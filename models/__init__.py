"""SQLAlchemy models. Importing this package registers every table on Base.metadata."""

from models.base import Base
from models.fsm import FsmState
from models.organisation import Organisation, OrgKind
from models.person import Person, Role

__all__ = ["Base", "FsmState", "OrgKind", "Organisation", "Person", "Role"]
