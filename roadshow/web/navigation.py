"""What the navigation bar offers: it depends on the roles the viewer holds, computed once per request."""
from __future__ import annotations

from dataclasses import dataclass

from flask import g
from flask_login import current_user
from sqlalchemy import select

from roadshow.extensions import db
from roadshow.models import ContestRole, Role


@dataclass(frozen=True)
class Navigation:
    signed_in: bool = False
    is_admin: bool = False
    roles: frozenset[Role] = frozenset()

    @property
    def organizes(self) -> bool:
        return self.is_admin or Role.ORGANIZER in self.roles

    @property
    def judges(self) -> bool:
        return Role.JUDGE in self.roles

    @property
    def competes(self) -> bool:
        return Role.TEAM_MEMBER in self.roles


def navigation() -> Navigation:
    if "navigation" not in g:
        if current_user.is_authenticated:
            roles = frozenset(db.session.scalars(select(ContestRole.role).where(ContestRole.user_id == current_user.id)))
            g.navigation = Navigation(True, current_user.is_admin, roles)
        else:
            g.navigation = Navigation()
    return g.navigation


def init_app(app) -> None:
    app.context_processor(lambda: {"nav": navigation()})
