"""Signing in to the dashboard over HTTP: the wall-board token (form and bearer), Sign in with
Slack against the fake's OpenID endpoints, CSRF, rate-limited failures, the security headers."""

from __future__ import annotations

import dataclasses
import re
from typing import Any
from urllib.parse import parse_qs, urlsplit

from aiohttp.test_utils import TestClient

from bot.app import SERVICES
from bot.dashboard.sessions import MAX_FAILURES
from tests.fakes.slack_server import FakeSlack
from tests.handlers.dashboard.conftest import CLIENT_ID, WALL_TOKEN

HTML = {"Accept": "text/html"}


async def csrf_of(client: TestClient[Any, Any]) -> str:
    page = await (await client.get("/login", headers=HTML)).text()
    found = re.search(r'name="csrf" value="([^"]+)"', page)
    assert found, page
    return found[1]


async def test_pages_refuse_without_a_session(client: TestClient[Any, Any]) -> None:
    answer = await client.get("/", headers=HTML, allow_redirects=False)
    assert answer.status == 303 and answer.headers["Location"] == "/login"
    assert (await client.get("/now/live")).status == 401
    assert (await client.get("/reports.xlsx")).status == 401


async def test_token_form_signs_in_read_only_with_secure_cookie(
    client: TestClient[Any, Any],
) -> None:
    csrf = await csrf_of(client)
    answer = await client.post(
        "/login", data={"token": WALL_TOKEN, "csrf": csrf}, allow_redirects=False
    )
    assert answer.status == 303
    cookie = answer.cookies["baton_session"]
    assert cookie["httponly"] and cookie["samesite"] == "Strict"
    page = await client.get("/", headers=HTML)
    assert page.status == 200
    text = await page.text()
    assert "Wall-board (read-only)" in text
    csp = page.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert page.headers["X-Frame-Options"] == "DENY"


async def test_token_form_without_csrf_is_refused(client: TestClient[Any, Any]) -> None:
    await csrf_of(client)
    answer = await client.post("/login", data={"token": WALL_TOKEN, "csrf": "forged"})
    assert answer.status == 403
    assert "baton_session" not in answer.cookies


async def test_bearer_token_reads_the_pages(client: TestClient[Any, Any]) -> None:
    ok = await client.get("/now/live", headers={"Authorization": f"Bearer {WALL_TOKEN}"})
    assert ok.status == 200 and "Open escalations" in await ok.text()
    bad = await client.get("/now/live", headers={"Authorization": "Bearer nope"})
    assert bad.status == 401


async def test_failed_sign_ins_are_rate_limited(client: TestClient[Any, Any]) -> None:
    csrf = await csrf_of(client)
    for _ in range(MAX_FAILURES):
        wrong = await client.post("/login", data={"token": "guess", "csrf": csrf})
        assert wrong.status == 401
        assert "That wall-board token is not right." in await wrong.text()
    # Even the right token is refused now, in one line.
    right = await client.post("/login", data={"token": WALL_TOKEN, "csrf": csrf})
    assert right.status == 429
    assert "Too many failed sign-ins" in await right.text()


async def test_no_secret_key_refuses_sign_in_in_one_line(client: TestClient[Any, Any]) -> None:
    services = client.app[SERVICES]
    client.app[SERVICES].settings = dataclasses.replace(services.settings)  # type: ignore[misc]
    from handlers.dashboard.web import DASHBOARD_SERVICES

    client.app[DASHBOARD_SERVICES].settings = dataclasses.replace(
        services.settings, secret_key=None
    )
    csrf = await csrf_of(client)
    answer = await client.post("/login", data={"token": WALL_TOKEN, "csrf": csrf})
    assert answer.status == 503
    assert "BATON_SECRET_KEY is not set" in await answer.text()
    slack = await client.get("/login/slack", allow_redirects=False)
    assert slack.status == 503


async def sign_in_with_slack(
    client: TestClient[Any, Any], fake: FakeSlack, user: str
) -> tuple[int, str]:
    start = await client.get("/login/slack", allow_redirects=False)
    assert start.status == 302
    url = start.headers["Location"]
    assert url.startswith("https://slack.com/openid/connect/authorize?")
    back = urlsplit(fake.openid.authorize(url, user=user))
    answer = await client.get(f"{back.path}?{back.query}", headers=HTML)
    return answer.status, await answer.text()


async def test_sign_in_with_slack_maps_the_roster_role(
    client: TestClient[Any, Any], fake_slack: FakeSlack
) -> None:
    start = await client.get("/login/slack", allow_redirects=False)
    query = parse_qs(urlsplit(start.headers["Location"]).query)
    assert query["client_id"] == [CLIENT_ID] and query["response_type"] == ["code"]
    assert "openid" in query["scope"][0].split() and query["state"] and query["nonce"]
    client.session.cookie_jar.clear()

    fake_slack.openid.person("U05ANA0001", name="ana", locale="pt-BR")
    status, text = await sign_in_with_slack(client, fake_slack, "U05ANA0001")
    assert status == 200 and 'http-equiv="refresh"' in text
    page = await client.get("/", headers=HTML)
    text = await page.text()
    assert "Ana Souza" in text and "Sair" in text  # her roster locale: Portuguese
    assert [c.method for c in fake_slack.calls if c.method.startswith("openid")] == [
        "openid.connect.token",
        "openid.connect.userInfo",
    ]


async def test_sign_in_with_slack_refuses_strangers_and_replays(
    client: TestClient[Any, Any], fake_slack: FakeSlack
) -> None:
    status, text = await sign_in_with_slack(client, fake_slack, "U0STRANGER")
    assert status == 403 and "is not on the desk" in text
    # A callback without this browser's state cookie (another browser's answer).
    start = await client.get("/login/slack", allow_redirects=False)
    back = urlsplit(fake_slack.openid.authorize(start.headers["Location"], user="U05ANA0001"))
    client.session.cookie_jar.clear()
    answer = await client.get(f"{back.path}?{back.query}", headers=HTML)
    assert answer.status == 403 and "please start again" in await answer.text()
    assert (await client.get("/", headers=HTML, allow_redirects=False)).status == 303
