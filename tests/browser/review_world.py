"""The world of the review journey, built straight in the live server's database and storage.

The live server runs in a process of its own over a database of its own (a SQLite file in its
instance folder, or a throw-away PostgreSQL database). :func:`server_app` builds an app in the
test's process over that same database and file storage, so the builders of the other tests
(tests/review_builders.py) can make a contest ready for review without clicking through every
organiser's page, and a real PDF can be stored as the upload code leaves it.
"""
from __future__ import annotations

import hashlib
import io
import secrets
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from roadshow import create_app
from roadshow.config import TestConfig, normalise_database_url
from roadshow.extensions import db
from roadshow.models import Material, MaterialKind
from roadshow.storage import storage
from tests.helpers import PASSWORD
from tests.review_builders import RUBRIC, make_review


@dataclass(frozen=True)
class ReviewWorld:
    """A contest whose online-review round is open for scoring, with two projects: the judge is
    assigned ``assigned_id`` (which holds a PDF business plan) and has declared nothing yet;
    ``conflicted_id`` is the one they will declare a conflict on."""

    slug: str
    round_id: int
    criteria: list[int]  # in the order of tests.review_builders.RUBRIC
    assigned_id: int
    conflicted_id: int
    judge_id: int
    judge_email: str
    organiser_email: str
    password: str
    pdf_name: str


@contextmanager
def server_app(server):
    """An app over the live server's database and storage, for building data in the test's process.

    It is a :class:`TestConfig` app (no message queue, fast password hashing, as the suite's own
    app, whose module-wide settings it must not change), pointed at the server's instance folder.
    """
    instance = Path(server.env["INSTANCE_DIR"])
    config = TestConfig(instance)
    config.SQLALCHEMY_DATABASE_URI = normalise_database_url(
        server.env.get("DATABASE_URL") or f"sqlite:///{instance / 'roadshow.db'}")
    config.STORAGE_DIR = server.env.get("STORAGE_DIR") or str(instance / "uploads")
    config.REDIS_URL = None
    config.RATELIMIT_STORAGE_URI = "memory://"
    app = create_app(config)
    try:
        yield app
    finally:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


def store_material(app, application_id: int, path: Path, *, kind=MaterialKind.BUSINESS_PLAN,
                   content_type="application/pdf") -> int:
    """``path`` as an application's material, as the upload code leaves it: the bytes in storage
    under a generated key, and the row that points at them."""
    data = path.read_bytes()
    with app.app_context():
        files = storage()
        key = files.new_key()
        files.save_stream(io.BytesIO(data), key, len(data))
        material = Material(application_id=application_id, kind=kind, original_filename=path.name, storage_key=key,
                            content_type=content_type, size_bytes=len(data), sha256=hashlib.sha256(data).hexdigest())
        db.session.add(material)
        db.session.commit()
        return material.id


def make_review_world(server, pdf: Path) -> ReviewWorld:
    """A fresh contest (unique slug and people, so it shares the server with other journeys)."""
    suffix = secrets.token_hex(4)
    judge_email, organiser_email = f"judge-{suffix}@example.com", f"org-{suffix}@example.com"
    with server_app(server) as app:
        setup = make_review(app, slug=f"review-{suffix}", judges=(judge_email,), projects=2,
                            assign={judge_email: [0]}, declared=False, open_scoring=True,
                            organiser=organiser_email, k=1)
        store_material(app, setup.projects[0], pdf)
    assert len(setup.criteria) == len(RUBRIC)
    return ReviewWorld(slug=f"review-{suffix}", round_id=setup.round_id, criteria=setup.criteria,
                       assigned_id=setup.projects[0], conflicted_id=setup.projects[1],
                       judge_id=setup.judges[judge_email], judge_email=judge_email,
                       organiser_email=organiser_email, password=PASSWORD, pdf_name=pdf.name)
