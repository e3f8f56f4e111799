"""Listing people and the outbox, for administrators."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, or_, select

from roadshow.extensions import db
from roadshow.models import OutboxMessage, User
from roadshow.policy import Action, authorize
from roadshow.services.errors import NotFound

PAGE_SIZE = 50


def search(by: User, query: str = "", page: int = 1) -> tuple[list[User], int]:
    authorize(by, Action.USERS_MANAGE)
    statement = select(User)
    if query:
        pattern = f"%{query.strip().lower()}%"
        statement = statement.where(or_(User.email.like(pattern), func.lower(User.display_name).like(pattern)))
    total = db.session.scalar(select(func.count()).select_from(statement.subquery()))
    users = db.session.scalars(statement.order_by(User.created_at.desc()).limit(PAGE_SIZE).offset((page - 1) * PAGE_SIZE))
    return list(users), total


def get(by: User, user_id: int) -> User:
    authorize(by, Action.USERS_MANAGE)
    user = db.session.get(User, user_id)
    if user is None:
        raise NotFound(_l("Not found."))
    return user


def outbox(by: User, page: int = 1) -> tuple[list[OutboxMessage], int]:
    authorize(by, Action.OUTBOX_READ)
    total = db.session.scalar(select(func.count()).select_from(OutboxMessage))
    messages = db.session.scalars(
        select(OutboxMessage).order_by(OutboxMessage.id.desc()).limit(PAGE_SIZE).offset((page - 1) * PAGE_SIZE)
    )
    return list(messages), total


def outbox_message(by: User, message_id: int) -> OutboxMessage:
    authorize(by, Action.OUTBOX_READ)
    message = db.session.get(OutboxMessage, message_id)
    if message is None:
        raise NotFound(_l("Not found."))
    return message
