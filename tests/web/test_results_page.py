"""The organisers' results page of a round: the ranking, previewing another method without saving,
saving it (CSRF), the track filter and per-track rankings, the drill-down, the charts, and that
nobody but the contest's organisers gets any of it."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from roadshow.extensions import db
from roadshow.models import (
    Application, ApplicationMember, Contest, ResultSettings, Round, ScoreSheet, SheetSource, User,
)
from roadshow.services import result_settings
from roadshow.web.result_charts import JudgeBar, ProjectTotals, distribution_chart, harshness_chart
from tests.helpers import create_user, csrf_token, login, make_contest
from tests.services.test_results import JUDGES, trim_world

EVIL = "<script>alert(1)</script>"


@pytest.fixture
def world(app):
    return trim_world(app)


@pytest.fixture
def organiser(client, world):
    login(client, "org@example.com")
    return client


def base(world, slug="demo"):
    return f"/organize/{slug}/rounds/{world.round_id}/results"


def ranking_order(html: str, table_id: str = "ranking") -> list[int]:
    start = html.index(f'id="{table_id}"')
    table = html[start:html.index("</table>", start)]
    return [int(found) for found in re.findall(r'data-project-id="(\d+)"', table)]


def settings_rows(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(ResultSettings))


def stored_aggregation(app, world):
    with app.app_context():
        return result_settings.values_of(result_settings.settings_for(db.session.get(Round, world.round_id)))["aggregation"]


def track_ids(app, world) -> list[int]:
    with app.app_context():
        return [t.id for t in db.session.get(Contest, world.setup.contest_id).tracks]


# -- the ranking and the preview -------------------------------------------------------------------

def test_organiser_sees_the_ranking_with_its_parts(app, organiser, world):
    page = organiser.get(base(world))
    assert page.status_code == 200
    assert page.headers["Cache-Control"] == "no-store"
    html = page.get_data(as_text=True)
    # default: trimmed mean (k=1): the extreme 10 is dropped and Project 2 leads
    assert ranking_order(html) == [world.project(1), world.project(0), world.project(2)]
    assert "Project 1" in html and "Medical devices" in html
    row = html[html.index(f'data-project-id="{world.project(0)}"'):]
    row = row[:row.index("</tr>")]
    assert ">6.80<" in row and ">6.00<" in row  # raw mean and aggregate
    assert 'data-field="rank_interval"' in row and 'data-field="p_top_n"' in row
    assert 'id="flag-legend"' in html and "Disagreement: re-review suggested" in html
    assert 'id="kendalls-w"' in html and 'id="icc"' in html
    assert all(f'data-judge-id="{world.judge(email)}"' in html for email in JUDGES)
    assert html.count("<svg") == 2 and 'class="result-chart chart-distribution"' in html
    assert f'/results/sheets/{world.project(0)}"' in html
    assert settings_rows(app) == 0  # reading the page stores nothing


def test_preview_with_the_mean_changes_the_ranking_without_saving(app, organiser, world):
    page = organiser.get(base(world) + "?preview=1&aggregation=mean")
    assert page.status_code == 200 and page.headers["Cache-Control"] == "no-store"
    html = page.get_data(as_text=True)
    assert ranking_order(html) == [world.project(0), world.project(1), world.project(2)]
    assert 'id="preview-notice"' in html and 'id="save-form"' in html
    assert 'id="no-lot-warning"' not in html
    assert settings_rows(app) == 0
    html = organiser.get(base(world) + "?preview=1&tie_breaks=aggregate,median").get_data(as_text=True)
    assert 'id="no-lot-warning"' in html
    # back to trimmed mean explicitly
    html = organiser.get(base(world) + "?preview=1&aggregation=trimmed_mean&trim=1").get_data(as_text=True)
    assert ranking_order(html) == [world.project(1), world.project(0), world.project(2)]


def test_bad_preview_values_are_422_and_show_the_saved_ranking(app, organiser, world):
    page = organiser.get(base(world) + "?preview=1&aggregation=mean&trim=9&tie_breaks=nonsense")
    assert page.status_code == 422
    html = page.get_data(as_text=True)
    assert "invalid-feedback" in html and 'id="save-form"' not in html
    assert ranking_order(html) == [world.project(1), world.project(0), world.project(2)]


def _save_data(**changes):
    data = {"aggregation": "mean", "fallback": "mean", "normalise": "0", "trim": "1", "normalise_min_projects": "5",
            "tie_breaks": "aggregate, median, lot", "lot_seed": "0", "top_n": "2", "disagreement_threshold": "",
            "bootstrap_resamples": "100", "bootstrap_seed": "0"}
    data.update(changes)
    return data


def test_saving_stores_the_method(app, organiser, world):
    token = csrf_token(organiser, base(world) + "?preview=1&aggregation=mean")
    response = organiser.post(base(world) + "/settings", data={"csrf_token": token, **_save_data()})
    assert response.status_code == 302 and response.headers["Location"].endswith(base(world))
    assert stored_aggregation(app, world) == "mean"
    html = organiser.get(base(world)).get_data(as_text=True)
    assert ranking_order(html) == [world.project(0), world.project(1), world.project(2)]


def test_saving_needs_the_csrf_token(app, organiser, world):
    response = organiser.post(base(world) + "/settings", data=_save_data())
    assert response.status_code == 400
    assert settings_rows(app) == 0


@pytest.mark.parametrize("changes", [{"trim": "9"}, {"aggregation": "max"}, {"tie_breaks": "lot, lot"},
                                     {"tie_breaks": "aggregate, <b>bold</b>"},
                                     {"bootstrap_resamples": "-3"}, {"disagreement_threshold": "x"}])
def test_saving_bad_values_is_422_and_stores_nothing(app, organiser, world, changes):
    token = csrf_token(organiser, base(world))
    response = organiser.post(base(world) + "/settings", data={"csrf_token": token, **_save_data(**changes)})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "invalid-feedback" in html and "<b>bold" not in html
    assert settings_rows(app) == 0


# -- tracks --------------------------------------------------------------------------------------

def test_per_track_rankings_and_the_track_filter(app, organiser, world):
    first, second = track_ids(app, world)
    html = organiser.get(base(world)).get_data(as_text=True)
    assert f'data-track="{first}"' in html and f'data-track="{second}"' in html
    # Projects 1 and 3 are on the first track, Project 2 on the second; ranks within a track restart at 1
    assert ranking_order(html, f"ranking-track-{first}") == [world.project(0), world.project(2)]
    assert ranking_order(html, f"ranking-track-{second}") == [world.project(1)]

    filtered = organiser.get(base(world) + f"?track={first}")
    assert filtered.status_code == 200
    html = filtered.get_data(as_text=True)
    assert ranking_order(html) == [world.project(0), world.project(2)]
    assert f'data-track="{second}"' not in html
    # the filter keeps a preview's parameters
    html = organiser.get(base(world) + f"?preview=1&aggregation=mean&track={second}").get_data(as_text=True)
    assert ranking_order(html) == [world.project(1)]
    assert 'name="track" value="%d"' % second in html


# -- drill-down ----------------------------------------------------------------------------------

def test_drill_down_shows_each_sheet(app, organiser, world):
    with app.app_context():
        sheet = db.session.get(ScoreSheet, world.sheet_ids[(JUDGES[4], 0)])
        sheet.source = SheetSource.PAPER
        sheet.comments = {str(world.setup.criteria[0]): "Far too generous? " + EVIL}
        db.session.commit()
    page = organiser.get(base(world) + f"/sheets/{world.project(0)}")
    assert page.status_code == 200 and page.headers["Cache-Control"] == "no-store"
    html = page.get_data(as_text=True)
    assert all(email in html for email in JUDGES) and "Judge5" in html
    assert 'data-source="paper"' in html and html.count('data-counted="yes"') == 5
    assert "Far too generous?" in html and EVIL not in html
    assert 'data-sheet-total>10<' in html


def test_drill_down_of_a_project_outside_the_round_is_404(app, organiser, world):
    other = make_contest(app, "other", organiser_email="org@example.com")
    from tests.application_builders import add_application
    stray = add_application(app, other, project="Stray")
    assert organiser.get(base(world) + f"/sheets/{stray}").status_code == 404
    assert organiser.get(base(world) + "/sheets/999999").status_code == 404


# -- who may see it ------------------------------------------------------------------------------

def _member(app, world):
    create_user(app, "member@example.com", name="Member")
    with app.app_context():
        user = User.by_email("member@example.com")
        db.session.add(ApplicationMember(application_id=world.project(0), user_id=user.id, is_leader=True))
        db.session.commit()


@pytest.mark.parametrize("who", ["judge1@example.com", "member@example.com", "other-org@example.com"])
def test_nobody_else_sees_results_pages(app, client, world, who):
    if who == "member@example.com":
        _member(app, world)
    if who == "other-org@example.com":
        create_user(app, who, name="Other organiser")
        make_contest(app, "theirs", organiser_email=who)
    login(client, who)
    for url in (base(world), base(world) + "?preview=1&aggregation=mean", base(world) + f"/sheets/{world.project(0)}"):
        response = client.get(url)
        assert response.status_code == 403, url
        assert "Project 2" not in response.get_data(as_text=True)
    token = csrf_token(client, "/account/")
    response = client.post(base(world) + "/settings", data={"csrf_token": token, **_save_data()})
    assert response.status_code == 403
    assert settings_rows(app) == 0


def test_anonymous_is_sent_to_log_in(app, client, world):
    for url in (base(world), base(world) + f"/sheets/{world.project(0)}"):
        response = client.get(url)
        assert response.status_code == 302 and "/login" in response.headers["Location"]
    token = csrf_token(client, "/login")
    response = client.post(base(world) + "/settings", data={"csrf_token": token, **_save_data()})
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert settings_rows(app) == 0


def test_a_round_of_another_contest_is_404(app, organiser, world):
    assert organiser.get(f"/organize/demo/rounds/{world.round_id + 999}/results").status_code == 404


# -- charts --------------------------------------------------------------------------------------

def test_a_hostile_project_name_is_escaped_in_table_and_charts(app, organiser, world):
    with app.app_context():
        db.session.get(Application, world.project(0)).project_name = EVIL
        db.session.commit()
    html = organiser.get(base(world)).get_data(as_text=True)
    assert EVIL not in html and "<script>alert" not in html
    svg = html[html.index('<svg'):html.index('</svg>')]
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in svg


def test_charts_are_plain_svg_without_scripts_or_styles():
    projects = [ProjectTotals(EVIL, [1.0, 9.5, float("nan")], 5.0), ProjectTotals('"quoted" & <b>', [], None)]
    chart = distribution_chart(projects, scale_min=0, scale_max=10, title=EVIL, axis_label="<i>")
    judges = harshness_chart([JudgeBar(EVIL, -1.5), JudgeBar("kind", 0.75), JudgeBar("inf", float("inf"))],
                             title="t", harsher="<h>", kinder="k")
    for markup in (chart, judges):
        text = str(markup)
        assert text.startswith("<svg") and text.endswith("</svg>")
        assert "<script" not in text and "style=" not in text and "<i>" not in text and "<b>" not in text
        assert "&lt;script&gt;" in text
        assert not re.search(r'="[^"]*(nan|inf)[^"]*"', text, re.IGNORECASE)  # coordinates stay finite
    assert "&#34;quoted&#34; &amp; &lt;b&gt;" in str(chart)
    bars = re.findall(r'<rect class="(chart-bar-\w+)" x="([\d.]+)" y="[\d.]+" width="([\d.]+)"', str(judges))
    assert [b[0] for b in bars] == ["chart-bar-harsh", "chart-bar-kind", "chart-bar-kind"]
    # the harsh bar ends at the zero line and is twice as long as the kind one
    assert float(bars[0][2]) == pytest.approx(2 * float(bars[1][2]), abs=0.02)
    assert float(bars[0][1]) + float(bars[0][2]) == pytest.approx(float(bars[1][1]), abs=0.02)
