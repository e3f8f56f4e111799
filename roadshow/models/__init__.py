"""The data model, one aggregate per module. Importing this package registers every table."""
from roadshow.models.application import (
    Application, ApplicationEvent, ApplicationMember, ApplicationSource, ApplicationStatus, ProjectStage,
)
from roadshow.models.application_form import (
    DEFAULT_MATERIAL_RULES, ApplicationQuestion, MaterialKind, MaterialRule, QuestionKind,
)
from roadshow.models.audit import GENESIS_HASH, AppendOnlyViolation, AuditEntry
from roadshow.models.contest import Contest, ContestRole, ContestStatus, Role, Track
from roadshow.models.judging import Conflict, ConflictDeclaration, ConflictSource, JudgeProfile
from roadshow.models.live import (
    Interest, LeaderboardVisibility, LetterOfIntent, LetterStatus, LiveSession, LiveSlot, Question, QuestionStatus,
    QuestionVote, SessionState, SlotPhase,
)
from roadshow.models.material import Material, Upload
from roadshow.models.outbox import DeliveryStatus, OutboxMessage
from roadshow.models.results import (
    DEFAULT_PUBLIC_FIELDS, DEFAULT_TIE_BREAKS, AggregationMethod, ImmutableSnapshot, Publication, ResultSettings,
    ResultSnapshot,
)
from roadshow.models.review import (
    Assignment, AssignmentRun, AssignmentSource, Criterion, RoundEntry, ScoreSheet, SheetSource, SheetStatus,
)
from roadshow.models.round import Round, RoundKind
from roadshow.models.socket_connection import SocketConnection
from roadshow.models.tokens import Invitation, PasswordReset
from roadshow.models.types import utcnow
from roadshow.models.user import ApiToken, User, normalise_email

__all__ = [
    "GENESIS_HASH", "AppendOnlyViolation", "AuditEntry",
    "DEFAULT_MATERIAL_RULES", "Application", "ApplicationEvent", "ApplicationMember", "ApplicationQuestion",
    "ApplicationSource", "ApplicationStatus", "Material", "MaterialKind", "MaterialRule", "ProjectStage",
    "QuestionKind", "Round", "RoundKind", "Upload",
    "ApiToken", "Contest", "ContestRole", "ContestStatus", "DeliveryStatus", "Invitation",
    "OutboxMessage", "PasswordReset", "Role", "SocketConnection", "Track", "User",
    "normalise_email", "utcnow",
    "Conflict", "ConflictDeclaration", "ConflictSource", "JudgeProfile",
    "Assignment", "AssignmentRun", "AssignmentSource", "Criterion", "RoundEntry", "ScoreSheet", "SheetSource",
    "SheetStatus",
    "DEFAULT_PUBLIC_FIELDS", "DEFAULT_TIE_BREAKS", "AggregationMethod", "ImmutableSnapshot", "Publication",
    "ResultSettings", "ResultSnapshot",
    "Interest", "LeaderboardVisibility", "LetterOfIntent", "LetterStatus", "LiveSession", "LiveSlot", "Question",
    "QuestionStatus", "QuestionVote", "SessionState", "SlotPhase",
]
