"""Contests, their tracks, and the roles people hold in each contest."""
from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from roadshow.extensions import db
from roadshow.models.types import UTCDateTime, enum_column, utcnow


DEFAULT_QUOTA_BYTES = 3 * 1024**3  # per application: a 2 GB video and its documents


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
    application_deadline: Mapped[datetime | None] = mapped_column(UTCDateTime)
    application_quota_bytes: Mapped[int] = mapped_column(BigInteger, default=DEFAULT_QUOTA_BYTES,
                                                         server_default=str(DEFAULT_QUOTA_BYTES))

    tracks: Mapped[list[Track]] = relationship(
        back_populates="contest", cascade="all, delete-orphan", order_by="Track.position"
    )
    roles: Mapped[list[ContestRole]] = relationship(
        back_populates="contest", cascade="all, delete-orphan"
    )
    rounds: Mapped[list["Round"]] = relationship(  # noqa: F821
        back_populates="contest", cascade="all, delete-orphan", order_by="Round.position"
    )
    questions: Mapped[list["ApplicationQuestion"]] = relationship(  # noqa: F821
        back_populates="contest", cascade="all, delete-orphan", order_by="ApplicationQuestion.position"
    )
    material_rules: Mapped[list["MaterialRule"]] = relationship(  # noqa: F821
        back_populates="contest", cascade="all, delete-orphan", order_by="MaterialRule.kind"
    )

    @property
    def is_public(self) -> bool:
        return self.status != ContestStatus.DRAFT

    def accepts_applications(self, now: datetime) -> bool:
        """Open, and before its deadline (a contest without a deadline takes applications while open)."""
        return self.status == ContestStatus.OPEN and (
            self.application_deadline is None or now < self.application_deadline
        )

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
