"""The rounds of a contest, in order: screening, online review, live roadshow, final."""
from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from roadshow.extensions import db
from roadshow.models.contest import Bilingual, Contest
from roadshow.models.types import UTCDateTime, enum_column


class RoundKind(enum.StrEnum):
    SCREENING = "screening"
    ONLINE_REVIEW = "online_review"
    LIVE_ROADSHOW = "live_roadshow"
    FINAL = "final"


class Round(Bilingual, db.Model):
    __tablename__ = "rounds"
    __table_args__ = (UniqueConstraint("contest_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    contest_id: Mapped[int] = mapped_column(ForeignKey("contests.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    kind: Mapped[RoundKind] = mapped_column(enum_column(RoundKind))
    name_zh: Mapped[str] = mapped_column(String(120))
    name_en: Mapped[str] = mapped_column(String(120), default="")
    opens_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closes_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    contest: Mapped[Contest] = relationship(back_populates="rounds")
