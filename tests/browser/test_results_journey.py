"""From the judges' sheets to published results, in a real browser over a real server.

The organiser opens the round's results, ranked by the saved method (the mean), previews the
trimmed mean and sees another project lead, and saves it. On the publication page, a cut after
two projects splits a tie, and the page says so before anything moves; the organiser widens the
cut to three and confirms it. They take a sealed snapshot and publish it with the score as the
only optional public field. An anonymous visitor's results page shows exactly rank, project and
score and the snapshot's content hash; the team member's own page shows their rank and the
judges' comments as Judge A to E, without the judges' names. The XLSX workbook and the PDF report
of the published snapshot download and open, the Chinese contest name readable in the PDF.

The contest and its sheets are built in the server's database by tests/browser/results_world.py;
every step after that goes through the pages.
"""
from __future__ import annotations

import io
import re

import pypdfium2
import pytest
from openpyxl import load_workbook
from playwright.sync_api import expect
from sqlalchemy import select

from roadshow.extensions import db
from roadshow.models import RoundEntry
from tests.browser.results_world import (
    JUDGE_NAMES, TEAM_PROJECT, comment_of, make_results_world, overall_of,
)
from tests.browser.review_world import server_app
from tests.browser.test_application_journey import watch_for_trouble
from tests.browser.test_journeys import log_in

pytestmark = pytest.mark.browser

HASH = re.compile(r"^[0-9a-f]{64}$")


@pytest.fixture
def world(live_server):
    return make_results_world(live_server)


def ranking_ids(page, count: int, table: str = "#ranking") -> list[int]:
    """The project ids of a ranking table, in order, once all ``count`` rows are there."""
    rows = page.locator(f"{table} tbody tr[data-project-id]")
    expect(rows).to_have_count(count)
    return [int(value) for value in rows.evaluate_all("rows => rows.map(r => r.dataset.projectId)")]


def expect_first_row(page, project_id: int, aggregate: str) -> None:
    first = page.locator("#ranking tbody tr").first
    expect(first).to_have_attribute("data-project-id", str(project_id))
    expect(first).to_have_attribute("data-rank", "1")
    expect(first.locator('[data-field="aggregate"]')).to_have_text(aggregate)


def flash(page, text: str):
    return page.get_by_role("alert").filter(has_text=text)


def switch_to_trimmed_mean(organiser, world) -> None:
    """The saved mean ranks Project 1 first; the previewed trimmed mean ranks Project 2 first and
    ties Projects 1 and 3; saving keeps it."""
    p1, p2, p3, p4 = world.projects
    results_url = f"/organize/{world.slug}/rounds/{world.round_id}/results"
    organiser.goto(results_url)
    form = organiser.locator("#method-form")
    expect(form.locator('[name="aggregation"]')).to_have_value("mean")
    expect_first_row(organiser, p1, "6.80")
    assert ranking_ids(organiser, 4) == [p1, p2, p3, p4]
    expect(organiser.locator("#preview-notice")).to_have_count(0)

    form.locator('[name="aggregation"]').select_option("trimmed_mean")
    expect(form.locator('[name="trim"]')).to_have_value("1")
    form.locator('button[name="preview"]').click()
    expect(organiser).to_have_url(re.compile(r"[?&]preview=1(&|$)"))
    expect(organiser).to_have_url(re.compile(r"[?&]aggregation=trimmed_mean(&|$)"))
    expect(organiser.locator("#preview-notice")).to_contain_text("not saved")
    expect_first_row(organiser, p2, "6.50")
    assert ranking_ids(organiser, 4)[1:] in ([p1, p3, p4], [p3, p1, p4])
    for tied in (p1, p3):
        row = organiser.locator(f'#ranking tr[data-project-id="{tied}"]')
        expect(row).to_have_attribute("data-rank", "2")
        expect(row.locator('[data-field="aggregate"]')).to_have_text("6.00")
    expect(organiser.locator("#no-lot-warning")).to_be_visible()  # the chain leaves ties as they are

    organiser.locator('#save-form button[type="submit"]').click()
    expect(organiser).to_have_url(re.compile(re.escape(results_url) + "$"))
    expect(flash(organiser, "The results method has been saved.")).to_be_visible()
    expect(organiser.locator("#method-form [name='aggregation']")).to_have_value("trimmed_mean")
    expect(organiser.locator("#preview-notice")).to_have_count(0)
    expect_first_row(organiser, p2, "6.50")


def preview_cut(organiser, world, n: int) -> None:
    form = organiser.locator("#advance-form")
    form.locator('[name="mode"]').select_option("top_overall")
    form.locator('[name="n"]').fill(str(n))
    form.locator('[name="to_round"]').select_option(str(world.final_id))
    form.locator('button[type="submit"]').click()
    expect(organiser.locator("#advance-preview")).to_be_visible()
    expect(organiser.locator("#preview-projects li")).to_have_count(n)


def advance_past_the_tie(organiser, world, server) -> None:
    """A cut after two splits the tie of Projects 1 and 3, and the page warns; a cut after three
    does not, and the organiser confirms it."""
    p1, p2, p3, p4 = world.projects
    publication_url = f"/organize/{world.slug}/rounds/{world.round_id}/publication"
    organiser.get_by_role("link", name="Advance and publish").click()
    expect(organiser).to_have_url(re.compile(re.escape(publication_url) + "$"))
    expect(organiser.locator("#not-published")).to_be_visible()
    assert [int(i) for i in organiser.locator("#ranking tbody tr").evaluate_all(
        "rows => rows.map(r => r.dataset.applicationId)")][0] == p2

    preview_cut(organiser, world, 2)
    tie = organiser.locator('#advance-preview .cut-warning[data-kind="tie"]')
    expect(tie).to_have_count(1)
    expect(tie).to_contain_text("splits a tie")
    expect(tie).to_contain_text("share rank 2")
    for name in ("Project 1", "Project 3"):
        expect(tie).to_contain_text(name)
    with server_app(server) as app, app.app_context():  # nothing moved yet
        assert db.session.scalar(select(RoundEntry.id).where(RoundEntry.round_id == world.final_id)) is None

    preview_cut(organiser, world, 3)
    preview = organiser.locator("#advance-preview")
    expect(preview.locator(".cut-warning")).to_have_count(0)
    expect(preview).to_contain_text("No tie or uncertain rank at this cut.")
    picked = preview.locator("#preview-projects li").evaluate_all("items => items.map(i => i.dataset.applicationId)")
    assert sorted(int(i) for i in picked) == sorted([p1, p2, p3])
    preview.locator('button[type="submit"]').click()
    expect(organiser).to_have_url(re.compile(re.escape(publication_url) + "$"))
    expect(flash(organiser, "3 project(s) advanced to Final.")).to_be_visible()
    expect(organiser.locator("#advance-preview")).to_have_count(0)
    with server_app(server) as app, app.app_context():
        entered = db.session.execute(select(RoundEntry.application_id, RoundEntry.reason)
                                     .where(RoundEntry.round_id == world.final_id)).all()
    assert sorted(entered) == sorted((p, "Top 3 overall") for p in (p1, p2, p3))
    assert p4 not in {e[0] for e in entered}


def snapshot_and_publish(organiser) -> str:
    """Seal the ranking and publish it with the score as the only optional field; its content hash."""
    organiser.locator('form[action$="/publication/snapshots"] button[type="submit"]').click()
    expect(flash(organiser, "Snapshot #1 taken.")).to_be_visible()
    snapshots = organiser.locator("#snapshots tbody tr")
    expect(snapshots).to_have_count(1)
    expect(snapshots.first).to_contain_text("Intact")
    digest = snapshots.first.locator("code.content-hash").inner_text().strip()
    assert HASH.match(digest), digest
    snapshot_id = snapshots.first.get_attribute("data-snapshot-id")

    form = organiser.locator('form[action$="/publication/publish"]')
    form.locator('[name="snapshot_id"]').select_option(snapshot_id)
    fields = {value: form.locator(f'input[name="public_fields"][value="{value}"]')
              for value in ("team", "track", "score")}
    fields["team"].uncheck()
    fields["track"].uncheck()
    fields["score"].check()
    form.locator('button[type="submit"]').click()
    expect(flash(organiser, "Results published (snapshot #1")).to_be_visible()
    current = organiser.locator("#current-publication")
    expect(current.locator("code.content-hash")).to_have_text(digest)
    expect(current).to_contain_text("Public fields: rank, project, score")
    expect(organiser.locator("#not-published")).to_have_count(0)
    return digest


def check_public_page(visitor, world, digest: str) -> None:
    p1, p2, p3, p4 = world.projects
    visitor.goto(f"/contests/{world.slug}/results/{world.round_id}")
    table = visitor.locator("#public-ranking")
    expect(table.locator("thead th")).to_have_count(3)
    assert table.locator("thead th").evaluate_all("cells => cells.map(c => c.dataset.field)") == [
        "rank", "project", "score"]
    expect(table.locator("thead th")).to_have_text(["Rank", "Project", "Score"])
    rows = table.locator("tbody tr")
    expect(rows).to_have_count(4)
    expect(rows.nth(0).locator("td")).to_have_text(["1", "Project 2", "6.50"])
    expect(rows.nth(3).locator("td")).to_have_text(["4", "Project 4", "4.00"])
    tied = sorted(tuple(rows.nth(i).locator("td").all_inner_texts()) for i in (1, 2))
    assert tied == [("2", "Project 1", "6.00"), ("2", "Project 3", "6.00")], tied
    expect(visitor.locator("code.content-hash")).to_have_text(digest)
    body = visitor.locator("#main").inner_text()
    for hidden in ("Leader 1", "Leader 2", "Medical devices", "New materials", "6.80", *JUDGE_NAMES):
        assert hidden not in body, hidden


def check_team_page(team, world, digest: str) -> None:
    """The team member follows the public page's link to their own result and the comments."""
    team.goto(f"/contests/{world.slug}/results/{world.round_id}")
    expect(team.locator("#public-ranking thead th")).to_have_count(3)
    own_url = f"/contests/{world.slug}/results/{world.round_id}/applications/{world.projects[TEAM_PROJECT]}"
    team.locator(f'a[href="{own_url}"]').click()
    expect(team).to_have_url(re.compile(re.escape(own_url) + "$"))
    expect(team.locator("h1")).to_have_text("Project 1")
    expect(team.locator('#team-result [data-field="rank"]')).to_have_text("2 of 4")
    expect(team.locator('#team-result [data-field="score"]')).to_have_text("6.00")
    expect(team.locator("code.content-hash")).to_have_text(digest)
    cards = team.locator("section.judge-comments")
    expect(cards).to_have_count(len(JUDGE_NAMES))
    expect(cards.locator("h3")).to_have_text([f"Judge {mark}" for mark in "ABCDE"])
    for judge in range(len(JUDGE_NAMES)):
        expect(cards.nth(judge)).to_contain_text(comment_of(judge, TEAM_PROJECT))
        expect(cards.nth(judge)).to_contain_text(overall_of(judge, TEAM_PROJECT))
    body = team.locator("#main").inner_text()
    for hidden in (*JUDGE_NAMES, *world.judge_emails, "Project 2: clear pitch"):
        assert hidden not in body, hidden
    other = f"/contests/{world.slug}/results/{world.round_id}/applications/{world.projects[1]}"
    assert team.context.request.get(other).status == 404  # another team's result is not theirs


def download(page, link, tmp_path) -> bytes:
    with page.expect_download() as caught:
        link.click()
    file = caught.value
    assert file.failure() is None, file.failure()
    target = tmp_path / file.suggested_filename
    file.save_as(target)
    return target.read_bytes()


def check_downloads(organiser, world, digest: str, tmp_path) -> None:
    """The published snapshot's workbook and report, from the result-files page, open."""
    organiser.goto(f"/organize/{world.slug}/rounds/{world.round_id}/results")
    organiser.get_by_role("link", name="Exports and paper sheets").click()
    expect(organiser).to_have_url(re.compile(rf"/rounds/{world.round_id}/result-files$"))
    published = organiser.locator("#snapshot-files tbody tr").filter(has_text="Published")
    expect(published).to_have_count(1)
    expect(published.locator("code")).to_have_text(digest)

    workbook = load_workbook(io.BytesIO(download(organiser, published.get_by_role("link", name="XLSX"), tmp_path)),
                             read_only=True)
    try:
        assert workbook.sheetnames[:2] == ["Ranking", "Score matrix"], workbook.sheetnames
        assert {"Flags", "Method"} <= set(workbook.sheetnames), workbook.sheetnames
        ranking = list(workbook["Ranking"].iter_rows(values_only=True))
        assert len(ranking) == 1 + len(world.projects)
        assert ranking[1][1] == world.projects[1] and ranking[1][2] == "Project 2", ranking[1]
        method = {row[0]: row[1] for row in workbook["Method"].iter_rows(values_only=True) if row}
        assert method["aggregation"] == "trimmed_mean" and method["content_hash"] == digest, method
    finally:
        workbook.close()

    data = download(organiser, published.get_by_role("link", name="PDF"), tmp_path)
    assert data.startswith(b"%PDF")
    document = pypdfium2.PdfDocument(data)
    try:
        assert len(document) >= 1
        first = document[0].get_textpage().get_text_range()
        every = "".join(document[i].get_textpage().get_text_range() for i in range(len(document)))
    finally:
        document.close()
    assert world.contest_name_zh in first, first[:300]
    assert digest in re.sub(r"\s", "", every)


def test_organiser_ranks_advances_and_publishes_and_the_public_and_the_team_see_it(new_page, world, live_server,
                                                                                    tmp_path):
    organiser = new_page("en-US")
    organiser_trouble = watch_for_trouble(organiser)
    log_in(organiser, world.organiser_email, world.password)

    switch_to_trimmed_mean(organiser, world)
    advance_past_the_tie(organiser, world, live_server)
    digest = snapshot_and_publish(organiser)

    visitor = new_page("en-US")
    visitor_trouble = watch_for_trouble(visitor)
    check_public_page(visitor, world, digest)

    team = new_page("en-US")
    team_trouble = watch_for_trouble(team)
    log_in(team, world.team_email, world.password)
    check_team_page(team, world, digest)

    check_downloads(organiser, world, digest, tmp_path)

    assert not organiser_trouble, organiser_trouble
    assert not visitor_trouble, visitor_trouble
    assert not team_trouble, team_trouble
