"""How a round's scores become a ranking, and the rankings organisers publish.

``ResultSettings`` holds a round's declared method (aggregation, normalisation, tie-breaks,
stability). ``ResultSnapshot`` is an immutable record of one computed ranking: the method and its
parameters, the ranking, and the sheets it came from, sealed by the SHA-256 of their canonical JSON
(``content_hash``). ``Publication`` says which snapshot of a round is public; unpublishing deletes
it (and the audit log says so), never the snapshot.
"""
from __future__ import annotations

import enum
from datetime import datetime
from decimal import Decimal

from sqlalchemy import JSON, Boolean, ForeignKey, Integer, Numeric, String, Text, UniqueConstraint, event
from sqlalchemy.orm import Mapped, mapped_column, relationship

from roadshow.extensions import db
from roadshow.models.round import Round
from roadshow.models.types import UTCDateTime, enum_column, utcnow


class AggregationMethod(enum.StrEnum):
    MEAN = "mean"
    MEDIAN = "median"
    TRIMMED_MEAN = "trimmed_mean"


DEFAULT_TIE_BREAKS = ["aggregate", "median", "lot"]  # "criterion:<id>" may be put in between
DEFAULT_PUBLIC_FIELDS = ["rank", "project", "team", "score"]


class ResultSettings(db.Model):
    """The declared method of a round's ranking (one row per round, created with defaults)."""

    __tablename__ = "result_settings"

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("rounds.id", ondelete="CASCADE"), unique=True)
    aggregation: Mapped[AggregationMethod] = mapped_column(enum_column(AggregationMethod),
                                                           default=AggregationMethod.TRIMMED_MEAN)
    trim: Mapped[int] = mapped_column(Integer, default=1)  # k highest and k lowest totals dropped
    fallback: Mapped[AggregationMethod] = mapped_column(enum_column(AggregationMethod),
                                                        default=AggregationMethod.MEAN)
    normalise: Mapped[bool] = mapped_column(Boolean, default=False)
    normalise_min_projects: Mapped[int] = mapped_column(Integer, default=5)
    tie_breaks: Mapped[list] = mapped_column(JSON, default=lambda: list(DEFAULT_TIE_BREAKS))
    lot_seed: Mapped[int] = mapped_column(Integer, default=0)
    top_n: Mapped[int] = mapped_column(Integer, default=10)
    disagreement_threshold: Mapped[Decimal | None] = mapped_column(Numeric(12, 4))  # spread of totals
    bootstrap_resamples: Mapped[int] = mapped_column(Integer, default=1000)
    bootstrap_seed: Mapped[int] = mapped_column(Integer, default=0)
    announce_live: Mapped[bool] = mapped_column(Boolean, default=False)  # issue 6: aggregate shown on closing
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    round: Mapped[Round] = relationship()


class ImmutableSnapshot(RuntimeError):
    """Raised when code tries to change or remove a result snapshot."""


class ResultSnapshot(db.Model):
    """One computed ranking of a round, frozen: never updated, never deleted through the ORM."""

    __tablename__ = "result_snapshots"
    __table_args__ = (UniqueConstraint("round_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("rounds.id", ondelete="CASCADE"), index=True)
    number: Mapped[int] = mapped_column(Integer)  # 1, 2, ... per round
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    method: Mapped[dict] = mapped_column(JSON)    # the settings used, as plain values
    ranking: Mapped[list] = mapped_column(JSON)   # rows as computed (see roadshow.scoring.results)
    sheets: Mapped[list] = mapped_column(JSON)    # the sheets it came from: judge, project, scores, total
    content_hash: Mapped[str] = mapped_column(String(64))

    round: Mapped[Round] = relationship()


@event.listens_for(ResultSnapshot, "before_update")
def _refuse_update(mapper, connection, target):
    raise ImmutableSnapshot("result snapshots are immutable")


@event.listens_for(ResultSnapshot, "before_delete")
def _refuse_delete(mapper, connection, target):
    raise ImmutableSnapshot("result snapshots are immutable")


class Publication(db.Model):
    """The snapshot of a round that is public, and which of its fields the public sees."""

    __tablename__ = "publications"

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("rounds.id", ondelete="CASCADE"), unique=True)
    snapshot_id: Mapped[int] = mapped_column(ForeignKey("result_snapshots.id", ondelete="CASCADE"))
    public_fields: Mapped[list] = mapped_column(JSON, default=lambda: list(DEFAULT_PUBLIC_FIELDS))
    published_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    published_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    note: Mapped[str] = mapped_column(Text, default="")

    snapshot: Mapped[ResultSnapshot] = relationship()
