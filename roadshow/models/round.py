"""The rounds of a contest, in order: screening, online review, live roadshow, final."""
from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Integer, String, UniqueConstraint, false
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

    # Expert review (score sheets): judges per project for the assignment solver; when scoring opened
    # (the rubric is frozen from then on); whether a judge who has submitted a sheet may see the
    # other judges' sheets of that project.
    judges_per_project: Mapped[int] = mapped_column(Integer, default=3, server_default="3")
    scoring_opened_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    judges_see_peer_scores: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())

    contest: Mapped[Contest] = relationship(back_populates="rounds")
    criteria: Mapped[list["Criterion"]] = relationship(  # noqa: F821
        back_populates="round", cascade="all, delete-orphan", order_by="Criterion.position"
    )

    @property
    def is_scored(self) -> bool:
        """Rounds whose projects judges score on a rubric (all but screening)."""
        return self.kind != RoundKind.SCREENING

    @property
    def rubric_frozen(self) -> bool:
        return self.scoring_opened_at is not None
