"""Matchmaking for organisers: who marked interest in which project (and wants a follow-up), and the
letters of intent recorded afterwards between a project and an organisation; both listed and exported.

Every function checks that ``by`` organises the contest; changes to letters are audited.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from zoneinfo import ZoneInfo

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from roadshow.extensions import db
from roadshow.models import Application, ApplicationStatus, Contest, Interest, LetterOfIntent, LetterStatus, User
from roadshow.policy import Action, authorize
from roadshow.services import audit
from roadshow.services.errors import Invalid, NotFound

MAX_ORGANISATION = 200
MAX_NOTE = 5000
MAX_AMOUNT = Decimal("99999999999999.99")   # Numeric(16, 2)


def _local(moment, contest: Contest) -> str:
    return moment.astimezone(ZoneInfo(contest.timezone)).strftime("%Y-%m-%d %H:%M") if moment else ""


# -- interest --------------------------------------------------------------------------------------

@dataclass
class ProjectInterest:
    application: Application
    interests: list[Interest] = field(default_factory=list)

    @property
    def follow_ups(self) -> int:
        return sum(1 for interest in self.interests if interest.follow_up)


def interests(contest: Contest, *, by: User) -> list[Interest]:
    """Every interest marked in the contest's projects, by project then time."""
    authorize(by, Action.LIVE_MANAGE, contest)
    return list(db.session.scalars(
        select(Interest).join(Application, Application.id == Interest.application_id)
        .where(Application.contest_id == contest.id)
        .order_by(Application.project_name, Application.id, Interest.created_at, Interest.id)))


def interest_by_project(contest: Contest, *, by: User) -> list[ProjectInterest]:
    """The interests grouped per project (projects without any are left out)."""
    groups: dict[int, ProjectInterest] = {}
    for interest in interests(contest, by=by):
        groups.setdefault(interest.application_id, ProjectInterest(interest.application)).interests.append(interest)
    return list(groups.values())


def interest_table(contest: Contest, *, by: User) -> tuple[list[str], list[list]]:
    """Header and rows of the interest export (times in the contest's time zone)."""
    header = [str(_l("Project ID")), str(_l("Project")), str(_l("Name")), str(_l("Email")), str(_l("Organisation")),
              str(_l("Follow-up")), str(_l("Note")), str(_l("Marked at (%(tz)s)", tz=contest.timezone))]
    rows = [[i.application_id, i.application.project_name, i.user.display_name, i.user.email, i.organisation,
             str(_l("Yes")) if i.follow_up else str(_l("No")), i.note, _local(i.created_at, contest)]
            for i in interests(contest, by=by)]
    return header, rows


# -- letters of intent -----------------------------------------------------------------------------

def letters(contest: Contest, *, by: User) -> list[LetterOfIntent]:
    authorize(by, Action.LIVE_MANAGE, contest)
    return list(db.session.scalars(
        select(LetterOfIntent).join(Application, Application.id == LetterOfIntent.application_id)
        .where(LetterOfIntent.contest_id == contest.id)
        .order_by(Application.project_name, Application.id, LetterOfIntent.id)))


def get_letter(contest: Contest, letter_id: int) -> LetterOfIntent:
    letter = db.session.get(LetterOfIntent, letter_id)
    if letter is None or letter.contest_id != contest.id:
        raise NotFound(_l("Not found."))
    return letter


def projects(contest: Contest) -> list[Application]:
    """The projects a letter may name: the contest's applications past the draft."""
    return list(db.session.scalars(
        select(Application).where(Application.contest_id == contest.id, Application.status != ApplicationStatus.DRAFT)
        .order_by(Application.project_name, Application.id)))


def _project(contest: Contest, application_id) -> Application:
    application = db.session.get(Application, application_id) if isinstance(application_id, int) else None
    if application is None or application.contest_id != contest.id or application.status == ApplicationStatus.DRAFT:
        raise Invalid(_l("Choose one of the contest's projects."), field="application_id")
    return application


def parse_amount(raw) -> Decimal | None:
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return None
    try:
        amount = Decimal(str(raw).strip().replace(",", ""))
    except InvalidOperation:
        amount = None
    if amount is None or not amount.is_finite() or amount < 0 or amount > MAX_AMOUNT \
            or amount != amount.quantize(Decimal("0.01")):
        raise Invalid(_l("An amount of 0 or more, with at most two decimals."), field="amount")
    return amount.quantize(Decimal("0.01"))


def _values(*, organisation, status, amount, note) -> dict:
    organisation = (organisation or "").strip()
    if not organisation:
        raise Invalid(_l("Name the organisation."), field="organisation")
    if len(organisation) > MAX_ORGANISATION:
        raise Invalid(_l("At most %(n)d characters.", n=MAX_ORGANISATION), field="organisation")
    try:
        status = LetterStatus(status.value if isinstance(status, LetterStatus) else str(status))
    except ValueError:
        raise Invalid(_l("Choose one of: %(choices)s.", choices=", ".join(s.value for s in LetterStatus)),
                      field="status") from None
    note = (note or "").strip()
    if len(note) > MAX_NOTE:
        raise Invalid(_l("At most %(n)d characters.", n=MAX_NOTE), field="note")
    return {"organisation": organisation, "status": status, "amount": parse_amount(amount), "note": note}


def _snapshot(letter: LetterOfIntent) -> dict:
    return {"application_id": letter.application_id, "organisation": letter.organisation,
            "status": LetterStatus(letter.status).value,
            "amount": None if letter.amount is None else f"{letter.amount:f}", "note": letter.note}


def add_letter(contest: Contest, *, by: User, application_id: int, organisation: str,
               status: LetterStatus | str = LetterStatus.INTENDED, amount=None, note: str = "") -> LetterOfIntent:
    authorize(by, Action.LIVE_MANAGE, contest)
    application = _project(contest, application_id)
    letter = LetterOfIntent(contest_id=contest.id, application_id=application.id, created_by_id=by.id,
                            **_values(organisation=organisation, status=status, amount=amount, note=note))
    db.session.add(letter)
    db.session.flush()
    audit.record("live.letter_added", obj_type="letter_of_intent", obj_id=letter.id, contest_id=contest.id,
                 new=_snapshot(letter), actor=by)
    return letter


def update_letter(contest: Contest, letter_id: int, *, by: User, organisation: str, status: LetterStatus | str,
                  amount=None, note: str = "") -> LetterOfIntent:
    authorize(by, Action.LIVE_MANAGE, contest)
    letter = get_letter(contest, letter_id)
    values = _values(organisation=organisation, status=status, amount=amount, note=note)
    old = _snapshot(letter)
    for name, value in values.items():
        setattr(letter, name, value)
    db.session.flush()
    new = _snapshot(letter)
    changed = {name for name in new if old[name] != new[name]}
    if changed:
        audit.record("live.letter_changed", obj_type="letter_of_intent", obj_id=letter.id, contest_id=contest.id,
                     old={n: old[n] for n in changed}, new={n: new[n] for n in changed}, actor=by)
    return letter


def remove_letter(contest: Contest, letter_id: int, *, by: User) -> None:
    authorize(by, Action.LIVE_MANAGE, contest)
    letter = get_letter(contest, letter_id)
    audit.record("live.letter_removed", obj_type="letter_of_intent", obj_id=letter.id, contest_id=contest.id,
                 old=_snapshot(letter), actor=by)
    db.session.delete(letter)
    db.session.flush()


STATUS_LABELS = {
    LetterStatus.INTENDED: _l("Intended"),
    LetterStatus.NEGOTIATING: _l("Negotiating"),
    LetterStatus.SIGNED: _l("Signed"),
    LetterStatus.WITHDRAWN: _l("Withdrawn"),
}


def letter_table(contest: Contest, *, by: User) -> tuple[list[str], list[list]]:
    """Header and rows of the letters export (amount as a number, times in the contest's time zone)."""
    header = [str(_l("Project ID")), str(_l("Project")), str(_l("Organisation")), str(_l("Status")),
              str(_l("Amount (CNY)")), str(_l("Note")), str(_l("Updated at (%(tz)s)", tz=contest.timezone))]
    rows = [[letter.application_id, letter.application.project_name, letter.organisation,
             str(STATUS_LABELS[LetterStatus(letter.status)]), letter.amount, letter.note,
             _local(letter.updated_at, contest)]
            for letter in letters(contest, by=by)]
    return header, rows
