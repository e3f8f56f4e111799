"""Personal access tokens for the API: created and revoked by their owner, hashed at rest."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from roadshow import security
from roadshow.extensions import db
from roadshow.models import ApiToken, User, utcnow
from roadshow.services.errors import NotFound

TOKEN_PREFIX = "rs_"


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


def authenticate(plain: str) -> User | None:
    """The active owner of a valid, unrevoked token, or None."""
    token = db.session.scalar(select(ApiToken).where(ApiToken.token_hash == security.token_digest(plain)))
    if token is None or token.revoked_at is not None or not token.user.active:
        return None
    token.last_used_at = utcnow()
    return token.user
