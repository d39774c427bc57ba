"""Sign-in and sign-out: the wall-board token, Sign in with Slack (OpenID Connect), sessions.

Every refusal is one line on the sign-in page; failures are counted per client address and,
past the limit, refused before any check is made.
"""

from __future__ import annotations

import logging
import secrets

from aiohttp import web

from bot import i18n
from bot.dashboard import sessions, signin
from bot.dashboard.viewer import WALLBOARD, Viewer
from bot.errors import IntegrationError, UserFacingError
from handlers.dashboard.web import (
    COOKIE,
    DASHBOARD_SERVICES,
    PRE_CSRF,
    client_of,
    current_viewer,
    page,
    signed_in,
    viewer_of,
)

log = logging.getLogger(__name__)
STATE_COOKIE = "baton_signin"
CALLBACK = "/login/slack/callback"


def _cookie(
    response: web.StreamResponse, request: web.Request, name: str, value: str, **kw: object
) -> None:
    response.set_cookie(
        name,
        value,
        httponly=True,
        secure=request.secure,
        path="/",
        **kw,  # type: ignore[arg-type]
    )


def _login_page(
    request: web.Request, *, error: UserFacingError | None = None, status: int = 200
) -> web.Response:
    services = request.app[DASHBOARD_SERVICES]
    csrf = request.cookies.get(PRE_CSRF) or secrets.token_urlsafe(24)
    locale = i18n.normalize(request.headers.get("Accept-Language", "en").split(",")[0])
    message = error.render(i18n.translator(locale)) if error else None
    response = page(
        request,
        "login.html",
        None,
        {
            "csrf": csrf,
            "error": message,
            "slack": signin.slack_enabled(services.settings),
            "token": bool(services.settings.dashboard_token),
        },
    )
    response.set_status(status)
    _cookie(response, request, PRE_CSRF, csrf, samesite="Strict", max_age=3600)
    return response


async def login_form(request: web.Request) -> web.StreamResponse:
    if await current_viewer(request) is not None:
        raise web.HTTPSeeOther("/")
    return _login_page(request)


async def login_token(request: web.Request) -> web.StreamResponse:
    """POST /login: the wall-board token in the field ``token``."""
    services = request.app[DASHBOARD_SERVICES]
    form = await request.post()
    now = services.clock()
    if not sessions.same(str(form.get("csrf", "")), request.cookies.get(PRE_CSRF)):
        return _login_page(request, error=signin.expired(), status=403)
    try:
        signin.require_secret(services.settings)
    except UserFacingError as err:
        return _login_page(request, error=err, status=503)
    client = client_of(request)
    async with services.db.session() as s:
        if await sessions.refused(s, client=client, now=now):
            log.warning("dashboard.signin_refused", extra={"client": client})
            return _login_page(request, error=signin.too_many(), status=429)
        if not sessions.same(str(form.get("token", "")), services.settings.dashboard_token):
            await sessions.failed(s, client=client, now=now)
            log.info("dashboard.signin_failed", extra={"client": client, "by": "token"})
            failed = True
        else:
            failed = False
            started = await sessions.start(
                s, who=WALLBOARD, slack_id=None, locale=_accept(request), now=now
            )
    if failed:
        return _login_page(request, error=signin.bad_token(), status=401)
    response = web.HTTPSeeOther("/")
    _cookie(response, request, COOKIE, started.token, samesite="Strict", expires=_http(started))
    log.info("dashboard.signed_in", extra={"who": WALLBOARD})
    raise response


def _accept(request: web.Request) -> str:
    return i18n.normalize(request.headers.get("Accept-Language", "en").split(",")[0].split(";")[0])


def _http(started: sessions.Started) -> str:
    return started.expires_at.strftime("%a, %d %b %Y %H:%M:%S GMT")


async def slack_start(request: web.Request) -> web.StreamResponse:
    """GET /login/slack: off to Slack's authorize page with a fresh state and nonce."""
    services = request.app[DASHBOARD_SERVICES]
    try:
        pending = signin.begin(services.settings, now=services.clock())
    except UserFacingError as err:
        return _login_page(request, error=err, status=503)
    url = signin.authorize_url(
        services.settings, pending, redirect_uri=str(request.url.origin()) + CALLBACK
    )
    response = web.HTTPFound(url)
    # Lax, not Strict: Slack sends the browser back here from its own site.
    _cookie(response, request, STATE_COOKIE, pending.cookie, samesite="Lax", max_age=600)
    raise response


async def slack_callback(request: web.Request) -> web.StreamResponse:
    """GET /login/slack/callback?code&state: check, exchange, map to the roster, sign in."""
    services = request.app[DASHBOARD_SERVICES]
    now = services.clock()
    client = client_of(request)
    async with services.db.session() as s:
        if await sessions.refused(s, client=client, now=now):
            return _login_page(request, error=signin.too_many(), status=429)
    try:
        if request.query.get("error"):
            raise signin.expired()
        nonce = signin.check_state(
            services.settings,
            cookie=request.cookies.get(STATE_COOKIE),
            state=request.query.get("state"),
            now=now,
        )
        who = await services.signin.sign_in(
            code=request.query.get("code", ""), redirect_uri=str(request.url.origin()) + CALLBACK
        )
        analyst = signin.analyst_for(services.roster, who, nonce=nonce)
    except (UserFacingError, IntegrationError) as err:
        async with services.db.session() as s:
            await sessions.failed(s, client=client, now=now)
        log.info("dashboard.signin_failed", extra={"client": client, "error": str(err)})
        shown = err if isinstance(err, UserFacingError) else signin.expired()
        response = _login_page(request, error=shown, status=403)
        response.del_cookie(STATE_COOKIE, path="/")
        return response
    async with services.db.session() as s:
        started = await sessions.start(
            s, who=analyst.key, slack_id=analyst.slack_id, locale=analyst.locale, now=now
        )
    log.info("dashboard.signed_in", extra={"who": analyst.key})
    viewer = Viewer(who=analyst.key, name=analyst.name, locale=analyst.locale, csrf="")
    # A page, not a redirect: after Slack's cross-site hop the browser would hold back the
    # SameSite=Strict cookie on a redirect; a same-site navigation from here carries it.
    response = page(request, "signed_in.html", viewer, {})
    _cookie(response, request, COOKIE, started.token, samesite="Strict", expires=_http(started))
    response.del_cookie(STATE_COOKIE, path="/")
    return response


@signed_in
async def logout(request: web.Request) -> web.StreamResponse:
    """POST /logout with the session's CSRF token."""
    services = request.app[DASHBOARD_SERVICES]
    form = await request.post()
    if not sessions.same(str(form.get("csrf", "")), viewer_of(request).csrf):
        raise web.HTTPForbidden(text="The form is out of date: reload the page.")
    async with services.db.session() as s:
        await sessions.end(s, token=request.cookies.get(COOKIE))
    response = web.HTTPSeeOther("/login")
    response.del_cookie(COOKIE, path="/")
    raise response


def register(app: web.Application) -> None:
    app.router.add_get("/login", login_form)
    app.router.add_post("/login", login_token)
    app.router.add_get("/login/slack", slack_start)
    app.router.add_get(CALLBACK, slack_callback)
    app.router.add_post("/logout", logout)
