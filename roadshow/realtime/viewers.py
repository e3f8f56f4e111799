"""How many viewers a live room has, across every process serving it.

Each process knows the connections it holds. Alone (no ``REDIS_URL``) that is the room's count.
With several processes sharing Redis, each reports its own count of a room in one Redis hash per
room (``roadshow:viewers:<room>``: a field per process, ``"<count>:<time>"``), and a tally carries
the sum of the counts reported in the last ``FRESH`` seconds, so that every viewer sees the same
figure whichever process sends it. A process reports when its count changes (with the tally) and
again every few seconds while it holds viewers (:class:`roadshow.realtime.access.AccessRefresher`'s
loop), so a process that dies stops counting after ``FRESH`` seconds. If Redis does not answer,
the process's own count is used: the room is told live updates are degraded anyway.
"""
from __future__ import annotations

import logging
import os
import socket
import time
import uuid

import redis

log = logging.getLogger(__name__)

KEY = "roadshow:viewers:{}"
FRESH = 30.0          # seconds after which a process's count no longer counts
KEY_TTL = 3600        # a room nobody reports for is forgotten by Redis
PROCESS = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"   # this process's field


class LocalCounts:
    """One process: its own count is the room's."""

    def total(self, room: str, local: int) -> int:
        return local

    def report(self, counts: dict[str, int]) -> None:
        pass


class RedisCounts:
    """Several processes: each reports its counts to Redis, and a room's count is their sum."""

    def __init__(self, url: str, *, process: str | None = None, clock=time.time) -> None:
        self._redis = redis.Redis.from_url(url, socket_timeout=1, socket_connect_timeout=1)
        self._process = process or PROCESS
        self._clock = clock

    def _set(self, pipe, room: str, count: int, now: float) -> None:
        key = KEY.format(room)
        pipe.hset(key, self._process, f"{count}:{now}")
        pipe.expire(key, KEY_TTL)

    def total(self, room: str, local: int) -> int:
        """Report this process's ``local`` count of ``room``; the room's count over every process."""
        now = self._clock()
        try:
            pipe = self._redis.pipeline(transaction=False)
            self._set(pipe, room, local, now)
            pipe.hgetall(KEY.format(room))
            fields = pipe.execute()[-1]
            total, stale = 0, []
            for process, value in fields.items():
                count, _, at = value.decode().partition(":")
                if now - float(at) > FRESH:
                    stale.append(process)
                else:
                    total += int(count)
            if stale:
                self._redis.hdel(KEY.format(room), *stale)
            return total
        except (redis.RedisError, ValueError) as exc:
            log.warning("viewer counts in Redis unavailable (%s): the process's own count is sent", exc)
            return local

    def report(self, counts: dict[str, int]) -> None:
        """This process's counts of its rooms, so that they stay fresh while they do not change."""
        if not counts:
            return
        now = self._clock()
        try:
            pipe = self._redis.pipeline(transaction=False)
            for room, count in counts.items():
                self._set(pipe, room, count, now)
            pipe.execute()
        except redis.RedisError as exc:
            log.warning("reporting viewer counts to Redis failed: %s", exc)


def counts_for(redis_url: str | None) -> LocalCounts | RedisCounts:
    return RedisCounts(redis_url) if redis_url else LocalCounts()
