"""``flask roadshow ...``: administration from the command line. Every command is idempotent."""
from __future__ import annotations

import json
from datetime import timedelta

import click
from flask import Flask
from flask.cli import AppGroup
from sqlalchemy import select

from roadshow.database import intend_to_write
from roadshow.demo_review import seed_review
from roadshow.extensions import db
from roadshow.models import Contest, ContestStatus, QuestionKind, Role, RoundKind, User, utcnow
from roadshow.security import verify_password
from roadshow.services import accounts, api_tokens, audit, contest_setup, contests
from roadshow.services import uploads as upload_service
from roadshow.services.errors import DomainError

roadshow_cli = AppGroup("roadshow", help="Roadshow administration.")

DEMO_SLUG = "demo-talent-2026"
DEMO_PASSWORD = "roadshow-demo"
DEMO_TRACKS = [
    ("医疗器械", "Medical devices"), ("新材料", "New materials"), ("生命科学", "Life science"),
    ("高端装备", "High-end equipment"), ("信息通信", "ICT"),
]
DEMO_ACCOUNTS = [
    ("admin@demo.roadshow", "演示管理员 Demo Admin", None),
    ("organizer@demo.roadshow", "演示组织者 Demo Organiser", Role.ORGANIZER),
    ("judge@demo.roadshow", "演示评委 Demo Judge", Role.JUDGE),
    ("judge2@demo.roadshow", "演示评委二 Demo Judge 2", Role.JUDGE),
    ("judge3@demo.roadshow", "演示评委三 Demo Judge 3", Role.JUDGE),
    ("team@demo.roadshow", "演示团队 Demo Team", Role.TEAM_MEMBER),
    ("observer@demo.roadshow", "演示观察员 Demo Observer", Role.OBSERVER),
]


DEMO_ROUNDS = [
    (RoundKind.SCREENING, "资格初筛", "Screening", 30, 37),
    (RoundKind.ONLINE_REVIEW, "网络评审", "Online expert review", 38, 52),
    (RoundKind.LIVE_ROADSHOW, "线上路演", "Live online roadshow", 60, 61),
    (RoundKind.FINAL, "决赛", "Final", 75, 75),
]


def _demo_schedule(contest: Contest, admin: User) -> None:
    """A deadline in a month and four rounds after it, with a question of the contest's own."""
    today = utcnow().replace(hour=1, minute=0, second=0, microsecond=0)  # 09:00 in Shanghai
    contest_setup.set_deadline(contest, by=admin, deadline=today + timedelta(days=30, hours=15),
                               quota_mb=contest.application_quota_bytes // (1024 * 1024))
    for kind, name_zh, name_en, opens, closes in DEMO_ROUNDS:
        contest_setup.add_round(contest, by=admin, kind=kind, name_zh=name_zh, name_en=name_en,
                                opens_at=today + timedelta(days=opens), closes_at=today + timedelta(days=closes, hours=9))
    contest_setup.add_question(
        contest, by=admin, kind=QuestionKind.SINGLE_CHOICE, label_zh="项目融资阶段", label_en="Funding round so far",
        required=True, options=[("未融资", "None yet"), ("天使轮", "Angel"), ("A轮", "Series A"), ("B轮及以后", "Series B or later")],
    )


def _fail(exc: DomainError):
    raise click.ClickException(str(exc.message))


@roadshow_cli.command("create-admin")
@click.argument("email")
@click.option("--password", help="The password; asked for when the account is new and this is omitted.")
@click.option("--name", default="Administrator", show_default=True)
def create_admin(email: str, password: str | None, name: str) -> None:
    """Create a site administrator, or make an existing account one."""
    intend_to_write()
    user = User.by_email(email)
    if user is None:
        password = password or click.prompt("Password", hide_input=True, confirmation_prompt=True)
        try:
            user = accounts.create_user(email, password, name, is_admin=True)
        except DomainError as exc:
            _fail(exc)
        click.echo(f"Created administrator {user.email}.")
    else:
        user.is_admin = True
        if password:
            accounts.set_password(user, password)
        click.echo(f"{user.email} is an administrator.")
    db.session.commit()


@roadshow_cli.command("create-token")
@click.argument("email")
@click.option("--name", default="command line", show_default=True)
def create_token(email: str, name: str) -> None:
    """Print a new API token for the account (for scripts)."""
    intend_to_write()
    user = User.by_email(email)
    if user is None:
        raise click.ClickException(f"No account with email {email}.")
    _, plain = api_tokens.create(user, name)
    db.session.commit()
    click.echo(plain)


def seed_demo_contest(password: str) -> list[dict]:
    """Create (or bring up to date) the demo contest and one account per role."""
    admin_email = DEMO_ACCOUNTS[0][0]
    accounts_by_email = {}
    for email, name, _role in DEMO_ACCOUNTS:
        user = User.by_email(email)
        if user is None:
            user = accounts.create_user(email, password, name)
        elif not verify_password(user.password_hash, password):
            accounts.set_password(user, password)
        accounts_by_email[email] = user
    admin = accounts_by_email[admin_email]
    admin.is_admin = True
    contest = db.session.scalar(select(Contest).where(Contest.slug == DEMO_SLUG))
    if contest is None:
        contest = contests.create_contest(
            by=admin, slug=DEMO_SLUG, status=ContestStatus.OPEN,
            name_zh="2026 海外高层次人才创新创业大赛（演示）",
            name_en="2026 Overseas Talent Innovation and Startup Contest (demo)",
            description_zh="面向海外高层次人才的项目路演与专家评审。本赛事为演示数据。",
            description_en="Online roadshows and expert review for overseas high-level talent. Demo data.",
            timezone="Asia/Shanghai", tracks=DEMO_TRACKS,
        )
        _demo_schedule(contest, admin)
    logins = [{"email": admin_email, "role": "admin", "contest": None}]
    for email, _name, role in DEMO_ACCOUNTS[1:]:
        contests.grant_role(contest, accounts_by_email[email], role, by=admin)
        logins.append({"email": email, "role": role.value, "contest": DEMO_SLUG})
    seed_review(contest, admin, accounts_by_email)
    return logins


@roadshow_cli.command("seed-demo")
@click.option("--password", default=DEMO_PASSWORD, show_default=True, help="Password of every demo account.")
@click.option("--json", "as_json", is_flag=True, help="Print the logins as a JSON list.")
def seed_demo(password: str, as_json: bool) -> None:
    """Create the demo contest (Chinese and English) with tracks and one account per role."""
    intend_to_write()
    try:
        logins = seed_demo_contest(password)
    except DomainError as exc:
        _fail(exc)
    db.session.commit()
    if as_json:
        click.echo(json.dumps(logins, ensure_ascii=False))
        return
    click.echo("Demo logins (password: %s)" % password)
    for login in logins:
        where = f" in {login['contest']}" if login["contest"] else ""
        click.echo(f"  {login['role']:<12} {login['email']}{where}")


@roadshow_cli.command("cleanup-uploads")
def cleanup_uploads() -> None:
    """Remove expired resumable uploads (rows and partial files) and partial files without a row."""
    intend_to_write()
    removed = upload_service.cleanup()
    db.session.commit()
    for line in removed:
        click.echo(f"removed {line}")
    click.echo(f"{len(removed)} removed." if removed else "Nothing to remove.")


@roadshow_cli.command("audit-verify")
def audit_verify() -> None:
    """Check the audit log's hash chain; report the first broken link and exit 1 if there is one."""
    broken = audit.verify()
    if broken is not None:
        click.echo(f"audit log broken at {broken}", err=True)
        raise SystemExit(1)
    click.echo(f"audit log intact: {audit.count()} entries")


def init_app(app: Flask) -> None:
    import roadshow.cli_results  # noqa: F401  (adds verify-results to the group)

    app.cli.add_command(roadshow_cli)
