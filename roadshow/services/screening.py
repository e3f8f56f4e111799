"""What organisers see of a contest's applications: the filtered, searched, paged list, the counts
per status, one application of the contest, and screening a selection of them at once.

Drafts are the team's work in progress, not yet an application to judge: the list, its total and
the export leave them out unless the organiser filters on the draft status explicitly. The counts
per status always include them, so the organiser knows they exist.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import selectinload

from roadshow.extensions import db
from roadshow.models import Application, ApplicationEvent, ApplicationMember, ApplicationStatus, Contest, User
from roadshow.policy import Action, authorize
from roadshow.services import applications, contests
from roadshow.services.errors import Invalid, NotFound

PAGE_SIZE = 50
MAX_QUERY_LENGTH = 100
STATUS_VALUES = frozenset(status.value for status in ApplicationStatus)
SEARCHED_COLUMNS = (Application.project_name, Application.leader_name, Application.leader_institution,
                    Application.contact_email)


@dataclass(frozen=True)
class Filters:
    """The organiser's choice of applications; empty values mean "any"."""

    track_id: int | None = None
    status: ApplicationStatus | None = None
    country: str = ""
    query: str = ""

    @classmethod
    def parse(cls, args) -> Filters:
        """Filters from request arguments; a value that means nothing is ignored, not an error."""
        track = args.get("track", "")
        status = args.get("status", "")
        return cls(
            track_id=int(track) if track.isdigit() else None,
            status=ApplicationStatus(status) if status in STATUS_VALUES else None,
            country=args.get("country", "").strip().upper()[:2],
            query=" ".join(args.get("q", "").split())[:MAX_QUERY_LENGTH],
        )

    def args(self) -> dict[str, str]:
        """The filters as request arguments, for links that keep them (pages, export)."""
        values = {"track": self.track_id, "status": self.status and self.status.value,
                  "country": self.country, "q": self.query}
        return {name: str(value) for name, value in values.items() if value}


@dataclass
class Listing:
    applications: list[Application]
    total: int
    page: int
    page_size: int = PAGE_SIZE
    counts: dict[ApplicationStatus, int] = field(default_factory=dict)

    @property
    def all_but_drafts(self) -> int:
        return sum(count for status, count in self.counts.items() if status != ApplicationStatus.DRAFT)

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.page_size))


def managed_contest(slug: str, by: User) -> Contest:
    """The contest ``by`` organises: unknown, or a draft ``by`` cannot see, is a 404; seen but not
    organised is a 403."""
    contest = contests.get_by_slug(slug)
    authorize(by, Action.CONTEST_VIEW, contest, conceal=True)
    authorize(by, Action.CONTEST_MANAGE, contest)
    return contest


def _like(text: str) -> str:
    escaped = text.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def statement(contest: Contest, filters: Filters) -> Select:
    """The applications of ``contest`` chosen by ``filters``, newest submission first.

    Search is a case-insensitive substring match on lower() of both sides, which behaves the same
    on SQLite and PostgreSQL (SQLite lowers ASCII only; Chinese has no case).
    """
    query = select(Application).where(Application.contest_id == contest.id)
    if filters.status is None:
        query = query.where(Application.status != ApplicationStatus.DRAFT)
    else:
        query = query.where(Application.status == filters.status)
    if filters.track_id is not None:
        query = query.where(Application.track_id == filters.track_id)
    if filters.country:
        query = query.where(Application.country == filters.country)
    if filters.query:
        pattern = _like(filters.query)
        query = query.where(or_(*(func.lower(column).like(pattern, escape="\\") for column in SEARCHED_COLUMNS)))
    return query.order_by(Application.submitted_at.desc().nulls_last(), Application.id.desc())


def counts(contest: Contest) -> dict[ApplicationStatus, int]:
    """How many applications of ``contest`` are in each status (every status, zero included)."""
    found = dict(db.session.execute(
        select(Application.status, func.count()).where(Application.contest_id == contest.id)
        .group_by(Application.status)
    ).all())
    return {status: found.get(status, 0) for status in ApplicationStatus}


def listing(contest: Contest, by: User, filters: Filters, page: int = 1) -> Listing:
    authorize(by, Action.CONTEST_MANAGE, contest)
    query = statement(contest, filters)
    total = db.session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))
    page = max(1, min(page, max(1, -(-total // PAGE_SIZE))))
    found = db.session.scalars(
        query.options(selectinload(Application.track)).limit(PAGE_SIZE).offset((page - 1) * PAGE_SIZE)
    )
    return Listing(list(found), total, page, counts=counts(contest))


def for_export(contest: Contest, by: User, filters: Filters) -> list[Application]:
    """Every application the filters choose (all pages), with what an export row needs loaded."""
    authorize(by, Action.CONTEST_MANAGE, contest)
    return list(db.session.scalars(statement(contest, filters).options(
        selectinload(Application.track),
        selectinload(Application.members).selectinload(ApplicationMember.user),
        selectinload(Application.materials),
    )))


def countries(contest: Contest) -> list[str]:
    """The countries the contest's applications come from, for the filter's choices."""
    return list(db.session.scalars(
        select(Application.country).where(Application.contest_id == contest.id, Application.country != "")
        .distinct().order_by(Application.country)
    ))


def get(contest: Contest, application_id: int, by: User) -> Application:
    """An application of ``contest``; the id of another contest's application is not found here."""
    application = db.session.scalar(
        select(Application).where(Application.id == application_id, Application.contest_id == contest.id)
        .options(selectinload(Application.track), selectinload(Application.materials),
                 selectinload(Application.members).selectinload(ApplicationMember.user),
                 selectinload(Application.events).selectinload(ApplicationEvent.actor))
    )
    if application is None:
        raise NotFound(_l("Not found."))
    authorize(by, Action.APPLICATION_SCREEN, application)
    return application


def screen_selected(contest: Contest, application_ids: list[int], outcome: ApplicationStatus, reason: str,
                    *, by: User) -> int:
    """Screen the chosen applications of ``contest`` together: all of them, or none.

    An id that is not an application of this contest is a 404 for the whole batch; any application
    that cannot be screened refuses the whole batch before anything changes.
    """
    wanted = set(application_ids)
    if not wanted:
        raise Invalid(_l("Choose at least one application."), field="application_ids")
    found = list(db.session.scalars(
        select(Application).where(Application.contest_id == contest.id, Application.id.in_(sorted(wanted)))
        .order_by(Application.id)
    ))
    if len(found) != len(wanted):
        raise NotFound(_l("Not found."))
    return applications.screen(found, outcome, reason, by=by)


__all__ = ["Filters", "Listing", "PAGE_SIZE", "counts", "countries", "for_export", "get", "listing",
           "managed_contest", "screen_selected", "statement"]
