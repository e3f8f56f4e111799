"""What a contest asks of applicants beyond the fixed core fields: its own questions, and which
materials are required with their size limits."""
from __future__ import annotations

import enum

from sqlalchemy import JSON, BigInteger, Boolean, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from roadshow.extensions import db
from roadshow.models.contest import Bilingual, Contest
from roadshow.models.types import enum_column

MB = 1024 * 1024


class QuestionKind(enum.StrEnum):
    TEXT = "text"
    LONG_TEXT = "long_text"
    SINGLE_CHOICE = "single_choice"
    MULTIPLE_CHOICE = "multiple_choice"
    NUMBER = "number"


class MaterialKind(enum.StrEnum):
    BUSINESS_PLAN = "business_plan"
    SLIDES = "slides"
    PITCH_VIDEO = "pitch_video"
    SUPPORTING = "supporting"


# Defaults of a new contest: (required, size limit). Documents 50 MB, video 2 GB.
DEFAULT_MATERIAL_RULES = {
    MaterialKind.BUSINESS_PLAN: (True, 50 * MB),
    MaterialKind.SLIDES: (False, 50 * MB),
    MaterialKind.PITCH_VIDEO: (True, 2048 * MB),
    MaterialKind.SUPPORTING: (False, 50 * MB),
}


class ApplicationQuestion(Bilingual, db.Model):
    """An organiser-defined question of the application form.

    ``options`` is a list of ``{"zh": ..., "en": ...}`` labels for the choice kinds; answers store
    the option's index, so relabelling an option does not change past answers.
    """

    __tablename__ = "application_questions"

    id: Mapped[int] = mapped_column(primary_key=True)
    contest_id: Mapped[int] = mapped_column(ForeignKey("contests.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    kind: Mapped[QuestionKind] = mapped_column(enum_column(QuestionKind))
    label_zh: Mapped[str] = mapped_column(String(300))
    label_en: Mapped[str] = mapped_column(String(300), default="")
    help_zh: Mapped[str] = mapped_column(Text, default="")
    help_en: Mapped[str] = mapped_column(Text, default="")
    required: Mapped[bool] = mapped_column(Boolean, default=False)
    options: Mapped[list] = mapped_column(JSON, default=list)

    contest: Mapped[Contest] = relationship(back_populates="questions")

    @property
    def is_choice(self) -> bool:
        return self.kind in (QuestionKind.SINGLE_CHOICE, QuestionKind.MULTIPLE_CHOICE)


class MaterialRule(db.Model):
    """For one kind of material in one contest: whether it is required, and its size limit."""

    __tablename__ = "material_rules"
    __table_args__ = (UniqueConstraint("contest_id", "kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    contest_id: Mapped[int] = mapped_column(ForeignKey("contests.id", ondelete="CASCADE"), index=True)
    kind: Mapped[MaterialKind] = mapped_column(enum_column(MaterialKind))
    required: Mapped[bool] = mapped_column(Boolean, default=False)
    max_bytes: Mapped[int] = mapped_column(BigInteger)

    contest: Mapped[Contest] = relationship(back_populates="material_rules")
