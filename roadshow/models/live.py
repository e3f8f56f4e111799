"""The live roadshow: sessions of a round, their running order of slots, the questions the audience
asks and upvotes, observers' interest in projects, and letters of intent signed afterwards.

State that matters lives here, never in a process's memory: a viewer who reconnects (to any worker)
gets the room's whole state from these rows. Timers are a start time and a duration (plus what
remained when paused), so clients render them without a message per second.
"""
from __future__ import annotations

import enum
from datetime import datetime
from decimal import Decimal

from sqlalchemy import JSON, Boolean, Float, ForeignKey, Integer, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from roadshow.extensions import db
from roadshow.models.application import Application
from roadshow.models.contest import Contest
from roadshow.models.round import Round
from roadshow.models.types import UTCDateTime, enum_column, utcnow
from roadshow.models.user import User


class SessionState(enum.StrEnum):
    SCHEDULED = "scheduled"
    LIVE = "live"
    ENDED = "ended"


class LeaderboardVisibility(enum.StrEnum):
    HIDDEN = "hidden"          # nobody but organisers
    JUDGES = "judges"          # organisers and the round's judges
    EVERYONE = "everyone"      # everyone in the room


class LiveSession(db.Model):
    """A live event of a round. ``scored`` False: a session without scoring (a policy class, a forum)."""

    __tablename__ = "live_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    contest_id: Mapped[int] = mapped_column(ForeignKey("contests.id", ondelete="CASCADE"), index=True)
    round_id: Mapped[int | None] = mapped_column(ForeignKey("rounds.id", ondelete="SET NULL"), index=True)
    title_zh: Mapped[str] = mapped_column(String(200))
    title_en: Mapped[str] = mapped_column(String(200), default="")
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    pitch_seconds: Mapped[int] = mapped_column(Integer, default=480)   # the "8" of "8+7"
    qa_seconds: Mapped[int] = mapped_column(Integer, default=420)      # the "7"
    stream_url: Mapped[str] = mapped_column(String(500), default="")   # HLS (.m3u8)
    meeting_url: Mapped[str] = mapped_column(String(500), default="")  # an external meeting link
    scored: Mapped[bool] = mapped_column(Boolean, default=True)
    order_seed: Mapped[int | None] = mapped_column(Integer)            # set when the order was drawn by lot
    state: Mapped[SessionState] = mapped_column(enum_column(SessionState), default=SessionState.SCHEDULED)
    current_slot_id: Mapped[int | None] = mapped_column(
        ForeignKey("live_slots.id", ondelete="SET NULL", use_alter=True, name="fk_live_sessions_current_slot_id"))
    leaderboard: Mapped[LeaderboardVisibility] = mapped_column(enum_column(LeaderboardVisibility),
                                                               default=LeaderboardVisibility.HIDDEN)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    contest: Mapped[Contest] = relationship()
    round: Mapped[Round | None] = relationship()
    slots: Mapped[list[LiveSlot]] = relationship(
        back_populates="session", cascade="all, delete-orphan", order_by="LiveSlot.position",
        foreign_keys="LiveSlot.session_id")


class SlotPhase(enum.StrEnum):
    WAITING = "waiting"
    PITCH = "pitch"
    QA = "qa"
    DONE = "done"


class LiveSlot(db.Model):
    """One project's turn. The timer runs from ``timer_started_at`` for ``timer_seconds``; paused, it
    keeps ``timer_remaining`` and no start. The video is (playing, position at ``video_at``)."""

    __tablename__ = "live_slots"
    __table_args__ = (UniqueConstraint("session_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("live_sessions.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    application_id: Mapped[int] = mapped_column(ForeignKey("applications.id", ondelete="CASCADE"), index=True)
    phase: Mapped[SlotPhase] = mapped_column(enum_column(SlotPhase), default=SlotPhase.WAITING)
    timer_started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    timer_seconds: Mapped[float] = mapped_column(Float, default=0)
    timer_remaining: Mapped[float | None] = mapped_column(Float)   # set while paused
    video_material_id: Mapped[int | None] = mapped_column(ForeignKey("materials.id", ondelete="SET NULL"))
    video_playing: Mapped[bool] = mapped_column(Boolean, default=False)
    video_position: Mapped[float] = mapped_column(Float, default=0)
    video_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    scoring_open: Mapped[bool] = mapped_column(Boolean, default=False)
    scoring_opened_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    scoring_closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    announced: Mapped[dict | None] = mapped_column(JSON)   # the aggregate shown on closing, if announced
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)   # real start and end, for the timeline
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    session: Mapped[LiveSession] = relationship(back_populates="slots", foreign_keys=[session_id])
    application: Mapped[Application] = relationship()


class QuestionStatus(enum.StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    DISMISSED = "dismissed"


class Question(db.Model):
    """A question from the room. ``anonymous`` hides the author from the audience, never from
    organisers. ``judges_only``: the judges' own channel, never shown to the audience."""

    __tablename__ = "questions"

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("live_sessions.id", ondelete="CASCADE"), index=True)
    slot_id: Mapped[int | None] = mapped_column(ForeignKey("live_slots.id", ondelete="SET NULL"), index=True)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    text: Mapped[str] = mapped_column(Text)
    original_text: Mapped[str] = mapped_column(Text, default="")   # before an organiser's edit
    anonymous: Mapped[bool] = mapped_column(Boolean, default=False)
    judges_only: Mapped[bool] = mapped_column(Boolean, default=False)
    status: Mapped[QuestionStatus] = mapped_column(enum_column(QuestionStatus), default=QuestionStatus.PENDING,
                                                   index=True)
    pinned: Mapped[bool] = mapped_column(Boolean, default=False)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    votes: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    moderated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    author: Mapped[User | None] = relationship(foreign_keys=[author_id])


class QuestionVote(db.Model):
    __tablename__ = "question_votes"
    __table_args__ = (UniqueConstraint("question_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    question_id: Mapped[int] = mapped_column(ForeignKey("questions.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Interest(db.Model):
    """An observer's interest in a project (a district, a park, an investor), with a follow-up wish."""

    __tablename__ = "interests"
    __table_args__ = (UniqueConstraint("application_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("applications.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    session_id: Mapped[int | None] = mapped_column(ForeignKey("live_sessions.id", ondelete="SET NULL"))
    organisation: Mapped[str] = mapped_column(String(200), default="")
    follow_up: Mapped[bool] = mapped_column(Boolean, default=False)
    note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    application: Mapped[Application] = relationship()
    user: Mapped[User] = relationship()


class LetterStatus(enum.StrEnum):
    INTENDED = "intended"
    NEGOTIATING = "negotiating"
    SIGNED = "signed"
    WITHDRAWN = "withdrawn"


class LetterOfIntent(db.Model):
    """A letter of intent between a project and an organisation, recorded by organisers."""

    __tablename__ = "letters_of_intent"

    id: Mapped[int] = mapped_column(primary_key=True)
    contest_id: Mapped[int] = mapped_column(ForeignKey("contests.id", ondelete="CASCADE"), index=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("applications.id", ondelete="CASCADE"), index=True)
    organisation: Mapped[str] = mapped_column(String(200))
    status: Mapped[LetterStatus] = mapped_column(enum_column(LetterStatus), default=LetterStatus.INTENDED)
    amount: Mapped[Decimal | None] = mapped_column(Numeric(16, 2))   # CNY, when the letter names one
    note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    application: Mapped[Application] = relationship()
