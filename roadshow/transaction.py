"""Work deferred until the request's transaction commits.

Services queue side effects (Socket.IO events, SMTP delivery) with :func:`after_commit`; they run
only once the data they describe is committed, and are dropped if the transaction rolls back, so
nobody ever hears of a change that did not happen.
"""
from __future__ import annotations

import logging
from typing import Callable

from flask import current_app
from sqlalchemy import event
from sqlalchemy.orm import Session

from roadshow.extensions import db

log = logging.getLogger(__name__)
_KEY = "roadshow_after_commit"


def after_commit(callback: Callable[[], None]) -> None:
    db.session().info.setdefault(_KEY, []).append(callback)


def _run(session: Session) -> None:
    """Run the queued callbacks in an app context of their own.

    The committing session is still finishing its commit here, so a callback that ends up in code
    using ``db.session`` (a socket disconnect runs the namespace's disconnect handler, say) gets a
    fresh session instead of this one.
    """
    callbacks = session.info.pop(_KEY, [])
    if not callbacks:
        return
    with current_app._get_current_object().app_context():
        for callback in callbacks:
            try:
                callback()
            except Exception:  # a failed side effect must not turn a committed change into an error
                log.exception("after-commit callback %r failed", callback)


def _discard(session: Session) -> None:
    session.info.pop(_KEY, None)


def init_app(app) -> None:
    session_class = db.session.session_factory.class_
    if not event.contains(session_class, "after_commit", _run):
        event.listen(session_class, "after_commit", _run)
        event.listen(session_class, "after_rollback", _discard)
