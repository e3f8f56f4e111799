"""A team's application to a contest: its core fields, its answers, its members and its history."""
from __future__ import annotations

import enum
from datetime import datetime
from decimal import Decimal

from sqlalchemy import JSON, Boolean, ForeignKey, Integer, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from roadshow.extensions import db
from roadshow.models.contest import Contest, Track
from roadshow.models.types import UTCDateTime, enum_column, utcnow
from roadshow.models.user import User


class ApplicationStatus(enum.StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    SCREENED_IN = "screened_in"
    SCREENED_OUT = "screened_out"
    ADVANCED = "advanced"
    WITHDRAWN = "withdrawn"


class ProjectStage(enum.StrEnum):
    IDEA = "idea"
    PROTOTYPE = "prototype"
    EARLY_REVENUE = "early_revenue"
    GROWTH = "growth"
    MATURE = "mature"


class ApplicationSource(enum.StrEnum):
    ONLINE = "online"
    IMPORTED = "imported"


class Application(db.Model):
    """``version`` counts saves: a save based on an older version is a conflict, never an overwrite."""

    __tablename__ = "applications"

    id: Mapped[int] = mapped_column(primary_key=True)
    contest_id: Mapped[int] = mapped_column(ForeignKey("contests.id", ondelete="CASCADE"), index=True)
    track_id: Mapped[int | None] = mapped_column(ForeignKey("tracks.id", ondelete="SET NULL"), index=True)
    status: Mapped[ApplicationStatus] = mapped_column(enum_column(ApplicationStatus), default=ApplicationStatus.DRAFT,
                                                      index=True)
    version: Mapped[int] = mapped_column(Integer, default=1)
    source: Mapped[ApplicationSource] = mapped_column(enum_column(ApplicationSource), default=ApplicationSource.ONLINE)

    project_name: Mapped[str] = mapped_column(String(200), default="")
    summary: Mapped[str] = mapped_column(Text, default="")
    stage: Mapped[ProjectStage | None] = mapped_column(enum_column(ProjectStage))
    funding_sought: Mapped[Decimal | None] = mapped_column(Numeric(16, 2))
    leader_name: Mapped[str] = mapped_column(String(120), default="")
    leader_title: Mapped[str] = mapped_column(String(120), default="")
    leader_degree: Mapped[str] = mapped_column(String(120), default="")
    leader_institution: Mapped[str] = mapped_column(String(200), default="")
    country: Mapped[str] = mapped_column(String(2), default="", index=True)
    contact_email: Mapped[str] = mapped_column(String(254), default="")
    contact_phone: Mapped[str] = mapped_column(String(40), default="")
    team_members: Mapped[str] = mapped_column(Text, default="")
    answers: Mapped[dict] = mapped_column(JSON, default=dict)

    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    screening_reason: Mapped[str] = mapped_column(Text, default="")
    screened_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    screened_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    contest: Mapped[Contest] = relationship()
    track: Mapped[Track | None] = relationship()
    members: Mapped[list[ApplicationMember]] = relationship(
        back_populates="application", cascade="all, delete-orphan", order_by="ApplicationMember.id"
    )
    events: Mapped[list[ApplicationEvent]] = relationship(
        back_populates="application", cascade="all, delete-orphan", order_by="ApplicationEvent.id"
    )
    materials: Mapped[list["Material"]] = relationship(  # noqa: F821
        back_populates="application", cascade="all, delete-orphan", order_by="Material.id"
    )

    @property
    def is_editable_status(self) -> bool:
        return self.status in (ApplicationStatus.DRAFT, ApplicationStatus.SUBMITTED)


class ApplicationMember(db.Model):
    __tablename__ = "application_members"
    __table_args__ = (UniqueConstraint("application_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("applications.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    is_leader: Mapped[bool] = mapped_column(Boolean, default=False)
    joined_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    application: Mapped[Application] = relationship(back_populates="members")
    user: Mapped[User] = relationship()


class ApplicationEvent(db.Model):
    """One step of an application's timeline: submitted, screened in or out (with the reason), ..."""

    __tablename__ = "application_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("applications.id", ondelete="CASCADE"), index=True)
    status: Mapped[ApplicationStatus] = mapped_column(enum_column(ApplicationStatus))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    note: Mapped[str] = mapped_column(Text, default="")

    application: Mapped[Application] = relationship(back_populates="events")
    actor: Mapped[User | None] = relationship()
