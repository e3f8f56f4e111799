"""A live room's viewer count over every process serving it (:mod:`roadshow.realtime.viewers`).

Needs Redis (``REDIS_URL``, else the local default), on its database 4, emptied around each test:
with ``CI=true`` a Redis that does not answer fails these tests instead of skipping them.
"""
from __future__ import annotations

import os

import pytest
import redis

from roadshow.realtime import coalesce
from roadshow.realtime.viewers import FRESH, KEY, LocalCounts, RedisCounts

BASE_URL = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")
URL = BASE_URL.rsplit("/", 1)[0] + "/4"


@pytest.fixture
def redis_url():
    client = redis.Redis.from_url(URL, socket_connect_timeout=2)
    try:
        client.ping()
    except redis.RedisError as exc:
        message = f"Redis at {URL} does not answer: {exc}"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(message, pytrace=False)
        pytest.skip(message)
    client.flushdb()
    yield URL
    client.flushdb()


def test_the_count_is_the_sum_of_what_each_process_reported_lately(redis_url):
    now = [1000.0]
    first = RedisCounts(redis_url, process="first", clock=lambda: now[0])
    second = RedisCounts(redis_url, process="second", clock=lambda: now[0])
    assert first.total("live:1", 3) == 3
    assert second.total("live:1", 2) == 5
    assert first.total("live:2", 7) == 7                 # rooms apart
    now[0] += FRESH / 2
    first.report({"live:1": 4})                          # still there, one more
    assert first.total("live:1", 4) == 6
    now[0] += FRESH / 2 + 1                              # the second process has not reported since
    assert first.total("live:1", 4) == 4
    assert redis.Redis.from_url(redis_url).hkeys(KEY.format("live:1")) == [b"first"]   # forgotten
    assert second.total("live:1", 0) == 4                # the second one's last viewer left


def test_without_redis_the_process_counts_its_own():
    unreachable = RedisCounts("redis://127.0.0.1:1/0", process="alone")
    assert unreachable.total("live:1", 3) == 3
    unreachable.report({"live:1": 3})                    # no error: logged
    assert LocalCounts().total("live:1", 9) == 9


def test_the_tally_carries_the_rooms_count_not_the_processes():
    sent, tasks = [], []

    class Counts:
        def total(self, room, local):
            return local + 100                            # another process holds 100 more

    coalescer = coalesce.Coalescer(emit=lambda event, data, to: sent.append(data), sleep=lambda s: None,
                                   start_task=tasks.append, viewer_counts=Counts())
    coalescer.mark_viewers("live:1", 2)
    coalescer.mark_votes("live:1", {7: 1})
    coalescer.flush()
    assert sent == [{"votes": {"7": 1}, "viewers": 102}]
