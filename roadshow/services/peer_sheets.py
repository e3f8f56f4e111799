"""Other judges' sheets of a project, as a judge may see them: only where the round allows it, only
after submitting their own sheet of that project (policy SHEET_PEERS_VIEW), only submitted sheets,
never a sheet of a judge in conflict with the project, and anonymised as Judge A, B, C... in the
order they were submitted."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from roadshow.extensions import db
from roadshow.models import Application, Conflict, Round, ScoreSheet, SheetStatus, User
from roadshow.policy import Action, authorize, can


@dataclass(frozen=True)
class PeerSheet:
    label: str
    total: Decimal | None
    scores: dict
    comments: dict
    overall_comment: str
    submitted_at: datetime | None


def judge_label(index: int) -> str:
    """Judge A, B, ..., Z, then Judge 27, 28, ..."""
    mark = chr(ord("A") + index) if index < 26 else str(index + 1)
    return str(_l("Judge %(mark)s", mark=mark))


def may_see(round_: Round, application: Application, judge: User) -> bool:
    return can(judge, Action.SHEET_PEERS_VIEW, (round_, application))


def peer_sheets(round_: Round, application: Application, judge: User) -> list[PeerSheet]:
    authorize(judge, Action.SHEET_PEERS_VIEW, (round_, application), conceal=True)
    conflicted = select(Conflict.judge_id).where(Conflict.application_id == application.id,
                                                 Conflict.active.is_(True))
    sheets = db.session.scalars(
        select(ScoreSheet).where(ScoreSheet.round_id == round_.id, ScoreSheet.application_id == application.id,
                                 ScoreSheet.status == SheetStatus.SUBMITTED, ScoreSheet.judge_id != judge.id,
                                 ScoreSheet.judge_id.not_in(conflicted))
        .order_by(ScoreSheet.submitted_at, ScoreSheet.id)
    )
    return [PeerSheet(judge_label(i), s.total, dict(s.scores or {}), dict(s.comments or {}), s.overall_comment,
                      s.submitted_at) for i, s in enumerate(sheets)]
