"""Form helpers shared by several audiences."""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Iterable
from zoneinfo import ZoneInfo

from wtforms import SelectMultipleField
from wtforms.fields.choices import SelectChoice
from wtforms.widgets import CheckboxInput, ListWidget

from roadshow.i18n import current_language
from roadshow.models import Contest
from roadshow.scoring.sheets import decimal_text


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


class MultiCheckboxField(SelectMultipleField):
    """A multiple choice shown as a list of checkboxes."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


def track_choices(contest: Contest) -> list[tuple[int, str]]:
    """The contest's tracks as ``(id, name)`` choices, named in the current language."""
    language = current_language()
    return [(track.id, track.localized("name", language)) for track in contest.tracks]


def plain_decimal(value) -> str:
    """The ``plain_decimal`` Jinja filter: a score, weight or total without trailing zeros (see
    :func:`roadshow.scoring.sheets.decimal_text`), a dash for none."""
    return "—" if value is None else decimal_text(value)
