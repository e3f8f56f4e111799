"""Form helpers shared by several audiences."""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Iterable
from zoneinfo import ZoneInfo

from wtforms.fields.choices import SelectChoice


def choices(pairs: Iterable[tuple[str, object]]) -> list[SelectChoice]:
    """``SelectField`` choices from ``(value, label)`` pairs; labels may be lazy translations."""
    return [SelectChoice(str(value), label) for value, label in pairs]


def contest_time_to_utc(value: datetime | None, timezone_name: str) -> datetime | None:
    """A naive date-time typed in the contest's time zone, as an aware UTC date-time."""
    if value is None:
        return None
    return value.replace(tzinfo=ZoneInfo(timezone_name)).astimezone(timezone.utc)


def utc_to_contest_time(value: datetime | None, timezone_name: str) -> datetime | None:
    """An aware UTC date-time as the naive wall-clock time of the contest, for a form field."""
    if value is None:
        return None
    return value.astimezone(ZoneInfo(timezone_name)).replace(tzinfo=None)
