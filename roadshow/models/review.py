"""Expert review of a round: its projects, rubric, judge assignments and score sheets."""
from __future__ import annotations

import enum
from datetime import datetime
from decimal import Decimal

from sqlalchemy import JSON, Boolean, ForeignKey, Integer, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from roadshow.extensions import db
from roadshow.models.application import Application
from roadshow.models.contest import Bilingual
from roadshow.models.round import Round
from roadshow.models.types import UTCDateTime, enum_column, utcnow
from roadshow.models.user import User


class RoundEntry(db.Model):
    """A project (an application) taking part in a round."""

    __tablename__ = "round_entries"
    __table_args__ = (UniqueConstraint("round_id", "application_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("rounds.id", ondelete="CASCADE"), index=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("applications.id", ondelete="CASCADE"), index=True)
    entered_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    entered_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    reason: Mapped[str] = mapped_column(Text, default="")
    advanced_from_round_id: Mapped[int | None] = mapped_column(ForeignKey("rounds.id", ondelete="SET NULL"))

    round: Mapped[Round] = relationship(foreign_keys=[round_id])
    application: Mapped[Application] = relationship()


class Criterion(Bilingual, db.Model):
    """One line of a round's rubric. A sheet's total is the sum of weight x score over the criteria.

    ``descriptors`` lists what score levels mean: ``[{"score": "8", "zh": "...", "en": "..."}, ...]``.
    """

    __tablename__ = "criteria"
    __table_args__ = (UniqueConstraint("round_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("rounds.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    name_zh: Mapped[str] = mapped_column(String(120))
    name_en: Mapped[str] = mapped_column(String(120), default="")
    description_zh: Mapped[str] = mapped_column(Text, default="")
    description_en: Mapped[str] = mapped_column(Text, default="")
    max_points: Mapped[Decimal] = mapped_column(Numeric(8, 2))
    weight: Mapped[Decimal] = mapped_column(Numeric(8, 4), default=Decimal(1))
    step: Mapped[Decimal] = mapped_column(Numeric(4, 2), default=Decimal(1))
    descriptors: Mapped[list] = mapped_column(JSON, default=list)
    comment_required: Mapped[bool] = mapped_column(Boolean, default=False)

    round: Mapped[Round] = relationship(back_populates="criteria")


class AssignmentSource(enum.StrEnum):
    MANUAL = "manual"
    IMPORTED = "imported"
    SOLVER = "solver"


class AssignmentRun(db.Model):
    """One run of the assignment solver for a round: its seed and parameters, and what it produced."""

    __tablename__ = "assignment_runs"

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("rounds.id", ondelete="CASCADE"), index=True)
    seed: Mapped[int] = mapped_column(Integer)
    judges_per_project: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    summary: Mapped[dict] = mapped_column(JSON, default=dict)


class Assignment(db.Model):
    """A judge is to review a project in a round. ``override_reason`` is set when an organiser
    assigned a judge despite a conflict of interest."""

    __tablename__ = "assignments"
    __table_args__ = (UniqueConstraint("round_id", "judge_id", "application_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("rounds.id", ondelete="CASCADE"), index=True)
    judge_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("applications.id", ondelete="CASCADE"), index=True)
    source: Mapped[AssignmentSource] = mapped_column(enum_column(AssignmentSource))
    run_id: Mapped[int | None] = mapped_column(ForeignKey("assignment_runs.id", ondelete="SET NULL"))
    override_reason: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    round: Mapped[Round] = relationship()
    judge: Mapped[User] = relationship(foreign_keys=[judge_id])
    application: Mapped[Application] = relationship()


class SheetSource(enum.StrEnum):
    ONLINE = "online"
    PAPER = "paper"   # entered from a panel's paper sheets (see the audit log for the file)


class SheetStatus(enum.StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    RECUSED = "recused"


class ScoreSheet(db.Model):
    """A judge's scores for one project in one round; the database allows only one per triple.

    ``scores`` and ``comments`` map criterion ids (as strings) to a decimal string and to text.
    ``total`` is always computed on the server (see :func:`roadshow.scoring.sheets.sheet_total`).
    ``version`` counts saves, so that a save from a stale tab is a conflict, never an overwrite.
    ``submit_key`` is the idempotency key of the submit that locked the sheet.
    """

    __tablename__ = "score_sheets"
    __table_args__ = (UniqueConstraint("round_id", "judge_id", "application_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("rounds.id", ondelete="CASCADE"), index=True)
    judge_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("applications.id", ondelete="CASCADE"), index=True)
    status: Mapped[SheetStatus] = mapped_column(enum_column(SheetStatus), default=SheetStatus.DRAFT, index=True)
    source: Mapped[SheetSource] = mapped_column(enum_column(SheetSource), default=SheetSource.ONLINE,
                                                server_default=SheetSource.ONLINE.value)
    scores: Mapped[dict] = mapped_column(JSON, default=dict)
    comments: Mapped[dict] = mapped_column(JSON, default=dict)
    overall_comment: Mapped[str] = mapped_column(Text, default="")
    total: Mapped[Decimal | None] = mapped_column(Numeric(12, 4))
    version: Mapped[int] = mapped_column(Integer, default=1)
    submit_key: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    recusal_reason: Mapped[str] = mapped_column(Text, default="")
    unlocked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    unlock_reason: Mapped[str] = mapped_column(Text, default="")

    round: Mapped[Round] = relationship()
    judge: Mapped[User] = relationship(foreign_keys=[judge_id])
    application: Mapped[Application] = relationship()
