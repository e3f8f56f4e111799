"""Parallel requests behind a barrier: writes neither fail with "database is locked" nor race
past the unique email."""
from __future__ import annotations

import threading

from sqlalchemy import func, select

from roadshow.extensions import db
from roadshow.models import User
from tests.helpers import PASSWORD, csrf_token

PARALLEL = 8


def register_in_parallel(app, emails):
    clients = [app.test_client() for _ in emails]
    tokens = [csrf_token(client, "/register") for client in clients]
    barrier = threading.Barrier(len(emails))
    statuses = [None] * len(emails)

    def register(index):
        barrier.wait()
        statuses[index] = clients[index].post("/register", data={
            "csrf_token": tokens[index], "display_name": f"Team {index}", "email": emails[index],
            "password": PASSWORD, "confirm": PASSWORD,
        }).status_code

    threads = [threading.Thread(target=register, args=(i,)) for i in range(len(emails))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    return statuses


def user_count(app):
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(User))


def test_parallel_registrations_all_succeed(app):
    statuses = register_in_parallel(app, [f"team{i}@example.com" for i in range(PARALLEL)])
    assert statuses == [302] * PARALLEL
    assert user_count(app) == PARALLEL


def test_parallel_registrations_of_one_email_create_one_account(app):
    statuses = register_in_parallel(app, ["same@example.com"] * PARALLEL)
    assert statuses.count(302) == 1
    assert set(statuses) <= {302, 409, 422}
    assert user_count(app) == 1
