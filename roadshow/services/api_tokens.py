"""Personal access tokens for the API: created and revoked by their owner, hashed at rest."""
from __future__ import annotations

from datetime import timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from roadshow import security
from roadshow.extensions import db
from roadshow.models import ApiToken, User, utcnow
from roadshow.realtime.publish import disconnect_token
from roadshow.services.errors import NotFound

TOKEN_PREFIX = "rs_"
LAST_USED_RESOLUTION = timedelta(minutes=1)  # "last used" is shown to the minute


def create(user: User, name: str) -> tuple[ApiToken, str]:
    """Create a token and return it with its plain text, which is shown once and never stored."""
    plain = security.new_token(TOKEN_PREFIX)
    token = ApiToken(user=user, name=name.strip(), token_hash=security.token_digest(plain), prefix=plain[:8])
    db.session.add(token)
    db.session.flush()
    return token, plain


def revoke(user: User, token_id: int) -> None:
    token = db.session.get(ApiToken, token_id)
    if token is None or token.user_id != user.id:
        raise NotFound(_l("Not found."))
    if token.revoked_at is None:
        token.revoked_at = utcnow()
        disconnect_token(token.id, "token_revoked")


def find(plain: str) -> ApiToken | None:
    """The token ``plain`` if it is valid, unrevoked and its owner active, else None. Only reads."""
    token = db.session.scalar(select(ApiToken).options(joinedload(ApiToken.user))
                              .where(ApiToken.token_hash == security.token_digest(plain)))
    if token is None or token.revoked_at is not None or not token.user.active:
        return None
    return token


def use_is_stale(token: ApiToken) -> bool:
    """Whether the token's last use is worth recording again. It is kept to the minute, so that
    API calls do not each write (a write per call would serialise them on SQLite)."""
    return token.last_used_at is None or utcnow() - token.last_used_at > LAST_USED_RESOLUTION


def mark_used(token_id: int) -> None:
    token = db.session.get(ApiToken, token_id)
    if token is not None:
        token.last_used_at = utcnow()
