"""A judge scores a project through a network outage, and an organiser unlocks the sheet, in a real
browser over a real server.

The judge logs in, declares a conflict of interest with one project of the round before anything
else, opens the project assigned to them, reads its business plan in the pdf.js viewer and fills
half of the score sheet, which saves itself. The network drops in the middle of a comment
(Playwright takes the browser offline): the judge goes on typing, the sheet says the edits are kept
on this device, and they are, in localStorage. The network comes back, the sheet sends them, and
a reload shows every value typed, online and offline, as the server has it. The judge finishes and
submits; the sheet is locked with the total the server computed. The organiser, in a browser of
their own, sees the progress board move, unlocks the sheet with a reason from the project's page,
and the judge, reloading, finds the sheet open again with that reason and can change it.

The contest is built in the server's database by tests/browser/review_world.py, with a real PDF
in the server's storage; every step after that goes through the pages.
"""
from __future__ import annotations

import json
import re
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect

from tests.browser.review_world import make_review_world
from tests.browser.test_application_journey import (
    MEDIA_TIMEOUT_MS, PAGE_COLOURS, _make_pdf, canvas_colours, close_to, watch_for_trouble,
)
from tests.browser.test_journeys import log_in

pytestmark = pytest.mark.browser

PDF_PAGES = 2
RESEND_TIMEOUT_MS = 15_000  # the sheet resends on the "online" event, else on its 5 s retry
CONFLICT_REASON = "I advised this team last year."
UNLOCK_REASON = "Please reconsider the market score after the new evidence."


@pytest.fixture
def world(live_server, tmp_path):
    pdf = tmp_path / "business-plan.pdf"
    _make_pdf(pdf, pages=PDF_PAGES)
    return make_review_world(live_server, pdf)


def sheet_field(page, name: str):
    """A field of the score sheet by its id: score-<criterion>, comment-<criterion> or overall-comment."""
    return page.locator(f"#sheet-form #{name}")


def declare_conflict(judge, world) -> None:
    """From the judging page, the round asks for the declaration first; declare one conflict."""
    judge.goto("/judge/")
    round_line = judge.locator(f'#main li[data-round-id="{world.round_id}"]')
    round_line.locator(f'a.btn[href="/judge/rounds/{world.round_id}/conflicts"]').click()
    expect(judge).to_have_url(re.compile(rf"/judge/rounds/{world.round_id}/conflicts$"))
    form = judge.locator("#declare-form")
    expect(form.locator("#round-projects tbody tr")).to_have_count(2)  # both projects, nothing else of them
    form.locator(f"#conflict-{world.conflicted_id}").check()
    form.locator(f'[name="reason-{world.conflicted_id}"]').fill(CONFLICT_REASON)
    form.locator("#confirm").check()
    form.locator('button[type="submit"]').click()
    expect(judge).to_have_url(re.compile(rf"/judge/rounds/{world.round_id}$"))
    expect(judge.get_by_role("alert")).to_contain_text("Your declaration has been recorded.")
    rows = judge.locator("#assigned-projects tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_have_attribute("data-application-id", str(world.assigned_id))
    expect(rows.first).to_have_attribute("data-status", "none")


def read_business_plan(judge, world) -> None:
    """pdf.js draws the first page on the canvas, colours and all, and turns to the second."""
    viewer = judge.locator("[data-pdf-viewer]")
    expect(viewer).to_have_attribute("data-rendered-page", "1", timeout=MEDIA_TIMEOUT_MS)
    canvas = viewer.locator("[data-pdf-canvas]")
    expect(canvas).to_be_visible()
    assert canvas.evaluate("c => c.width > 0 && c.height > c.width && c.getBoundingClientRect().width > 0")
    assert close_to(canvas_colours(canvas)["inside"], PAGE_COLOURS[0])
    expect(viewer.locator("[data-page-count]")).to_have_text(str(PDF_PAGES))
    viewer.locator('[data-action="next"]').click()
    expect(viewer).to_have_attribute("data-rendered-page", "2", timeout=MEDIA_TIMEOUT_MS)
    assert close_to(canvas_colours(canvas)["inside"], PAGE_COLOURS[1])


def expect_saved(judge, timeout: int | None = None) -> None:
    """The sheet says it is saved, and the copy kept on this device is gone: the server has it all."""
    form = judge.locator("#sheet-form")
    expect(judge.locator("#sheet-save-state")).to_have_text(form.get_attribute("data-msg-saved"), timeout=timeout)
    judge.wait_for_function("key => localStorage.getItem(key) === null", arg=form.get_attribute("data-storage-key"),
                            timeout=timeout)


def expect_values(judge, values: dict[str, str]) -> None:
    for name, value in values.items():
        expect(sheet_field(judge, name)).to_have_value(value)


def type_into(judge, name: str, text: str) -> None:
    """Key by key, as a person types (each key is an input event the sheet sees)."""
    sheet_field(judge, name).press_sequentially(text)


def test_judge_scores_through_an_outage_submits_and_the_organiser_unlocks(new_page, world):
    innovation, market, team = (str(cid) for cid in world.criteria)

    # The judge logs in and, before anything else of the round, declares a conflict.
    judge = new_page("en-US")
    judge_trouble = watch_for_trouble(judge, console=False)  # offline, the browser logs every failed request
    log_in(judge, world.judge_email, world.password)
    declare_conflict(judge, world)
    # The conflicted project is not there at all, not even by its address.
    conflicted_url = f"/judge/rounds/{world.round_id}/projects/{world.conflicted_id}"
    assert judge.context.request.get(conflicted_url).status == 404

    # The judge opens the assigned project and reads the business plan beside the sheet.
    judge.locator(f'#assigned-projects tr[data-application-id="{world.assigned_id}"] a').click()
    project_url = f"/judge/rounds/{world.round_id}/projects/{world.assigned_id}"
    expect(judge).to_have_url(re.compile(re.escape(project_url) + "$"))
    judge.wait_for_load_state("load")  # score-sheet.js, at the end of the page, listens from then on
    read_business_plan(judge, world)
    form = judge.locator("#sheet-form")
    storage_key = form.get_attribute("data-storage-key")
    sheet_path = form.get_attribute("data-sheet-url")
    saves = []  # the sheet's saves that reached the server and were answered, in order
    judge.on("requestfinished", lambda request: urlsplit(request.url).path == sheet_path and request.method == "PUT"
             and saves.append(json.loads(request.post_data)))
    expect(judge.locator("#score-sheet")).to_have_attribute("data-status", "none")

    # Half the sheet, online: it saves itself.
    online_values = {f"score-{innovation}": "8.5",
                     f"comment-{innovation}": "A working prototype, tested in two clinics."}
    for name, text in online_values.items():
        type_into(judge, name, text)
    expect_saved(judge)

    # The network drops in the middle of a comment; the judge goes on typing.
    offline_values = {
        f"comment-{market}": "Large market in county hospitals.",
        f"score-{market}": "7",
        f"score-{team}": "9",
        f"comment-{team}": "Experienced founders.",
    }
    try:
        type_into(judge, f"comment-{market}", "Large market in ")
        judge.context.set_offline(True)
        saved_online = len(saves)
        type_into(judge, f"comment-{market}", "county hospitals.")
        for name in (f"score-{market}", f"score-{team}", f"comment-{team}"):
            type_into(judge, name, offline_values[name])
        expect(judge.locator("#sheet-save-state")).to_have_text(form.get_attribute("data-msg-offline"))
        assert judge.evaluate("navigator.onLine") is False
        kept = json.loads(judge.evaluate("key => localStorage.getItem(key)", storage_key))
        edits = kept["edits"]
        assert edits["scores"] == {innovation: "8.5", market: "7", team: "9"}, kept
        assert edits["comments"][market] == offline_values[f"comment-{market}"], kept
        assert edits["comments"][team] == offline_values[f"comment-{team}"], kept
        assert len(saves) == saved_online, f"a save went through while offline: {saves[saved_online:]}"
    finally:
        judge.context.set_offline(False)

    # Back online, the sheet sends what it kept; a reload shows every keystroke, from the server.
    expect_saved(judge, timeout=RESEND_TIMEOUT_MS)
    resent = saves[saved_online:]
    assert resent and resent[-1]["scores"] == edits["scores"] and resent[-1]["comments"] == edits["comments"], resent
    judge.reload(wait_until="load")
    expect_values(judge, {**online_values, **offline_values, "overall-comment": ""})
    expect(judge.locator("#sheet-save-state")).not_to_have_text(form.get_attribute("data-msg-restored"))
    expect(judge.locator("#live-total")).to_have_text("8.2")  # 0.4 × 8.5 + 0.3 × 7 + 0.3 × 9
    expect(judge.locator("#sheet-status")).to_have_text("Draft")

    # The organiser watches the board: one sheet expected, none submitted yet.
    organiser = new_page("en-US")
    organiser_trouble = watch_for_trouble(organiser)
    log_in(organiser, world.organiser_email, world.password)
    board_url = f"/organize/{world.slug}/rounds/{world.round_id}/progress"
    organiser.goto(board_url)
    judge_row = organiser.locator(f'#judge-progress tr[data-judge-id="{world.judge_id}"]')
    expect(organiser.locator('[data-total="submitted"]')).to_have_text("0")
    expect(organiser.locator('[data-total="expected"]')).to_have_text("1")
    expect(judge_row.locator('[data-field="draft"]')).to_have_text("1")
    expect(judge_row.locator('[data-field="submitted"]')).to_have_text("0")

    # The judge finishes and submits: the sheet is locked, with the server's total.
    type_into(judge, "overall-comment", "Fund it.")
    judge.once("dialog", lambda dialog: dialog.accept())
    judge.locator("#sheet-submit").click()
    expect(judge.locator("#sheet-submitted")).to_be_visible()
    expect(judge.locator("#sheet-status")).to_have_text("Submitted")
    expect(judge.locator("#server-total")).to_have_text("8.2")
    expect(judge.locator("#sheet-form")).to_have_count(0)
    expect(judge.locator("#score-sheet .sheet-score")).to_have_text(["8.5", "7", "9"])

    # The board moves.
    organiser.reload()
    expect(organiser.locator('[data-total="submitted"]')).to_have_text("1")
    expect(judge_row.locator('[data-field="submitted"]')).to_have_text("1")
    expect(judge_row.locator('[data-field="draft"]')).to_have_text("0")

    # The organiser opens the project's sheets and unlocks the judge's, with a reason.
    organiser.locator(f'#project-progress tr[data-project-id="{world.assigned_id}"] a').click()
    expect(organiser).to_have_url(re.compile(rf"{re.escape(board_url)}/projects/{world.assigned_id}$"))
    card = organiser.locator(f'#main section[data-judge-id="{world.judge_id}"]')
    expect(card.locator("[data-sheet-status]")).to_have_text("Submitted")
    expect(card.locator("[data-sheet-total]")).to_have_text("8.2")
    unlock = card.locator('form[action$="/unlock"]')
    unlock.locator('[name="reason"]').fill(UNLOCK_REASON)
    unlock.locator('button[type="submit"]').click()
    expect(organiser).to_have_url(re.compile(rf"{re.escape(board_url)}/projects/{world.assigned_id}$"))
    expect(organiser.get_by_role("alert")).to_contain_text("is open again")
    expect(card.locator("[data-sheet-status]")).to_have_text("Draft")
    expect(card).to_contain_text(UNLOCK_REASON)
    expect(card.locator('form[action$="/unlock"]')).to_have_count(0)
    organiser.goto(board_url)
    expect(organiser.locator('[data-total="submitted"]')).to_have_text("0")

    # The judge reloads: the sheet is open again, says why, keeps every value and saves changes.
    judge.reload(wait_until="load")
    expect(judge.locator("#sheet-unlocked")).to_contain_text(UNLOCK_REASON)
    expect(judge.locator("#sheet-status")).to_have_text("Draft")
    expect_values(judge, {**online_values, **offline_values, "overall-comment": "Fund it."})
    for name in (f"score-{innovation}", f"score-{market}", f"comment-{market}", "overall-comment"):
        expect(sheet_field(judge, name)).to_be_editable()
    expect(judge.locator("#sheet-submit")).to_be_enabled()
    sheet_field(judge, f"score-{market}").fill("6")
    expect_saved(judge)
    expect(judge.locator("#live-total")).to_have_text("7.9")

    assert not judge_trouble, judge_trouble
    assert not organiser_trouble, organiser_trouble
