"""The dashboard in a real browser: the distribution's Chromium, driven by Playwright.

One browser for the session; each test gets Baton's real app on a real port (tests/handlers/
dashboard/live.py) with the fake Slack and Zendesk, escalations routed through the signed
Zendesk webhook and the worker. Every test fails on a console error, and saves a screenshot of
each page it visits under its temporary folder.
"""

from __future__ import annotations

import dataclasses
import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import openpyxl
import pytest
import requests
from playwright.sync_api import Browser, ConsoleMessage, Page, Route, expect, sync_playwright
from sqlalchemy import select

from bot.desk.permissions import actor_for
from bot.desk.roster import load_roster
from bot.escalations import lifecycle
from bot.services import Services
from bot.store.models import Escalation
from bot.worker import Worker
from handlers.signing import sign_zendesk
from tests.fakes.slack_server import FakeSlack
from tests.fakes.zendesk_server import FakeZendesk
from tests.handlers.dashboard.conftest import WALL_TOKEN, dashboard_services
from tests.handlers.dashboard.live import LiveServer

CHROMIUM = "/usr/bin/chromium"
ROSTER = Path(__file__).parent / "fixtures" / "roster.toml"
ROOT = Path(__file__).resolve().parents[3]
WEBHOOK_SECRET = "dashboard-webhook-secret"
HOSTILE = 'Saque <script>window.__xss = 1</script><img src=x onerror="window.__xss = 2">'

pytestmark = pytest.mark.skipif(
    not Path(CHROMIUM).exists(), reason="needs the chromium package (.ci/run installs it)"
)


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    # One browser for every browser test (they are all in this module). Module-scoped, not
    # session-scoped: Playwright's sync API keeps an event loop running in this thread while
    # it is open, and the async tests that follow need the thread's loop free.
    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        yield chromium
        chromium.close()


@pytest.fixture
def live(
    database_url: str, fake_slack: FakeSlack, fake_zendesk: FakeZendesk
) -> Iterator[LiveServer]:
    def make() -> Services:
        svc = dashboard_services(database_url, fake_slack, fake_zendesk)
        settings = dataclasses.replace(svc.settings, zendesk_webhook_secret=WEBHOOK_SECRET)
        return dataclasses.replace(svc, settings=settings, roster=load_roster(ROSTER))

    with LiveServer(make).serving() as server:
        yield server


class Console:
    """The page's console errors; a test may expect one HTTP status (a refused sign-in)."""

    def __init__(self) -> None:
        self.errors: list[str] = []
        self.expected: set[int] = set()

    def __call__(self, message: ConsoleMessage) -> None:
        if message.type == "error":
            self.errors.append(message.text)

    def unexpected(self) -> list[str]:
        return [e for e in self.errors if not any(f"status of {s} " in e for s in self.expected)]


@pytest.fixture
def console() -> Console:
    return Console()


@pytest.fixture
def page(browser: Browser, live: LiveServer, console: Console) -> Iterator[Page]:
    context = browser.new_context(base_url=live.url, accept_downloads=True, locale="en-US")
    tab = context.new_page()
    tab.on("console", console)
    tab.on("pageerror", lambda err: console.errors.append(str(err)))
    yield tab
    context.close()
    assert console.unexpected() == []


def shot(page: Page, tmp_path: Path, name: str) -> None:
    page.screenshot(path=str(tmp_path / f"{name}.png"), full_page=True)


def escalate(live: LiveServer, zendesk: FakeZendesk, ticket: int, **ticket_fields: Any) -> None:
    """A ticket escalated in Zendesk, through the signed webhook, routed by the worker."""
    zendesk.add_escalation(ticket, **ticket_fields)
    body = json.dumps({"ticket_id": str(ticket), "event": "esc_senior"}).encode()
    ts = live.services.clock().strftime("%Y-%m-%dT%H:%M:%SZ")
    answer = requests.post(
        f"{live.url}/webhooks/zendesk",
        data=body,
        headers={
            "Content-Type": "application/json",
            "X-Zendesk-Webhook-Signature-Timestamp": ts,
            "X-Zendesk-Webhook-Signature": sign_zendesk(WEBHOOK_SECRET, ts, body),
        },
        timeout=10,
    )
    assert answer.status_code == 200, answer.text
    live.run(Worker(live.services).drain())


def claim(live: LiveServer, ticket: int) -> str:
    """The owner claims the escalation in Slack's stead (the same lifecycle call); their name."""

    async def go() -> str:
        services = live.services
        async with services.db.session() as s:
            esc = await s.scalar(select(Escalation).where(Escalation.ticket_id == ticket))
            assert esc is not None and esc.analyst_key
            owner = services.roster.by_key(esc.analyst_key)
            assert owner is not None
            await lifecycle.claim(
                s,
                services=services,
                actor=actor_for(services.roster, owner.slack_id),
                now=services.clock(),
                ticket_id=ticket,
            )
            return owner.name

    return live.run(go())


def wall_board(page: Page) -> None:
    page.goto("/login")
    page.fill("#token", WALL_TOKEN)
    page.click("button[type=submit]")
    expect(page.locator("h2", has_text="Open escalations")).to_be_visible()


def test_refused_without_a_session(
    page: Page, live: LiveServer, console: Console, tmp_path: Path
) -> None:
    page.goto("/")
    assert page.url == f"{live.url}/login"
    expect(page.locator("#token")).to_be_visible()
    shot(page, tmp_path, "login")
    assert requests.get(f"{live.url}/reports.xlsx", timeout=5).status_code == 401
    console.expected.add(401)  # the refused token's answer
    page.fill("#token", "not the token")
    page.click("button[type=submit]")
    expect(page.locator(".error")).to_have_text("That wall-board token is not right.")


def test_now_page_lists_escalations_and_follows_a_claim(
    page: Page, live: LiveServer, fake_zendesk: FakeZendesk, console: Console, tmp_path: Path
) -> None:
    escalate(live, fake_zendesk, 48213, subject=HOSTILE)
    escalate(live, fake_zendesk, 48214, subject="Depósito não caiu")
    escalate(
        live, fake_zendesk, 48215, subject="Movimentação atípica", tags=("esc_senior", "esc_aml")
    )
    wall_board(page)
    response = page.goto("/")
    assert response is not None
    csp = response.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "'unsafe-inline'" not in csp

    rows = page.locator("tr[data-ticket]")
    expect(rows).to_have_count(2)  # the AML case is not on the wall
    hostile = page.locator("tr[data-ticket='48213'] td.subject")
    expect(hostile).to_contain_text("<script>window.__xss = 1</script><img src=x onerror=")
    assert page.evaluate("window.__xss") is None
    assert page.locator("main img").count() == 0
    countdown = page.locator("tr[data-ticket='48214'] time.countdown")
    expect(countdown).to_have_text(re.compile(r"^\d+ (h \d+ min|min \d+ s) left$"))
    first = countdown.inner_text()
    page.wait_for_timeout(1100)
    assert countdown.inner_text() != first  # it counts down in the browser
    shot(page, tmp_path, "now")

    owner = claim(live, 48214)
    claimed = page.locator("h3", has_text="Claimed")
    expect(claimed).to_be_visible(timeout=10_000)  # the page polls its live part every 5 s
    expect(page.locator("tr[data-ticket='48214']")).to_contain_text(owner)
    shot(page, tmp_path, "now-claimed")

    page.click("a[href='/escalations/48214']")
    expect(page.locator("ol.timeline li").first).to_contain_text("escalated it")
    shot(page, tmp_path, "escalation")
    console.expected.add(404)  # the AML case's page is not there for the wall
    assert page.goto("/escalations/48215").status == 404  # type: ignore[union-attr]


def test_sign_in_with_slack_shows_compliance_to_compliance(
    page: Page, live: LiveServer, fake_slack: FakeSlack, fake_zendesk: FakeZendesk, tmp_path: Path
) -> None:
    escalate(
        live, fake_zendesk, 48216, subject="Movimentação atípica", tags=("esc_senior", "esc_aml")
    )
    fake_zendesk.add_user(id=500101, name="Marina BPO", role="agent")  # the escalating agent

    def slack_authorize(route: Route) -> None:
        # Slack's authorize page, approved by Eduarda: back to Baton with a code and the state.
        target = fake_slack.openid.authorize(route.request.url, user="U05EDU0005")
        route.fulfill(status=302, headers={"Location": target})

    page.context.route("https://slack.com/openid/connect/authorize**", slack_authorize)
    page.goto("/login")
    page.click("#slack-signin")
    expect(page.locator("header .who")).to_contain_text("Eduarda Rocha")
    assert page.url == f"{live.url}/"
    expect(page.locator("tr[data-ticket='48216']")).to_be_visible()  # compliance sees it
    assert page.locator("html").get_attribute("lang") == "pt-BR"
    shot(page, tmp_path, "now-compliance")
    page.goto("/people")
    expect(page.locator("#analysts")).to_contain_text("Eduarda Rocha")
    expect(page.locator("#agents")).to_contain_text("Marina BPO")  # her Zendesk name
    expect(page.locator("h1")).to_have_text("Analistas e agentes")  # Eduarda's pt-BR
    shot(page, tmp_path, "people")
    page.goto("/escalations/48216")
    expect(page.locator("ol.timeline li").first).to_be_visible()


def test_reports_page_matches_baton_report_and_downloads_the_workbook(
    page: Page, live: LiveServer, fake_zendesk: FakeZendesk, database_url: str, tmp_path: Path
) -> None:
    escalate(live, fake_zendesk, 48217, subject="Saque 1")
    escalate(live, fake_zendesk, 48218, subject="Saque 2", requester_id=7002)
    escalate(
        live, fake_zendesk, 48219, subject="KYC", tags=("esc_senior", "esc_kyc"), requester_id=7003
    )
    cli = subprocess.run(
        [sys.executable, "-m", "bot", "report", "--period", "week"],
        cwd=ROOT,
        env={**os.environ, "DATABASE_URL": database_url, "BATON_ROSTER": str(ROSTER)},
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    ).stdout
    wall_board(page)
    page.goto("/reports?period=week")
    headline = re.search(r"^Escalations\s+(\d+)", cli, re.M)
    assert headline, cli
    expect(page.locator("#headline tr[data-key=escalations] td").first).to_have_text(headline[1])
    for category, count in re.findall(r"^(withdrawal|kyc)\s+(\d+)", cli, re.M):
        cell = page.locator(f"#by-category tr[data-key={category}] td").first
        expect(cell).to_have_text(count)
    for chart in page.locator(".charts img").all():
        expect(chart).to_have_js_property("complete", True)
        assert chart.evaluate("img => img.naturalWidth") > 100
    shot(page, tmp_path, "reports")
    with page.expect_download() as download:
        page.click("#xlsx")
    saved = tmp_path / "report.xlsx"
    shutil.copy(download.value.path(), saved)
    summary = {
        r[0]: r[1:] for r in openpyxl.load_workbook(saved)["Summary"].iter_rows(values_only=True)
    }
    assert summary["Escalations"][0] == int(headline[1]) == 3
