"""Whole user journeys in a real browser, checked by what a person sees: the address and the page.

Each journey makes its own people (unique emails), so the journeys share one server without
depending on each other's order. Selectors use ids, form actions and attributes; visible text is
matched only in English (a Chinese page is recognised by its lang attribute, the language switch,
and by not showing the English words).
"""
from __future__ import annotations

import re
import secrets
import time
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

SOCKET_TIMEOUT_MS = 10_000


def unique_email(kind: str) -> str:
    return f"{kind}-{secrets.token_hex(4)}@example.com"


def new_password() -> str:
    return "pw-" + secrets.token_hex(8)


def path_of(page) -> str:
    return urlsplit(page.url).path


def submit(page, action: str):
    """Click the submit button of the main content's form posting to ``action``."""
    page.locator(f'#main form[action="{action}"] button[type="submit"]').click()


def language_button(page, code: str):
    return page.locator(f'footer form[action="/account/language"] button[name="locale"][value="{code}"]')


def logout_button(page):
    return page.locator('nav form[action="/logout"] button[type="submit"]')


def expect_english(page) -> None:
    """The page is in English: marked so, and the footer switch shows English as the current language."""
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(language_button(page, "en")).to_have_attribute("aria-current", "true")
    expect(language_button(page, "zh_CN")).not_to_have_attribute("aria-current", "true")
    expect(page.locator('nav a.nav-link[href="/"]')).to_have_text("Contests")


def expect_chinese(page) -> None:
    """The page is in Chinese: marked so, the footer switch says so, and the nav is translated."""
    expect(page.locator("html")).to_have_attribute("lang", "zh-CN")
    expect(language_button(page, "zh_CN")).to_have_attribute("aria-current", "true")
    expect(language_button(page, "en")).not_to_have_attribute("aria-current", "true")
    expect(page.locator('nav a.nav-link[href="/"]')).not_to_have_text("Contests")


def register(page, name: str, email: str, password: str) -> None:
    page.goto("/register")
    page.fill("#display_name", name)
    page.fill("#email", email)
    page.fill("#password", password)
    page.fill("#confirm", password)
    submit(page, "/register")
    expect(page).to_have_url(re.compile(r"/dashboard$"))


def log_in(page, email: str, password: str) -> None:
    page.goto("/login")
    page.fill("#email", email)
    page.fill("#password", password)
    submit(page, "/login")
    expect(page).to_have_url(re.compile(r"/dashboard$"))


def open_with_user_socket(page, url: str) -> None:
    """Open ``url`` and wait until its /user Socket.IO channel is connected (and so in the user's room).

    The frame listener is attached inside the "websocket" handler, before any frame can be
    dispatched, so the server's namespace acknowledgement ("40/user,{...}") cannot slip by.
    """
    acknowledged = []

    def watch(socket):
        if "/socket.io/" in socket.url:
            socket.on("framereceived", lambda payload: isinstance(payload, str) and payload.startswith("40/user,")
                      and acknowledged.append(payload))

    page.on("websocket", watch)
    try:
        page.goto(url)
        deadline = time.monotonic() + SOCKET_TIMEOUT_MS / 1000
        while not acknowledged and time.monotonic() < deadline:
            page.wait_for_timeout(50)
    finally:
        page.remove_listener("websocket", watch)
    assert acknowledged, f"the /user socket of {url} was not connected within {SOCKET_TIMEOUT_MS} ms"


def test_team_registers_switches_to_english_and_the_account_keeps_it(new_page):
    name, email, password = "Team Aurora", unique_email("team"), new_password()
    page = new_page("zh-CN")

    register(page, name, email, password)
    expect(page.locator("nav").get_by_role("link", name=name)).to_be_visible()
    expect(logout_button(page)).to_be_visible()
    expect_chinese(page)

    language_button(page, "en").click()
    expect(page).to_have_url(re.compile(r"/dashboard\??$"))
    expect_english(page)
    expect(logout_button(page)).to_have_text("Log out")
    expect(page.locator("#main h1")).to_have_text("My contests")

    logout_button(page).click()
    expect(page).to_have_url(re.compile(r"/$"))
    expect(page.get_by_role("alert")).to_contain_text("You have been logged out on every device.")
    expect(page.locator('nav a[href="/login"]')).to_be_visible()
    expect(logout_button(page)).to_have_count(0)

    # A browser that never chose a language, and asks for Chinese: the account's choice wins.
    elsewhere = new_page("zh-CN")
    elsewhere.goto("/login")
    expect_chinese(elsewhere)
    log_in(elsewhere, email, password)
    expect_english(elsewhere)
    expect(logout_button(elsewhere)).to_have_text("Log out")
    expect(elsewhere.locator("#main h1")).to_have_text("My contests")
    expect(elsewhere.locator("nav").get_by_role("link", name=name)).to_be_visible()


def test_admin_creates_a_contest_and_invites_a_judge_who_joins_once(new_page, live_server):
    suffix = secrets.token_hex(3)
    slug = f"medtech-{suffix}"
    name_zh, name_en = f"医疗创新大赛 {suffix}", f"Medical Innovation Contest {suffix}"
    judge_email, judge_password = unique_email("judge"), new_password()

    admin = new_page("en-US")
    log_in(admin, live_server.admin_email, live_server.admin_password)
    admin.goto("/admin/contests/new")
    admin.fill("#name_zh", name_zh)
    admin.fill("#name_en", name_en)
    admin.fill("#slug", slug)
    admin.select_option("#timezone", "Europe/Berlin")
    admin.select_option("#status", "open")
    admin.fill("#tracks", "医疗器械 | Medical devices\n新材料 | New materials")
    submit(admin, "/admin/contests/new")

    expect(admin).to_have_url(re.compile(rf"/organize/{slug}$"))
    expect(admin.get_by_role("alert")).to_contain_text("The contest has been created.")
    expect(admin.locator("#main h1")).to_have_text(name_en)
    expect(admin.locator("#main")).to_contain_text("Time zone: Europe/Berlin")

    invite = admin.locator("#invite-form")
    invite.locator("#email").fill(judge_email)
    invite.locator("#role").select_option("judge")
    invite.locator("#locale").select_option("en")
    invite.locator('button[type="submit"]').click()
    expect(admin).to_have_url(re.compile(rf"/organize/{slug}$"))
    expect(admin.get_by_role("alert")).to_contain_text(f"An invitation has been sent to {judge_email}.")
    expect(admin.locator("#main table tr", has_text=judge_email)).to_contain_text("Judge")

    admin.goto("/admin/outbox")
    newest = admin.locator("#main table tbody tr").first
    expect(newest).to_contain_text(judge_email)
    newest.locator("a").click()
    expect(admin).to_have_url(re.compile(r"/admin/outbox/\d+$"))
    expect(admin.locator("#main h1")).to_contain_text(name_en)
    link = admin.locator('pre.email-body a[href*="/invitations/"]')
    expect(link).to_have_count(1)
    invitation_url = link.get_attribute("href")
    assert urlsplit(invitation_url).netloc == urlsplit(live_server.url).netloc

    judge = new_page("en-US")
    judge.goto(invitation_url)
    expect(judge.locator("#main")).to_contain_text(f"You are invited to {name_en} as Judge.")
    expect(judge.locator("#main")).to_contain_text(f"Invitation for {judge_email}.")
    judge.fill("#display_name", "Dr. Judge")
    judge.fill("#password", judge_password)
    judge.fill("#confirm", judge_password)
    judge.locator('#main form button[type="submit"]').click()

    expect(judge).to_have_url(re.compile(r"/judge/$"))
    expect(judge.get_by_role("alert")).to_contain_text(f"Welcome, you have joined {name_en}.")
    card = judge.locator(".judge-contest", has_text=name_en)
    expect(card).to_have_count(1)
    expect(card).to_contain_text("Medical devices")
    expect(judge.locator('nav a[href="/judge/"]')).to_be_visible()

    response = judge.goto(invitation_url)
    assert response is not None and response.status == 410
    expect(judge.locator("#main .display-4")).to_have_text("410")
    expect(judge.locator("#main h1")).to_have_text("Link expired")
    expect(judge.locator("#main .lead")).to_contain_text("already used")
    expect(judge.locator("#main form")).to_have_count(0)

    admin.goto(f"/organize/{slug}")
    member = admin.locator("#main table tr", has_text=judge_email)
    expect(member).to_have_count(1)
    expect(member).to_contain_text("Dr. Judge")
    expect(admin.locator("#main")).to_contain_text("No pending invitations.")


def test_logging_out_in_one_browser_ends_the_session_in_the_other(new_page):
    name, email, password = "Team Borealis", unique_email("team"), new_password()
    laptop = new_page("en-US")
    register(laptop, name, email, password)

    phone = new_page("en-US")
    log_in(phone, email, password)
    open_with_user_socket(phone, "/dashboard")
    expect(logout_button(phone)).to_be_visible()

    logout_button(laptop).click()
    expect(laptop).to_have_url(re.compile(r"/$"))
    expect(laptop.get_by_role("alert")).to_contain_text("You have been logged out on every device.")

    # The page still open on the phone is told by its socket and goes to the login form by itself.
    phone.wait_for_url(re.compile(r"/login(\?.*)?$"), timeout=SOCKET_TIMEOUT_MS)
    expect(phone.locator("#email")).to_be_visible()
    expect(logout_button(phone)).to_have_count(0)

    # And any further navigation on the phone is refused by the server.
    again = phone.context.new_page()
    again.goto("/dashboard")
    assert path_of(again) == "/login"
    expect(again.get_by_role("alert")).to_contain_text("Please log in to continue.")
    expect(again.locator('nav a[href="/login"]')).to_be_visible()

