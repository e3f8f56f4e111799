"""Helpers for tests that act like a user: forms with their CSRF token, logging in, waiting."""
from __future__ import annotations

import re
import time

from roadshow.extensions import db
from roadshow.models import DEFAULT_MATERIAL_RULES, Contest, ContestStatus, MaterialRule, Role, Track, User
from roadshow.services import accounts, contests

PASSWORD = "correct horse battery"
CSRF_PATTERN = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def create_user(app, email="team@example.com", *, password=PASSWORD, name="Team Lead", **kwargs):
    with app.test_request_context():
        user = accounts.create_user(email, password, name, **kwargs)
        db.session.commit()
        return user.id


def csrf_token(client, url="/login") -> str:
    page = client.get(url)
    match = CSRF_PATTERN.search(page.get_data(as_text=True))
    assert match, f"no CSRF token on {url} ({page.status_code})"
    return match.group(1)


def post_form(client, url, data, *, token_from=None):
    """Submit a form the way a browser does: with the CSRF token of the page that shows it."""
    data = {"csrf_token": csrf_token(client, token_from or url), **data}
    return client.post(url, data=data)


def login(client, email="team@example.com", password=PASSWORD):
    response = post_form(client, "/login", {"email": email, "password": password})
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    return response


def wait_for(predicate, timeout=5.0, interval=0.02):
    """Poll until ``predicate()`` is truthy: events through the Redis queue arrive asynchronously."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    return predicate()


def make_contest(app, slug="demo", *, status=ContestStatus.OPEN, organiser_email=None, judge_email=None,
                 observer_email=None) -> int:
    """A contest with two tracks and the given people in their roles."""
    with app.test_request_context():
        contest = Contest(slug=slug, name_zh="演示大赛", name_en="Demo contest", status=status,
                          description_zh="说明", description_en="About",
                          tracks=[Track(name_zh="医疗器械", name_en="Medical devices", position=0),
                                  Track(name_zh="新材料", name_en="New materials", position=1)],
                          material_rules=[MaterialRule(kind=kind, required=required, max_bytes=max_bytes)
                                          for kind, (required, max_bytes) in DEFAULT_MATERIAL_RULES.items()])
        db.session.add(contest)
        db.session.flush()
        for email, role in ((organiser_email, Role.ORGANIZER), (judge_email, Role.JUDGE),
                            (observer_email, Role.OBSERVER)):
            if email:
                contests.grant_role(contest, User.by_email(email), role)
        db.session.commit()
        return contest.id
