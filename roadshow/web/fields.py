"""Form helpers shared by several audiences."""
from __future__ import annotations

from typing import Iterable

from wtforms.fields.choices import SelectChoice


def choices(pairs: Iterable[tuple[str, object]]) -> list[SelectChoice]:
    """``SelectField`` choices from ``(value, label)`` pairs; labels may be lazy translations."""
    return [SelectChoice(str(value), label) for value, label in pairs]
