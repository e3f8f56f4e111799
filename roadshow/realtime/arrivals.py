"""Admitting a crowd to the live room: the connects waiting at one moment checked, recorded and
answered together (a :mod:`group commit <roadshow.realtime.group_commit>`).

A connect to ``/live`` has to find who is connecting (the API token, or the cookie's user and
session version), read the session and its contest, ask the policy (may view, may take part, the
viewer's role), record the connection (``socket_connections``: what logging out and revoking a
token reach), join the rooms and read the room's state for the viewer. One connect at a time, that
is a dozen queries and a commit per viewer. When a thousand viewers join at once (the start of an
event, a worker restarting) the connects waiting at the same moment are admitted as one batch:

- before the commit, the tokens, the users, the sessions and the viewers' roles in each contest in
  a query each, whatever the batch's size; then the policy's answers; then the records, in one
  insert and one commit;
- after it, every admitted socket enters its rooms, and then the state is read for all of them:
  the room's shared part once per role (:mod:`roadshow.services.live_state` keeps it, and its
  JSON), the viewers' own upvotes and interest in two queries.

In the rooms first, then the state: a change committed meanwhile is either in the state or
delivered to the socket after it. Each arrival is answered on its own: one viewer's revoked token
refuses that viewer, not the others of its batch.
"""
from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from roadshow import security
from roadshow.extensions import db
from roadshow.models import ApiToken, User
from roadshow.models.live import LiveSession
from roadshow.policy import preload_roles
from roadshow.realtime import records
from roadshow.realtime.access import Connection, answers, chunks, rows_by_id
from roadshow.realtime.group_commit import GroupCommit, for_app
from roadshow.realtime.publish import user_room
from roadshow.realtime.records import Record
from roadshow.services import live_room, live_state

MAX_TOKEN_LENGTH = 200


@dataclass(frozen=True)
class Arrival:
    """A socket asking to join a live session's room, as its connect found it (no query yet)."""

    sid: str
    namespace: str
    session_id: Any                          # as the client sent it
    token: str | None = None                 # an API token, or
    cookie: tuple[int, int] | None = None    # the cookie's user id and session version


@dataclass
class Admission:
    """An arrival let in: its connection, and (after the commit) the state it is to be sent, as
    JSON text (see :func:`roadshow.services.live_state.snapshot_json`)."""

    connection: Connection
    state: str | None = None


class Refused(Exception):
    """The arrival may not join; the message is the connect error the client gets."""


def _valid_tokens(plain: set[str]) -> dict[str, tuple[int, int]]:
    """Of the tokens ``plain``, those valid (unrevoked, their owner active): token -> (id, user id)."""
    digests = {security.token_digest(token): token for token in plain}
    found: dict[str, tuple[int, int]] = {}
    for chunk in chunks(sorted(digests)):
        for token_id, user_id, digest in db.session.execute(
                select(ApiToken.id, ApiToken.user_id, ApiToken.token_hash)
                .join(User, User.id == ApiToken.user_id)
                .where(ApiToken.token_hash.in_(chunk), ApiToken.revoked_at.is_(None), User.active.is_(True))):
            found[digests[digest]] = (token_id, user_id)
    return found


def admit(arrivals: list[Arrival]) -> list[Admission | Refused]:
    """The group commit's write: check every arrival and record those let in."""
    started = time.monotonic()
    tokens = _valid_tokens({a.token for a in arrivals if a.token is not None})
    users = rows_by_id(User, {tokens[a.token][1] for a in arrivals if a.token in tokens}
                        | {a.cookie[0] for a in arrivals if a.cookie is not None})
    sessions = rows_by_id(LiveSession, {i for i in (live_room.session_id_of(a.session_id) for a in arrivals) if i is not None},
                           joinedload(LiveSession.contest))

    found: list[tuple[User, int | None, LiveSession] | Refused] = []
    for arrival in arrivals:
        if arrival.token is not None:
            token_id, user_id = tokens.get(arrival.token, (None, None))
            user = users.get(user_id)
            if token_id is None or user is None:
                found.append(Refused("invalid token"))
                continue
        else:
            user_id, version = arrival.cookie if arrival.cookie is not None else (None, None)
            user, token_id = users.get(user_id), None
            if user is None or not user.active or user.session_version != version:
                found.append(Refused("unauthenticated"))
                continue
        live = sessions.get(live_room.session_id_of(arrival.session_id))
        found.append(Refused("no such session") if live is None else (user, token_id, live))

    viewers: dict[int, set[int]] = {}   # session id -> users, for the roles in its contest
    for item in found:
        if not isinstance(item, Refused):
            viewers.setdefault(item[2].id, set()).add(item[0].id)
    for session_id, user_ids in viewers.items():
        preload_roles(sorted(user_ids), sessions[session_id].contest)

    outcomes: list[Admission | Refused] = []
    for arrival, item in zip(arrivals, found):
        if isinstance(item, Refused):
            outcomes.append(item)
            continue
        user, token_id, live = item
        allowed = answers(user, live)
        if allowed is None:
            outcomes.append(Refused("forbidden"))
            continue
        role, may_participate = allowed
        outcomes.append(Admission(Connection(user.id, live.id, token_id,
                                             None if token_id is not None else user.session_version,
                                             role, may_participate, started)))
    records.write([Record(arrival.sid, arrival.namespace, outcome.connection.user_id, outcome.connection.token_id)
                   for arrival, outcome in zip(arrivals, outcomes) if isinstance(outcome, Admission)])
    return outcomes


def welcome(server, arrivals: list[Arrival], outcomes: list[Admission | Refused]) -> list[Admission | Refused]:
    """After the commit: the admitted sockets enter their rooms, then get their state. A socket gone
    meanwhile is refused ("gone"); its caller removes its record."""
    admitted: list[Admission] = []
    for index, (arrival, outcome) in enumerate(zip(arrivals, outcomes)):
        if not isinstance(outcome, Admission):
            continue
        connection = outcome.connection
        try:
            for room in (user_room(connection.user_id), live_room.room(connection.session_id),
                         live_room.role_room(connection.role, connection.session_id)):
                server.enter_room(arrival.sid, room, namespace=arrival.namespace)
        except (KeyError, ValueError):   # the socket is no longer there
            outcomes[index] = Refused("gone")
            continue
        admitted.append(outcome)
    if not admitted:
        return outcomes
    viewers = [(a.connection.session_id, a.connection.user_id) for a in admitted]
    sessions = rows_by_id(LiveSession, {session_id for session_id, _ in viewers}, joinedload(LiveSession.contest))
    users = rows_by_id(User, {user_id for _, user_id in viewers})
    own = live_state.own_parts(viewers)
    for admission, pair in zip(admitted, viewers):
        admission.state = live_state.snapshot_json(sessions[pair[0]], users[pair[1]],
                                                   role=admission.connection.role, own=own[pair])
    return outcomes


def admitter(app, server) -> GroupCommit:
    """The app's admitter of live arrivals in this process (``server``: the Socket.IO server whose
    rooms the admitted sockets enter)."""

    def build() -> GroupCommit:
        from roadshow.extensions import socketio

        return GroupCommit(app, admit, socketio.start_background_task, sleep=socketio.sleep,
                           key=lambda arrival: (arrival.sid, arrival.namespace),
                           after_commit=lambda arrivals, outcomes: welcome(server, arrivals, outcomes),
                           name="live arrivals")

    return for_app(app, "live_arrivals", build)
