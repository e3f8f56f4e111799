"""A team applies in Chinese and an organiser screens it, in a real browser over a real server.

The team fills the form (it saves itself, and a reload keeps every value), uploads a real PDF and
a real MP4 video of some 45 MB in tus chunks, loses the network in the middle of the video, gets it
back, and the upload goes on from the server's offset instead of starting again; then it submits.
The organiser finds the application, reads the PDF in the pdf.js viewer, plays the video, screens
the application in and exports the list as CSV and XLSX.

The media are made once per module: the PDF with pypdfium2, the video with the ffmpeg binary of
imageio-ffmpeg (requirements-dev.txt). The team's browser reaches the server through
:class:`FlakyLine`, a relay the test stalls in the middle of the second 8 MB chunk and then cuts,
while Playwright takes the browser offline; DevTools throttling plus ``set_offline`` cannot cut a
request already on the wire. Upload traffic is watched through Playwright's request and response
events, so the resume is checked on the wire (one creation only, then HEAD and a PATCH from the
offset the server gave, past the first chunk: what arrived of the cut chunk was kept), not only by
what the page says.
"""
from __future__ import annotations

import contextlib
import csv
import io
import re
import secrets
import socket
import struct
import subprocess
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from urllib.parse import urlencode, urlsplit

import pytest
from playwright.sync_api import expect

from tests.browser.test_journeys import log_in, new_password, register, submit, unique_email

pytestmark = pytest.mark.browser

MB = 1024 * 1024
CHUNK_SIZE = 8 * MB  # templates/team/_uploader.html
VIDEO_SECONDS = "1.2"  # at -qp 12 the noisy 720p test pattern weighs about 38 MB a second
VIDEO_MIN_BYTES, VIDEO_MAX_BYTES = 30 * MB, 60 * MB
UPLOAD_TIMEOUT_MS = 45_000
MEDIA_TIMEOUT_MS = 20_000
UPLOADS_PATH = "/api/v1/uploads/"


@dataclass(frozen=True)
class Media:
    pdf: Path
    pdf_pages: int
    video: Path


@pytest.fixture(scope="module")
def media(tmp_path_factory) -> Media:
    """A two-page PDF and a 30–60 MB H.264 MP4, made once for the module."""
    folder = tmp_path_factory.mktemp("journey-media")
    pdf = folder / "business-plan.pdf"
    _make_pdf(pdf, pages=2)
    video = folder / "pitch-video.mp4"
    _make_video(video)
    size = video.stat().st_size
    assert VIDEO_MIN_BYTES <= size <= VIDEO_MAX_BYTES, f"the generated video has {size} bytes"
    return Media(pdf=pdf, pdf_pages=2, video=video)


PAGE_SIZE = (595, 842)  # A4, in points
PAGE_COLOURS = ((200, 30, 30), (30, 60, 200))  # one filled rectangle a page, over the upper half
RECTANGLE = (50, 421, 495, 371)  # left, bottom, width, height in points (PDF y goes up)


def _make_pdf(path: Path, pages: int) -> None:
    """A PDF of ``pages`` A4 pages, each with a rectangle of its own colour (pdfium writes it)."""
    import pypdfium2 as pdfium
    import pypdfium2.raw as pdfium_c

    document = pdfium.PdfDocument.new()
    try:
        for number in range(pages):
            page = document.new_page(*PAGE_SIZE)
            rectangle = pdfium_c.FPDFPageObj_CreateNewRect(*RECTANGLE)
            pdfium_c.FPDFPageObj_SetFillColor(rectangle, *PAGE_COLOURS[number % len(PAGE_COLOURS)], 255)
            pdfium_c.FPDFPath_SetDrawMode(rectangle, pdfium_c.FPDF_FILLMODE_ALTERNATE, False)
            pdfium_c.FPDFPage_InsertObject(page.raw, rectangle)  # the page owns it now
            assert pdfium_c.FPDFPage_GenerateContent(page.raw)
            page.close()
        document.save(str(path))
    finally:
        document.close()


def canvas_colours(canvas) -> dict:
    """The colours pdf.js drew: inside the page's rectangle, and in the page's top-left margin."""
    inside = (0.5, 1 - (RECTANGLE[1] + RECTANGLE[3] / 2) / PAGE_SIZE[1])
    return canvas.evaluate("""(canvas, [inside]) => {
        const context = canvas.getContext("2d");
        const at = (fx, fy) => Array.from(context.getImageData(
            Math.floor(fx * canvas.width), Math.floor(fy * canvas.height), 1, 1).data.slice(0, 3));
        return {inside: at(inside[0], inside[1]), margin: at(0.02, 0.02)};
    }""", [inside])


def close_to(colour, expected, tolerance: int = 40) -> bool:
    return all(abs(a - b) <= tolerance for a, b in zip(colour, expected))


def _make_video(path: Path) -> None:
    imageio_ffmpeg = pytest.importorskip("imageio_ffmpeg", reason="pip install -r requirements-dev.txt")
    subprocess.run(
        [imageio_ffmpeg.get_ffmpeg_exe(), "-v", "error", "-y", "-f", "lavfi",
         "-i", "testsrc2=size=1280x720:rate=30,noise=alls=60:allf=t", "-t", VIDEO_SECONDS,
         "-c:v", "libx264", "-preset", "ultrafast", "-qp", "12", "-pix_fmt", "yuv420p",
         "-movflags", "+faststart", str(path)],
        check=True, timeout=120, capture_output=True,
    )


@dataclass
class TusTraffic:
    """Every tus request of a page and its answer, in order; ``failed`` holds the ones that died."""

    requests: list = field(default_factory=list)
    answers: dict = field(default_factory=dict)  # request -> (status, headers)
    failed: list = field(default_factory=list)

    def watch(self, page) -> None:
        page.on("request", lambda request: self._is_tus(request) and self.requests.append(request))
        page.on("response", lambda response: self._is_tus(response.request)
                and self.answers.__setitem__(response.request, (response.status, response.headers)))
        page.on("requestfailed", lambda request: self._is_tus(request) and self.failed.append(request))

    @staticmethod
    def _is_tus(request) -> bool:
        return urlsplit(request.url).path.startswith(UPLOADS_PATH) and request.method != "OPTIONS"

    def since(self, mark: int) -> list:
        return self.requests[mark:]

    def answer(self, request):
        return self.answers.get(request, (None, {}))

    def __str__(self) -> str:
        """The exchange so far, one request a line, for failure messages."""
        lines = []
        for request in self.requests:
            status, headers = self.answer(request)
            outcome = "failed: " + (request.failure or "?") if request in self.failed else f"-> {status}"
            lines.append(f"{request.method} {urlsplit(request.url).path} offset={request.headers.get('upload-offset')} "
                         f"{outcome} offset={headers.get('upload-offset')}")
        return "\n".join(lines)


def wait_until(page, condition, timeout_ms: int, what: str, context=None) -> None:
    """Poll ``condition`` (plain Python over recorded events) while Playwright keeps dispatching them."""
    deadline = time.monotonic() + timeout_ms / 1000
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout_ms} ms waiting for {what}"
                                 + (f"\n{context}" if context is not None else ""))
        page.wait_for_timeout(50)


class FlakyLine:
    """The team's network: a TCP relay in front of the live server that the test can stall (it stops
    passing the browser's bytes on after a given number), cut (it drops every connection, in the
    middle of whatever is being sent, and refuses new ones) and restore, as a failing link does.

    Chromium's offline emulation cannot do this by itself: it fails new requests only, and a request
    already on the wire either finishes or hangs, but never fails.
    """

    def __init__(self, upstream_url: str) -> None:
        parts = urlsplit(upstream_url)
        self._upstream = (parts.hostname, parts.port)
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self._listener.getsockname()[1]}"
        self._lock = threading.Lock()
        self._open: set[socket.socket] = set()
        self._all: list[socket.socket] = []
        self._budget: int | None = None  # bytes still passed on before stalling; None: no limit
        self._down = self._closed = False
        self._flowing = threading.Event()
        self._flowing.set()
        self.stalled = threading.Event()
        threading.Thread(target=self._accept, name="flaky-line", daemon=True).start()

    def stall_after(self, budget: int) -> None:
        with self._lock:
            self._budget = budget
            self.stalled.clear()

    def cut(self) -> None:
        with self._lock:
            self._down = True
            doomed, self._open = self._open, set()
        for sock in doomed:
            with contextlib.suppress(OSError):
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                sock.shutdown(socket.SHUT_RDWR)
        self._flowing.set()  # the stalled pumps wake up to closed sockets and end
        # Closed without lingering: a reset, as a dead link gives the peer. A shutdown alone sends a
        # FIN that a browser blocked writing a request body (the stalled line's window is full) may
        # not read for a long time.
        for sock in doomed:
            with contextlib.suppress(OSError):
                sock.close()

    def restore(self) -> None:
        with self._lock:
            self._down, self._budget = False, None
        self._flowing.set()

    def close(self) -> None:
        with self._lock:
            self._closed = True
        with contextlib.suppress(OSError):
            self._listener.shutdown(socket.SHUT_RDWR)  # wakes the accepting thread up
        self._listener.close()
        self.cut()
        with self._lock:
            for sock in self._all:
                sock.close()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            with self._lock:
                if self._closed:
                    client.close()
                    return
                self._all.append(client)
                down = self._down
            try:
                if down:
                    raise ConnectionRefusedError("the line is cut")
                server = socket.create_connection(self._upstream)
            except OSError:
                with contextlib.suppress(OSError):
                    client.shutdown(socket.SHUT_RDWR)
                continue
            with self._lock:
                self._all.append(server)
                self._open.update((client, server))
            for source, target, metered in ((client, server, True), (server, client, False)):
                threading.Thread(target=self._pump, args=(source, target, metered), daemon=True).start()

    def _allowed(self, wanted: int) -> int:
        with self._lock:
            if self._down:
                raise ConnectionAbortedError("the line is cut")
            if self._budget is None:
                return wanted
            allowed = min(wanted, self._budget)
            self._budget -= allowed
            if self._budget == 0:
                self._flowing.clear()
                self.stalled.set()
            return allowed

    def _pump(self, source: socket.socket, target: socket.socket, metered: bool) -> None:
        try:
            while data := source.recv(256 * 1024):
                while data:
                    allowed = self._allowed(len(data)) if metered else len(data)
                    if allowed:
                        target.sendall(data[:allowed])
                        data = data[allowed:]
                    else:
                        self._flowing.wait()
        except OSError:
            pass
        finally:
            for sock in (source, target):
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)


@pytest.fixture
def flaky_line(live_server):
    line = FlakyLine(live_server.url)
    yield line
    line.close()


def uploader(page, kind: str):
    return page.locator(f'#materials .material-kind[data-kind="{kind}"]')


def choose_file(widget, path: Path) -> None:
    """Choose ``path`` in the widget's file input, once uploader.js listens to it (it sets the widget up
    on DOMContentLoaded; a file chosen before then would be ignored)."""
    expect(widget.locator("[data-uploader]")).to_have_attribute("data-uploader-ready", "1")
    widget.locator("[data-uploader-input]").set_input_files(str(path))


def create_contest(admin, slug: str, name_zh: str, name_en: str) -> None:
    admin.goto("/admin/contests/new")
    admin.fill("#name_zh", name_zh)
    admin.fill("#name_en", name_en)
    admin.fill("#slug", slug)
    admin.select_option("#status", "open")
    admin.fill("#tracks", "医疗器械 | Medical devices\n新材料 | New materials")
    submit(admin, "/admin/contests/new")
    expect(admin).to_have_url(re.compile(rf"/organize/{slug}$"))

    admin.locator(f'#main a[href="/organize/{slug}/setup/"]').click()
    expect(admin).to_have_url(re.compile(rf"/organize/{slug}/setup/$"))
    deadline = (datetime.now() + timedelta(days=30)).replace(second=0, microsecond=0)
    form = admin.locator("#deadline-form")
    form.locator("#deadline").fill(deadline.strftime("%Y-%m-%dT%H:%M"))
    form.locator('button[type="submit"]').click()
    expect(admin).to_have_url(re.compile(rf"/organize/{slug}/setup/#form$"))
    expect(admin.get_by_role("alert")).to_contain_text("The deadline has been saved.")
    expect(admin.locator("#deadline-form #deadline")).to_have_value(deadline.strftime("%Y-%m-%dT%H:%M"))


def fill_application(page, answers: dict) -> None:
    for name, value in answers.items():
        target = page.locator(f'#application-form [name="{name}"]')
        if target.evaluate("element => element.tagName") == "SELECT":
            target.select_option(value)
        else:
            target.fill(value)


def expect_answers(page, answers: dict) -> None:
    """The form shows ``answers`` (a number as the server writes it back: 2000000 may read 2000000.00)."""
    for name, value in answers.items():
        if re.fullmatch(r"\d+", value) and name != "track_id":
            value = re.compile(rf"^{value}(\.0+)?$")
        expect(page.locator(f'#application-form [name="{name}"]')).to_have_value(value)


def upload_pdf(page, path: Path) -> None:
    choose_file(uploader(page, "business_plan"), path)
    # On success the widget reloads the page, which then lists the new material.
    expect(uploader(page, "business_plan").locator("li.material")).to_contain_text(path.name,
                                                                                  timeout=UPLOAD_TIMEOUT_MS)


def upload_video_through_an_outage(page, path: Path, traffic: TusTraffic, line: FlakyLine) -> None:
    """Upload ``path`` as the pitch video, lose the network in the middle of a chunk, get it back,
    and check on the wire that the upload went on from the server's offset."""
    size = path.stat().st_size
    widget = uploader(page, "pitch_video")
    progress = widget.locator("[data-uploader-progress]")
    status = widget.locator("[data-uploader-status]")
    retrying = widget.locator("[data-uploader]").get_attribute("data-text-retrying")
    mark = len(traffic.requests)

    line.stall_after(CHUNK_SIZE + CHUNK_SIZE // 2)  # the first chunk, and half of the second
    try:
        choose_file(widget, path)

        def on_the_wire() -> list:
            return [r for r in traffic.since(mark) if r.method == "PATCH" and traffic.answer(r)[0] is None]

        wait_until(page, lambda: line.stalled.is_set() and on_the_wire(), UPLOAD_TIMEOUT_MS,
                   "the upload to reach the middle of its second chunk", traffic)
        stored = [int(traffic.answer(r)[1]["upload-offset"]) for r in traffic.since(mark)
                  if r.method == "PATCH" and traffic.answer(r)[0] == 204]
        assert stored == [CHUNK_SIZE], f"the server should hold exactly the first chunk: {traffic}"
        in_flight = on_the_wire()
        assert len(in_flight) == 1, f"one chunk should be on its way: {traffic}"
        expect(progress).not_to_have_attribute("aria-valuenow", re.compile(r"^(0|100)$"))

        offline_mark = len(traffic.requests)
        line.cut()
        wait_until(page, lambda: in_flight[0] in traffic.failed, 10_000, "the chunk on the wire to fail", traffic)
        failed_before = len(traffic.failed)
        page.context.set_offline(True)
        # The client keeps trying, and its tries fail while the browser is offline.
        wait_until(page, lambda: any("INTERNET_DISCONNECTED" in (r.failure or "") for r in traffic.failed[failed_before:]),
                   10_000, "a retry to fail while offline", traffic)
        expect(status).to_have_text(retrying)
        expect(status).to_have_class(re.compile(r"\btext-warning\b"))
        expect(widget.locator("[data-uploader-input]")).to_be_disabled()
        assert int(progress.get_attribute("aria-valuenow")) < 100
        assert page.evaluate("navigator.onLine") is False
    finally:
        page.context.set_offline(False)
        line.restore()

    # The page reloads itself on success and lists the video.
    expect(uploader(page, "pitch_video").locator("li.material")).to_contain_text(path.name, timeout=UPLOAD_TIMEOUT_MS)

    video_requests = traffic.since(mark)
    creations = [r for r in video_requests if r.method == "POST"]
    assert len(creations) == 1, f"the video upload was created {len(creations)} times: it restarted\n{traffic}"
    created_status, created_headers = traffic.answer(creations[0])
    assert created_status == 201
    upload_path = urlsplit(created_headers["location"]).path
    assert upload_path.startswith(UPLOADS_PATH)
    assert all(urlsplit(r.url).path == upload_path for r in video_requests if r.method in ("HEAD", "PATCH"))

    # After the outage: the client asks the server for the offset (HEAD) and goes on from there.
    after_outage = traffic.since(offline_mark)
    appended = [i for i, r in enumerate(after_outage) if r.method == "PATCH" and traffic.answer(r)[0] == 204]
    assert appended, f"nothing was appended after the outage\n{traffic}"
    resumed = after_outage[appended[0]]
    resumed_at = int(resumed.headers["upload-offset"])
    heads = [r for r in after_outage[:appended[0]] if r.method == "HEAD" and traffic.answer(r)[0] == 200]
    assert heads and int(traffic.answer(heads[-1])[1]["upload-offset"]) == resumed_at, \
        f"the upload did not go on from the offset the server gave\n{traffic}"
    # The server kept what arrived of the chunk that was cut: more than the first chunk, less than two.
    assert CHUNK_SIZE < resumed_at < 2 * CHUNK_SIZE, f"resumed at {resumed_at}\n{traffic}"
    last = after_outage[appended[-1]]
    assert int(traffic.answer(last)[1]["upload-offset"]) == size, f"the upload did not end at {size}\n{traffic}"
    offsets_sent = [int(r.headers["upload-offset"]) for r in video_requests if r.method == "PATCH"]
    assert offsets_sent.count(0) == 1, f"the video was sent from its first byte more than once\n{traffic}"


def watch_for_trouble(page, *, console: bool = True) -> list[str]:
    """Collect what goes wrong on ``page``: script errors, refused requests (but those of
    :func:`_expected_refusal`) and, with ``console``, errors logged to the console (not while the
    network is down on purpose: the browser logs every connection it cannot make)."""
    trouble: list[str] = []
    page.on("pageerror", lambda error: trouble.append(f"page error: {error}"))
    if console:
        page.on("console", lambda message: message.type == "error"
                and not message.text.startswith("Failed to load resource")
                and trouble.append(f"console: {message.text}"))
    page.on("response", lambda response: response.status >= 400 and not _expected_refusal(response)
            and trouble.append(f"HTTP {response.status}: {response.request.method} {response.url}"))
    return trouble


def _expected_refusal(response) -> bool:
    """A tus upload busy with a request the line cut (the client retries: 423 is part of the protocol)."""
    path = urlsplit(response.url).path
    return path.startswith(UPLOADS_PATH) and response.status == 423


def apply_in_chinese(team, line: FlakyLine, slug: str, answers_for) -> tuple[int, dict]:
    """Open the contest through ``line``, apply, fill every required field and check it all survives
    a reload; the application's id and the answers given."""
    team.goto(f"{line.url}/contests/{slug}")  # the same cookies as the live server's: ports do not matter
    expect(team.locator("html")).to_have_attribute("lang", "zh-CN")
    submit(team, f"/contests/{slug}/apply")
    expect(team).to_have_url(re.compile(r"/applications/\d+$"))
    application_id = int(urlsplit(team.url).path.rsplit("/", 1)[1])
    form = team.locator("#application-form")
    expect(form).to_be_visible()
    team.wait_for_load_state("load")  # application-form.js, at the end of the page, listens from then on

    answers = answers_for(form.locator('[name="track_id"] option').nth(1).get_attribute("value"))
    fill_application(team, answers)
    expect(team.locator("#save-state")).to_have_text(form.get_attribute("data-msg-saved"))
    team.wait_for_function("key => localStorage.getItem(key) === null", arg=form.get_attribute("data-storage-key"))

    # Nothing typed is lost, and it comes back from the server, not from this browser's copy.
    restored = form.get_attribute("data-msg-restored")
    team.reload(wait_until="load")
    expect_answers(team, answers)
    expect(team.locator("#save-state")).not_to_have_text(restored)
    expect(team.locator("#main h1")).to_have_text(answers["project_name"])
    return application_id, answers


def submit_application(team, application_id: int) -> None:
    draft = team.locator("#application-status").inner_text()
    team.locator('#submit-form button[type="submit"]').click()
    expect(team).to_have_url(re.compile(rf"/applications/{application_id}$"))
    expect(team.locator("#main .alert-success")).to_have_count(1)
    expect(team.locator("#gaps")).to_have_count(0)
    expect(team.locator("#submit-form")).to_have_count(0)
    expect(team.locator("#application-status")).not_to_have_text(draft)


def find_application(admin, slug: str, project: str, application_id: int) -> None:
    """From the contest's page to the application, through the list's search."""
    admin.goto(f"/organize/{slug}")
    admin.locator(f'#main a[href="/organize/{slug}/applications"]').click()
    expect(admin).to_have_url(re.compile(rf"/organize/{slug}/applications$"))
    search = admin.locator('#main form[role="search"]')
    search.locator('[name="q"]').fill(project)
    search.locator('button[type="submit"]').click()
    expect(admin).to_have_url(re.compile(r"/applications\?.*q="))
    row = admin.locator("#bulk-screen-form tbody tr")
    expect(row).to_have_count(1)
    expect(row).to_contain_text("Submitted")
    row.locator(f'a[href="/organize/{slug}/applications/{application_id}"]').click()
    expect(admin.locator("#main h1")).to_have_text(project)


def read_business_plan(admin, pdf: Path, pages: int) -> None:
    """Open the PDF in the viewer: pdf.js draws each page on the canvas, colours and all."""
    admin.locator("#main table a", has_text=pdf.name).click()
    viewer = admin.locator("[data-pdf-viewer]")
    expect(viewer).to_have_attribute("data-rendered-page", "1", timeout=MEDIA_TIMEOUT_MS)
    canvas = viewer.locator("[data-pdf-canvas]")
    expect(canvas).to_be_visible()
    assert canvas.evaluate("c => c.width > 0 && c.height > c.width && c.getBoundingClientRect().width > 0")
    drawn = canvas_colours(canvas)
    assert close_to(drawn["inside"], PAGE_COLOURS[0]) and close_to(drawn["margin"], (255, 255, 255)), drawn
    expect(viewer.locator("[data-page-count]")).to_have_text(str(pages))
    expect(viewer.locator("[data-pdf-status]")).to_have_class(re.compile(r"\bd-none\b"))
    viewer.locator('[data-action="next"]').click()
    expect(viewer).to_have_attribute("data-rendered-page", "2", timeout=MEDIA_TIMEOUT_MS)
    drawn = canvas_colours(canvas)
    assert close_to(drawn["inside"], PAGE_COLOURS[1]), drawn


def play_pitch_video(admin, video_file: Path, application_id: int) -> None:
    admin.locator("#main table a", has_text=video_file.name).click()
    video = admin.locator("#main video")
    expect(video).to_have_attribute("src", re.compile(rf"/applications/{application_id}/materials/\d+/stream$"))
    video.evaluate("v => { v.muted = true; return v.play(); }")  # muted: no user gesture needed
    admin.wait_for_function("v => v.readyState >= 2 && v.currentTime > 0", arg=video.element_handle(),
                            timeout=MEDIA_TIMEOUT_MS)
    played = video.evaluate("v => ({duration: v.duration, width: v.videoWidth, height: v.videoHeight, error: v.error})")
    assert played["duration"] > 0 and played["error"] is None, played
    assert (played["width"], played["height"]) == (1280, 720), played


def screen_in(admin, reason: str) -> None:
    screen = admin.locator("#screen-form")
    screen.locator('[name="outcome"]').select_option("screened_in")
    screen.locator('[name="reason"]').fill(reason)
    screen.locator('button[type="submit"]').click()
    expect(admin.get_by_role("alert")).to_contain_text("The screening decision has been recorded.")
    expect(admin.locator("#main h1 + .badge")).to_have_text("Screened in")


def test_team_applies_in_chinese_with_a_resumed_video_and_the_organiser_screens_it(new_page, live_server, media,
                                                                                   flaky_line):
    suffix = secrets.token_hex(3)
    slug, project, reason = f"journey-{suffix}", f"智能听诊器 {suffix}", "Strong team, clear market."

    # The administrator opens a contest (and so organises it) and sets its deadline.
    admin = new_page("en-US")
    admin_trouble = watch_for_trouble(admin)
    log_in(admin, live_server.admin_email, live_server.admin_password)
    create_contest(admin, slug, f"路演大赛 {suffix}", f"Pitch Journey {suffix}")

    # A team registers in Chinese, applies, uploads its materials over a failing line and submits.
    team = new_page("zh-CN")
    team_trouble = watch_for_trouble(team, console=False)
    traffic = TusTraffic()
    traffic.watch(team)
    register(team, "星火团队", unique_email("team"), new_password())
    application_id, answers = apply_in_chinese(team, flaky_line, slug, lambda track_id: {
        "project_name": project,
        "track_id": track_id,
        "summary": "一种用于基层医院的智能电子听诊器，借助机器学习辅助诊断心肺疾病。",
        "stage": "prototype",
        "funding_sought": "2000000",
        "leader_name": "李明",
        "leader_title": "首席执行官",
        "leader_degree": "博士",
        "leader_institution": "清华大学",
        "country": "CN",
        "contact_email": f"leader-{suffix}@example.com",
    })
    upload_pdf(team, media.pdf)
    upload_video_through_an_outage(team, media.video, traffic, flaky_line)
    expect(uploader(team, "business_plan").locator("li.material")).to_have_count(1)
    expect(uploader(team, "pitch_video").locator("li.material")).to_have_count(1)
    expect_answers(team, answers)
    submit_application(team, application_id)
    assert not team_trouble, team_trouble

    # The organiser finds it, reads the business plan, watches the video and screens it in.
    find_application(admin, slug, project, application_id)
    application_url = admin.url
    read_business_plan(admin, media.pdf, media.pdf_pages)
    admin.goto(application_url)
    play_pitch_video(admin, media.video, application_id)
    admin.goto(application_url)
    screen_in(admin, reason)
    assert not admin_trouble, admin_trouble

    # And exports the list, as CSV and as XLSX.
    admin.goto(f"/organize/{slug}/applications?{urlencode({'q': project})}")
    expect(admin.locator("#bulk-screen-form tbody tr")).to_contain_text("Screened in")
    for fmt in ("csv", "xlsx"):
        header, *body = _export(admin, fmt, "en")
        mine = [dict(zip(header, row)) for row in body if project in row]
        assert len(mine) == 1, f"the {fmt} export has {len(mine)} rows for {project}: {body}"
        exported = mine[0]
        assert str(exported["ID"]) == str(application_id)
        assert exported["Status"] == "Screened in"
        assert exported["Project name"] == project
        assert exported["Team leader's institution"] == answers["leader_institution"]
        assert exported["Country or region (two-letter code)"] == "CN"
        assert str(exported["Files: Business plan"]) == "1" and str(exported["Files: Pitch video"]) == "1"
        assert exported["Screening reason"] == reason


def _export(admin, fmt: str, language: str) -> list[list]:
    """Download the list through the page's Export menu; the rows as lists of cell values."""
    admin.locator('#main [data-bs-toggle="dropdown"]').click()
    link = admin.locator(f'#main .dropdown-menu a[href*="/applications/export.{fmt}"][href*="lang={language}"]')
    with admin.expect_download() as info:
        link.click()
    download = info.value
    assert download.suggested_filename.endswith(f".{fmt}")
    body = Path(download.path()).read_bytes()
    if fmt == "csv":
        return list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    import openpyxl

    workbook = openpyxl.load_workbook(io.BytesIO(body), read_only=True)
    try:
        return [["" if value is None else value for value in row] for row in workbook.active.iter_rows(values_only=True)]
    finally:
        workbook.close()
