"""Long Q&A sessions for the tests of the bounded ``state`` and its paging: questions written
straight to the database (no rate limit, no events), and who may see each of them."""
from __future__ import annotations

from dataclasses import dataclass

from roadshow.extensions import db
from roadshow.models import User
from roadshow.models.live import Question, QuestionStatus


@dataclass(frozen=True)
class Asked:
    id: int
    status: str
    judges_only: bool
    slot_id: int | None
    pinned: bool

    def seen_by(self, role: str, hidden_slots: set[int] = frozenset()) -> bool:
        """The visibility rules, restated: organisers see all; judges the approved ones, less the
        judges' channel about the slots ``hidden_slots``; the audience the approved public ones."""
        if role == "organiser":
            return True
        if self.status != "approved":
            return False
        if role == "judge":
            return not (self.judges_only and self.slot_id in hidden_slots)
        return not self.judges_only


def add_questions(app, session_id: int, specs: list[dict], *, author: str) -> list[Asked]:
    """One question per spec (``status``, ``judges_only``, ``slot_id``, ``pinned``, ``anonymous``),
    ids in the order of ``specs``."""
    with app.app_context():
        author_id = User.by_email(author).id
        questions = [Question(session_id=session_id, author_id=author_id, text=f"Question {n}?",
                              status=QuestionStatus(spec.get("status", "approved")),
                              judges_only=spec.get("judges_only", False), slot_id=spec.get("slot_id"),
                              pinned=spec.get("pinned", False), anonymous=spec.get("anonymous", False))
                     for n, spec in enumerate(specs)]
        db.session.add_all(questions)
        db.session.commit()
        asked = [Asked(q.id, q.status.value, q.judges_only, q.slot_id, q.pinned) for q in questions]
    assert [a.id for a in asked] == sorted(a.id for a in asked)
    return asked


def mixed_specs(count: int, slots: list[int]) -> list[dict]:
    """A long session's mix: pending, dismissed, the judges' channel (about either slot, or none),
    public questions, some anonymous, and a few old pinned ones (one in the judges' channel)."""
    specs = []
    for n in range(count):
        kind = n % 13
        if kind == 0:
            spec = {"status": "pending"}
        elif kind == 1:
            spec = {"status": "dismissed"}
        elif kind in (2, 3):
            spec = {"judges_only": True, "slot_id": slots[kind - 2]}
        elif kind == 4:
            spec = {"judges_only": True}
        else:
            spec = {"slot_id": slots[n % 2], "anonymous": n % 3 == 0}
        specs.append(spec)
    for n in (2, 5, 18):   # old and pinned: in every state whatever their age
        specs[n]["pinned"] = True
    return specs
