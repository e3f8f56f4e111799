"""The judge pool of a contest and conflicts of interest between judges and projects."""
from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import JSON, Boolean, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from roadshow.extensions import db
from roadshow.models.application import Application
from roadshow.models.contest import Contest
from roadshow.models.types import UTCDateTime, enum_column, utcnow
from roadshow.models.user import User


class JudgeProfile(db.Model):
    """What a contest knows of one of its judges: institution, expertise (track ids) and a short bio.

    ``max_load`` caps how many projects of one round the assignment solver may give the judge.
    """

    __tablename__ = "judge_profiles"
    __table_args__ = (UniqueConstraint("contest_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    contest_id: Mapped[int] = mapped_column(ForeignKey("contests.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    institution: Mapped[str] = mapped_column(String(200), default="")
    expertise_track_ids: Mapped[list] = mapped_column(JSON, default=list)
    bio: Mapped[str] = mapped_column(Text, default="")
    max_load: Mapped[int | None] = mapped_column(Integer)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    contest: Mapped[Contest] = relationship()
    user: Mapped[User] = relationship()


class ConflictSource(enum.StrEnum):
    DECLARED = "declared"      # the judge said so
    DETECTED = "detected"      # same institution, same email domain, or the judge is on the team
    ORGANIZER = "organizer"    # an organiser added it


class Conflict(db.Model):
    """A conflict of interest between a judge and a project (an application) of a contest.

    One row per pair, whatever its source; lifting it (organisers only, with a reason) keeps the row
    with ``active`` false, so that detection does not bring back a conflict an organiser has lifted.
    """

    __tablename__ = "conflicts"
    __table_args__ = (UniqueConstraint("judge_id", "application_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    contest_id: Mapped[int] = mapped_column(ForeignKey("contests.id", ondelete="CASCADE"), index=True)
    judge_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("applications.id", ondelete="CASCADE"), index=True)
    source: Mapped[ConflictSource] = mapped_column(enum_column(ConflictSource))
    reason: Mapped[str] = mapped_column(Text, default="")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    lifted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    lifted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    lift_reason: Mapped[str] = mapped_column(Text, default="")

    judge: Mapped[User] = relationship(foreign_keys=[judge_id])
    application: Mapped[Application] = relationship()


class ConflictDeclaration(db.Model):
    """A judge has gone through a round's project list and declared their conflicts (possibly none).

    Until then the judge sees nothing of the round but that list.
    """

    __tablename__ = "conflict_declarations"
    __table_args__ = (UniqueConstraint("round_id", "judge_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("rounds.id", ondelete="CASCADE"), index=True)
    judge_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    declared_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
