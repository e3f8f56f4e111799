"""Contests, their tracks, and the roles people hold in each contest."""
from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from roadshow.extensions import db
from roadshow.models.types import UTCDateTime, enum_column, utcnow


class ContestStatus(enum.StrEnum):
    DRAFT = "draft"
    OPEN = "open"
    CLOSED = "closed"
    ARCHIVED = "archived"


class Role(enum.StrEnum):
    ORGANIZER = "organizer"
    JUDGE = "judge"
    TEAM_MEMBER = "team_member"
    OBSERVER = "observer"


class Bilingual:
    """Mixin for models whose text fields come in ``<field>_zh`` and ``<field>_en`` pairs."""

    def localized(self, field: str, locale: str) -> str:
        zh, en = getattr(self, f"{field}_zh"), getattr(self, f"{field}_en")
        preferred, fallback = (en, zh) if locale.startswith("en") else (zh, en)
        return preferred or fallback or ""


class Contest(Bilingual, db.Model):
    __tablename__ = "contests"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    name_zh: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str] = mapped_column(String(200), default="")
    description_zh: Mapped[str] = mapped_column(Text, default="")
    description_en: Mapped[str] = mapped_column(Text, default="")
    timezone: Mapped[str] = mapped_column(String(64), default="Asia/Shanghai")
    status: Mapped[ContestStatus] = mapped_column(enum_column(ContestStatus), default=ContestStatus.DRAFT)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    tracks: Mapped[list[Track]] = relationship(
        back_populates="contest", cascade="all, delete-orphan", order_by="Track.position"
    )
    roles: Mapped[list[ContestRole]] = relationship(
        back_populates="contest", cascade="all, delete-orphan"
    )

    @property
    def is_public(self) -> bool:
        return self.status != ContestStatus.DRAFT

    def __repr__(self) -> str:
        return f"<Contest {self.slug}>"


class Track(Bilingual, db.Model):
    """An industry track of a contest (e.g. medical devices, new materials)."""

    __tablename__ = "tracks"
    __table_args__ = (UniqueConstraint("contest_id", "name_zh"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    contest_id: Mapped[int] = mapped_column(ForeignKey("contests.id", ondelete="CASCADE"), index=True)
    name_zh: Mapped[str] = mapped_column(String(120))
    name_en: Mapped[str] = mapped_column(String(120), default="")
    position: Mapped[int] = mapped_column(Integer, default=0)

    contest: Mapped[Contest] = relationship(back_populates="tracks")


class ContestRole(db.Model):
    """A person's role in one contest; one person may hold different roles in different contests."""

    __tablename__ = "contest_roles"
    __table_args__ = (UniqueConstraint("contest_id", "user_id", "role"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    contest_id: Mapped[int] = mapped_column(ForeignKey("contests.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    role: Mapped[Role] = mapped_column(enum_column(Role))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    contest: Mapped[Contest] = relationship(back_populates="roles")
    user: Mapped["User"] = relationship(back_populates="roles")  # noqa: F821
