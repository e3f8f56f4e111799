"""Live scoring: the scoring window of the project on stage, "5 of 7 judges have scored", the
aggregate announced on closing, and the live leaderboard.

The counts never carry values. ``expected`` is the judges assigned to the project in the session's
round without an active conflict of interest; ``scored`` is how many of them have submitted their
sheet (the review issue's rules decide what a submit is). A conflicted judge's sheet never counts.
"""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from roadshow.extensions import db
from roadshow.models import (
    Assignment, Conflict as ConflictRow, Round, RoundEntry, ScoreSheet, SheetStatus, User, utcnow,
)
from roadshow.models.live import LeaderboardVisibility, LiveSession, LiveSlot, SessionState
from roadshow.models.results import ResultSettings
from roadshow.realtime.publish import publish_board
from roadshow.services.errors import Conflict, Invalid
from roadshow.services.live_room import (
    JUDGE, ORGANISER, judges_room, organisers_room, publish, refuse, require_manage, room,
)


def _expected_ids(round_id: int, application_id: int):
    conflicted = select(ConflictRow.judge_id).where(ConflictRow.application_id == application_id,
                                                    ConflictRow.active.is_(True))
    return select(Assignment.judge_id).where(Assignment.round_id == round_id,
                                             Assignment.application_id == application_id,
                                             Assignment.judge_id.not_in(conflicted))


def counts(slot: LiveSlot) -> tuple[int, int]:
    """(scored, expected) for the slot's project in the session's round; (0, 0) without scoring."""
    return counts_by_project(slot.session, [slot.application_id]).get(slot.application_id, (0, 0))


def counts_by_project(live: LiveSession, application_ids: list[int]) -> dict[int, tuple[int, int]]:
    """:func:`counts` for several projects of the session in two queries (the room's ``state``)."""
    if not live.scored or live.round_id is None or not application_ids:
        return {}
    conflicted = select(ConflictRow.id).where(ConflictRow.application_id == Assignment.application_id,
                                              ConflictRow.judge_id == Assignment.judge_id,
                                              ConflictRow.active.is_(True))
    expected = select(Assignment.application_id, Assignment.judge_id).where(
        Assignment.round_id == live.round_id, Assignment.application_id.in_(application_ids),
        ~conflicted.exists()).subquery()
    by_project = dict(db.session.execute(
        select(expected.c.application_id, func.count()).group_by(expected.c.application_id)).all())
    scored = dict(db.session.execute(
        select(ScoreSheet.application_id, func.count(ScoreSheet.id))
        .join(expected, (expected.c.application_id == ScoreSheet.application_id)
              & (expected.c.judge_id == ScoreSheet.judge_id))
        .where(ScoreSheet.round_id == live.round_id, ScoreSheet.status == SheetStatus.SUBMITTED)
        .group_by(ScoreSheet.application_id)).all())
    return {application_id: (scored.get(application_id, 0), by_project.get(application_id, 0))
            for application_id in application_ids}


def may_score(user: User, live: LiveSession, slot: LiveSlot | None) -> bool:
    """Whether ``user`` is one of the judges expected to score the slot's project."""
    if slot is None or not live.scored or live.round_id is None:
        return False
    return db.session.scalar(
        _expected_ids(live.round_id, slot.application_id).where(Assignment.judge_id == user.id)) is not None


def scoring_for(live: LiveSession, slot: LiveSlot | None, user: User, role: str, *,
                known: tuple[int, int] | None = None) -> dict:
    """The ``state``'s scoring block: counts only, plus whether this viewer is to score."""
    if slot is None:
        return {"slot_id": None, "open": False, "scored": 0, "expected": 0, "can_score": False}
    scored, expected = known if known is not None else counts(slot)
    return {"slot_id": slot.id, "open": slot.scoring_open, "scored": scored, "expected": expected,
            "can_score": user is not None and role == JUDGE and slot.scoring_open and may_score(user, live, slot)}


def _publish_counts(slot: LiveSlot) -> None:
    scored, expected = counts(slot)
    publish("scoring", {"slot_id": slot.id, "scored": scored, "expected": expected}, room(slot.session_id))


# -- the window -------------------------------------------------------------------------------------

def _require_scored(live: LiveSession) -> Round:
    if not live.scored or live.round is None:
        raise refuse(Conflict, "not_scored", _l("This session is not scored."))
    return live.round


def open(live: LiveSession, slot: LiveSlot, *, by: User) -> None:  # noqa: A001 - the control's name
    require_manage(by, live)
    _require_scored(live)
    slot.scoring_open = True
    slot.scoring_opened_at = utcnow()
    slot.scoring_closed_at = None
    db.session.flush()
    _publish_counts(slot)


def close(live: LiveSession, slot: LiveSlot, *, by: User) -> None:
    """Close the window; if the round announces on the spot, store and show the aggregate."""
    require_manage(by, live)
    round_ = _require_scored(live)
    slot.scoring_open = False
    slot.scoring_closed_at = utcnow()
    settings = db.session.scalar(select(ResultSettings).where(ResultSettings.round_id == round_.id))
    if settings is not None and settings.announce_live:
        slot.announced = _announcement(round_, slot.application_id)
    db.session.flush()
    _publish_leaderboard(live)


LIVE_RESAMPLES = 50   # the live board shows rank and aggregate only; the bootstrap's interval is not shown


def _ranking(round_: Round):
    """The round's ranking by its declared method (what counts: results.inputs). The bootstrap,
    which only yields rank intervals, is cut short: this runs on every submitted sheet."""
    from dataclasses import replace

    from roadshow.services import results
    from roadshow.services.result_settings import method_for

    sheets, projects = results.inputs(round_)
    method = method_for(round_)
    return results._compute(sheets, projects, replace(method, bootstrap_resamples=min(method.bootstrap_resamples,
                                                                                       LIVE_RESAMPLES)))


def _announcement(round_: Round, application_id: int) -> dict:
    result = _ranking(round_)
    row = next((row for row in result.rows if row.project == application_id), None)
    if row is None or row.aggregate is None:
        return {"aggregate": None, "n_sheets": 0}
    return {"aggregate": round(row.aggregate, 2), "n_sheets": row.n_sheets}


# -- the leaderboard --------------------------------------------------------------------------------

def may_see_leaderboard(live: LiveSession, role: str) -> bool:
    if not live.scored or live.round_id is None:
        return False
    if role == ORGANISER:
        return True
    if live.leaderboard == LeaderboardVisibility.EVERYONE:
        return True
    return live.leaderboard == LeaderboardVisibility.JUDGES and role == JUDGE


_boards: dict[tuple, tuple[tuple, list[dict]]] = {}   # (app, live session id) -> (fingerprint, rows)


def forget_boards() -> None:
    _boards.clear()


def _board_fingerprint(live: LiveSession, names: dict[int, str]) -> tuple:
    """What the board depends on, read in one query: a change to any sheet, assignment, conflict,
    entry or method of the round changes it."""
    round_id, contest_id = live.round_id, live.contest_id

    def stat(*columns, where):
        return [select(column).where(*where).scalar_subquery() for column in columns]

    row = db.session.execute(select(
        *stat(func.count(ScoreSheet.id), func.max(ScoreSheet.updated_at), func.max(ScoreSheet.id),
              where=[ScoreSheet.round_id == round_id]),
        *stat(func.count(Assignment.id), func.max(Assignment.id), where=[Assignment.round_id == round_id]),
        *stat(func.count(ConflictRow.id), func.max(ConflictRow.id), func.max(ConflictRow.lifted_at),
              where=[ConflictRow.contest_id == contest_id, ConflictRow.active.is_(True)]),
        *stat(func.count(RoundEntry.id), func.max(RoundEntry.id), where=[RoundEntry.round_id == round_id]),
        *stat(ResultSettings.updated_at, where=[ResultSettings.round_id == round_id]),
    )).one()
    return (round_id, tuple(row), tuple(sorted(names.items())))


def leaderboard_rows(live: LiveSession) -> list[dict]:
    """The session's projects that have counted sheets, by the round's method: rank, project, aggregate.

    Every viewer who (re)connects gets the board: it is ranked once per change of what it depends
    on (see :func:`_board_fingerprint`), not once per viewer."""
    if live.round is None:
        return []
    names = {slot.application_id: slot.application.project_name for slot in live.slots}
    fingerprint = _board_fingerprint(live, names)
    from roadshow.services.live_state import instance_key

    key = (instance_key(), live.id)
    cached = _boards.get(key)
    if cached is not None and cached[0] == fingerprint:
        return [dict(row) for row in cached[1]]
    rows = _rank_rows(live, names)
    _boards[key] = (fingerprint, rows)
    return [dict(row) for row in rows]


def _rank_rows(live: LiveSession, names: dict[int, str]) -> list[dict]:
    rows = [row for row in _ranking(live.round).rows if row.project in names and row.aggregate is not None]
    ranked, previous, rank = [], None, 0
    for index, row in enumerate(rows, start=1):
        if previous is None or row.rank != previous:
            rank = index
        previous = row.rank
        ranked.append({"rank": rank, "project": row.project, "name": names[row.project],
                       "aggregate": round(row.aggregate, 2)})
    return ranked


def _publish_leaderboard(live: LiveSession) -> None:
    """After commit, the session's leaderboard is due (:func:`~roadshow.realtime.publish.publish_board`):
    read as it is then and sent to the rooms that may see it (:func:`board_messages`), at most five
    times a second."""
    if live.scored and live.round_id is not None:
        publish_board(live.id)


def board_messages(session_ids: list[int]) -> list[tuple[str, dict, str]]:
    """The sessions' ``leaderboard`` events as the boards are now: (event, data, room) for each room
    allowed to see it (everyone's, or the organisers' and, if so set, the judges')."""
    messages = []
    for live in db.session.scalars(select(LiveSession).where(LiveSession.id.in_(session_ids))
                                   .order_by(LiveSession.id)):
        if not live.scored or live.round_id is None:
            continue
        data = {"rows": leaderboard_rows(live), "visibility": live.leaderboard.value}
        if live.leaderboard == LeaderboardVisibility.EVERYONE:
            rooms = [room(live.id)]
        elif live.leaderboard == LeaderboardVisibility.JUDGES:
            rooms = [organisers_room(live.id), judges_room(live.id)]
        else:
            rooms = [organisers_room(live.id)]
        messages += [("leaderboard", data, to) for to in rooms]
    return messages


def set_leaderboard(live: LiveSession, visibility, *, by: User) -> None:
    require_manage(by, live)
    try:
        visibility = LeaderboardVisibility(visibility)
    except ValueError:
        raise refuse(Invalid, "invalid", _l("Some of what you sent is not valid.")) from None
    hidden_before = live.leaderboard
    live.leaderboard = visibility
    db.session.flush()
    if hidden_before != visibility:
        # those who lose sight of it are told first; the allowed rooms then get the rows
        publish("leaderboard", {"rows": None, "visibility": visibility.value}, room(live.id))
    _publish_leaderboard(live)


# -- the hook from score_sheets.submit --------------------------------------------------------------

def notify_sheet_submitted(sheet: ScoreSheet) -> None:
    """Call in the submit's transaction: after commit, the live rooms of the round showing the
    sheet's project get the new counts (and the leaderboard, where visible). Never the values."""
    sessions = db.session.scalars(select(LiveSession).where(
        LiveSession.round_id == sheet.round_id, LiveSession.state == SessionState.LIVE,
        LiveSession.scored.is_(True)))
    for live in sessions:
        slots = [slot for slot in live.slots if slot.application_id == sheet.application_id]
        for slot in slots:
            _publish_counts(slot)
        if slots:
            _publish_leaderboard(live)
