"""A round's rubric: its criteria, editable until the round's scoring opens, then frozen.

Rules of a criterion (each refusal is an :class:`Invalid` listing every field at fault in
``details``, and nothing is stored):

* a Chinese name; names up to 120 characters, descriptions up to 5,000;
* maximum points > 0 and <= 1000, a whole multiple of the step; the step is 1 or 0.5;
* weight > 0 and <= 1000, with at most four decimals;
* descriptors of score levels, one a line ``score | 中文 | English``: the score within
  ``[0, max_points]`` and on the step, each score once, a Chinese or an English text.

Once ``round.rubric_frozen`` every change is a :class:`Conflict` (409).
"""
from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal, InvalidOperation

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from roadshow.extensions import db
from roadshow.models import Criterion, Round, User
from roadshow.policy import Action, authorize
from roadshow.scoring.sheets import CriterionRule, decimal_text, maximum_total
from roadshow.services.audit import record
from roadshow.services.errors import Conflict, Invalid, NotFound

STEPS = (Decimal(1), Decimal("0.5"))
MAX_POINTS = Decimal(1000)
MAX_WEIGHT = Decimal(1000)
MAX_DESCRIPTORS = 50
MAX_NAME = 120
MAX_DESCRIPTION = 5000
MAX_DESCRIPTOR_TEXT = 500
FIELDS = ("name_zh", "name_en", "description_zh", "description_en", "max_points", "weight", "step",
          "descriptors", "comment_required")


def frozen_error() -> Conflict:
    return Conflict(_l("The rubric is frozen since scoring opened."))


def _decimal(raw) -> Decimal | None:
    if isinstance(raw, bool) or raw is None:
        return None
    try:
        value = raw if isinstance(raw, Decimal) else Decimal(str(raw).strip())
    except InvalidOperation:
        return None
    return value if value.is_finite() else None


def _on_step(value: Decimal, step: Decimal) -> bool:
    return value == value.quantize(Decimal("0.01")) and value % step == 0


def parse_descriptors(text: str | Iterable[dict], max_points: Decimal | None, step: Decimal | None
                      ) -> tuple[list[dict], str | None]:
    """The descriptors as stored (``[{"score": "8", "zh": ..., "en": ...}]``, by score) and the first
    problem found (None if there is none). ``text`` is the textarea (one line a level) or a list."""
    if isinstance(text, str):
        lines = [(number, line) for number, line in enumerate(text.splitlines(), start=1) if line.strip()]
        items = []
        for number, line in lines:
            parts = [part.strip() for part in line.split("|")]
            if len(parts) not in (2, 3):
                return [], str(_l("Line %(n)d: write \"score | 中文 | English\".", n=number))
            items.append((number, parts[0], parts[1], parts[2] if len(parts) == 3 else ""))
    else:
        items = [(number, str(item.get("score", "")), str(item.get("zh", "")), str(item.get("en", "")))
                 for number, item in enumerate(text, start=1)]
    if len(items) > MAX_DESCRIPTORS:
        return [], str(_l("At most %(n)d score levels.", n=MAX_DESCRIPTORS))
    found: dict[Decimal, dict] = {}
    for number, raw_score, zh, en in items:
        score = _decimal(raw_score)
        if score is None:
            return [], str(_l("Line %(n)d: \"%(score)s\" is not a number.", n=number, score=raw_score[:20]))
        if not zh and not en:
            return [], str(_l("Line %(n)d: describe the level in Chinese or English.", n=number))
        if len(zh) > MAX_DESCRIPTOR_TEXT or len(en) > MAX_DESCRIPTOR_TEXT:
            return [], str(_l("Line %(n)d: at most %(max)d characters a description.", n=number,
                              max=MAX_DESCRIPTOR_TEXT))
        if max_points is not None and not (0 <= score <= max_points):
            return [], str(_l("Line %(n)d: the score %(score)s is outside 0 to %(max)s.", n=number,
                              score=decimal_text(score), max=decimal_text(max_points)))
        if step is not None and not _on_step(score, step):
            return [], str(_l("Line %(n)d: the score %(score)s is not a multiple of the step %(step)s.", n=number,
                              score=decimal_text(score), step=decimal_text(step)))
        if score in found:
            return [], str(_l("Line %(n)d: the score %(score)s is described twice.", n=number,
                              score=decimal_text(score)))
        found[score] = {"score": decimal_text(score), "zh": zh, "en": en}
    return [found[score] for score in sorted(found)], None


def descriptors_text(criterion: Criterion) -> str:
    """The descriptors as the textarea shows them."""
    return "\n".join(" | ".join((d.get("score", ""), d.get("zh", ""), d.get("en", "")))
                     for d in criterion.descriptors or ())


def _clean(values: dict) -> dict:
    """Checked and normalised criterion values; Invalid with every field at fault."""
    errors: dict[str, str] = {}
    text = {name: (values.get(name) or "").strip() for name in ("name_zh", "name_en", "description_zh",
                                                                "description_en")}
    if not text["name_zh"]:
        errors["name_zh"] = str(_l("A criterion needs a Chinese name."))
    for name in ("name_zh", "name_en"):
        if len(text[name]) > MAX_NAME:
            errors[name] = str(_l("At most %(n)d characters.", n=MAX_NAME))
    for name in ("description_zh", "description_en"):
        if len(text[name]) > MAX_DESCRIPTION:
            errors[name] = str(_l("At most %(n)d characters.", n=MAX_DESCRIPTION))
    step = _decimal(values.get("step", 1))
    if step not in STEPS:
        errors["step"] = str(_l("The step is 1 or 0.5."))
        step = None
    max_points = _decimal(values.get("max_points"))
    if max_points is None or not (0 < max_points <= MAX_POINTS):
        errors["max_points"] = str(_l("The maximum is a number above 0, at most %(max)s.", max=MAX_POINTS))
        max_points = None
    elif step is not None and not _on_step(max_points, step):
        errors["max_points"] = str(_l("The maximum must be a multiple of the step (%(step)s).",
                                      step=decimal_text(step)))
    weight = _decimal(values.get("weight", 1))
    if weight is None or not (0 < weight <= MAX_WEIGHT):
        errors["weight"] = str(_l("The weight is a number above 0, at most %(max)s.", max=MAX_WEIGHT))
    elif weight != weight.quantize(Decimal("0.0001")):
        errors["weight"] = str(_l("The weight has at most four decimals."))
    descriptors, problem = parse_descriptors(values.get("descriptors") or "", max_points, step)
    if problem:
        errors["descriptors"] = problem
    if errors:
        raise Invalid(_l("The criterion was not saved: correct the fields marked."), details=errors)
    return {**text, "max_points": max_points, "weight": weight, "step": step, "descriptors": descriptors,
            "comment_required": bool(values.get("comment_required"))}


def _editable(round_: Round, by: User) -> None:
    authorize(by, Action.ROUND_MANAGE, round_)
    if round_.rubric_frozen:
        raise frozen_error()


def _snapshot(criterion: Criterion) -> dict:
    return {name: getattr(criterion, name) for name in FIELDS}


def _criterion(round_: Round, criterion_id: int) -> Criterion:
    criterion = db.session.get(Criterion, criterion_id)
    if criterion is None or criterion.round_id != round_.id:
        raise NotFound(_l("Not found."))
    return criterion


def add_criterion(round_: Round, *, by: User, **values) -> Criterion:
    """Append a criterion (keyword values named as :data:`FIELDS`) to the rubric."""
    _editable(round_, by)
    clean = _clean(values)
    position = (db.session.scalar(select(func.max(Criterion.position)).where(Criterion.round_id == round_.id))
                or 0) + 1
    criterion = Criterion(round_id=round_.id, position=position, **clean)
    db.session.add(criterion)
    db.session.flush()
    record("rubric.criterion_added", obj_type="criterion", obj_id=criterion.id, contest_id=round_.contest_id,
           new={"round_id": round_.id, **clean}, actor=by)
    db.session.expire(round_, ["criteria"])
    return criterion


def update_criterion(round_: Round, criterion_id: int, *, by: User, **values) -> Criterion:
    _editable(round_, by)
    criterion = _criterion(round_, criterion_id)
    clean = _clean(values)
    old = _snapshot(criterion)
    for name, value in clean.items():
        setattr(criterion, name, value)
    db.session.flush()
    record("rubric.criterion_changed", obj_type="criterion", obj_id=criterion.id, contest_id=round_.contest_id,
           old=old, new=clean, actor=by)
    return criterion


def remove_criterion(round_: Round, criterion_id: int, *, by: User) -> None:
    _editable(round_, by)
    criterion = _criterion(round_, criterion_id)
    old = _snapshot(criterion)
    db.session.delete(criterion)
    db.session.flush()
    db.session.expire(round_, ["criteria"])
    record("rubric.criterion_removed", obj_type="criterion", obj_id=criterion_id, contest_id=round_.contest_id,
           old=old, actor=by)


def move_criterion(round_: Round, criterion_id: int, offset: int, *, by: User) -> None:
    """Swap a criterion with its neighbour (``offset`` -1 up, +1 down); at either end nothing moves."""
    _editable(round_, by)
    criteria = list(db.session.scalars(
        select(Criterion).where(Criterion.round_id == round_.id).order_by(Criterion.position)))
    index = next((i for i, c in enumerate(criteria) if c.id == criterion_id), None)
    if index is None:
        raise NotFound(_l("Not found."))
    other = index + offset
    if not 0 <= other < len(criteria):
        return
    first, second = criteria[index], criteria[other]
    first_position, second_position = first.position, second.position
    first.position = -1  # the unique (round, position) holds at every flush
    db.session.flush()
    second.position = first_position
    db.session.flush()
    first.position = second_position
    db.session.flush()
    db.session.expire(round_, ["criteria"])
    record("rubric.criterion_moved", obj_type="criterion", obj_id=criterion_id, contest_id=round_.contest_id,
           old={"position": first_position}, new={"position": second_position}, actor=by)


def criteria(round_: Round) -> list[Criterion]:
    return list(db.session.scalars(
        select(Criterion).where(Criterion.round_id == round_.id).order_by(Criterion.position)))


def rules(round_: Round) -> list[CriterionRule]:
    """The rubric as the pure sheet checks take it, in rubric order."""
    return [CriterionRule(id=c.id, max_points=Decimal(c.max_points), weight=Decimal(c.weight),
                          step=Decimal(c.step), comment_required=bool(c.comment_required))
            for c in criteria(round_)]


def maximum(round_: Round) -> Decimal:
    """The highest total a sheet of this round can reach."""
    return maximum_total(rules(round_))


__all__ = ["FIELDS", "STEPS", "add_criterion", "criteria", "descriptors_text", "frozen_error",
           "maximum", "move_criterion", "parse_descriptors", "remove_criterion", "rules", "update_criterion"]
