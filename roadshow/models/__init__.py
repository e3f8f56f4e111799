"""The data model, one aggregate per module. Importing this package registers every table."""
from roadshow.models.contest import Contest, ContestRole, ContestStatus, Role, Track
from roadshow.models.outbox import DeliveryStatus, OutboxMessage
from roadshow.models.socket_connection import SocketConnection
from roadshow.models.tokens import Invitation, PasswordReset
from roadshow.models.types import utcnow
from roadshow.models.user import ApiToken, User, normalise_email

__all__ = [
    "ApiToken", "Contest", "ContestRole", "ContestStatus", "DeliveryStatus", "Invitation",
    "OutboxMessage", "PasswordReset", "Role", "SocketConnection", "Track", "User",
    "normalise_email", "utcnow",
]
