"""What every dashboard page shares: the templates, the security headers, who is looking.

Templates are jinja2 through aiohttp-jinja2 with autoescaping on; the pages' JavaScript is in
static files, so the Content-Security-Policy allows no inline script at all.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import aiohttp_jinja2
import jinja2
from aiohttp import web
from babel.numbers import format_decimal, format_percent

from bot import i18n
from bot.dashboard import sessions
from bot.dashboard.viewer import WALLBOARD, Viewer
from bot.services import Services

HERE = Path(__file__).resolve().parent
TEMPLATES = HERE / "templates"
STATIC = HERE / "static"
COOKIE = "baton_session"
PRE_CSRF = "baton_login_csrf"  # the sign-in form's CSRF token, before any session exists
CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
    "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
)
HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}
DASHBOARD_SERVICES: web.AppKey[Services] = web.AppKey("dashboard_services", Services)
VIEWER_KEY: web.RequestKey[Viewer] = web.RequestKey("dashboard_viewer", Viewer)
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def environment(app: web.Application) -> jinja2.Environment:
    """The templates' environment: autoescaped, with the i18n extension and the formatters."""
    env = aiohttp_jinja2.setup(
        app,
        loader=jinja2.FileSystemLoader(str(TEMPLATES)),
        autoescape=jinja2.select_autoescape(default=True, default_for_string=True),
        extensions=["jinja2.ext.i18n"],
        undefined=jinja2.StrictUndefined,
        default_helpers=False,
    )
    # Each render passes the viewer's own gettext; these stand in until then.
    env.install_null_translations(newstyle=True)  # type: ignore[attr-defined]
    env.globals["static"] = lambda name: f"/static/{name}"
    return env


@web.middleware
async def security_headers(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Every dashboard answer, an error page included, carries the security headers."""
    try:
        response = await handler(request)
    except web.HTTPException as exc:
        if _is_dashboard(request):
            exc.headers.update(HEADERS)
        raise
    if _is_dashboard(request):
        response.headers.update(HEADERS)
    return response


def _is_dashboard(request: web.Request) -> bool:
    return not request.path.startswith(("/slack/", "/webhooks/", "/healthz", "/readyz", "/metrics"))


class Formats:
    """Dates in the desk's zone with the zone shown, and numbers, for one viewer's locale."""

    def __init__(self, locale: str, tz: ZoneInfo) -> None:
        self.locale, self.tz = locale, tz
        self._babel = i18n.babel_locale(locale)

    def when(self, at: datetime | None) -> str:
        return "–" if at is None else i18n.format_datetime(at, locale=self.locale, tz=self.tz)

    def time(self, at: datetime | None) -> str:
        return "–" if at is None else i18n.format_time(at, locale=self.locale, tz=self.tz)

    def number(self, value: float | None) -> str:
        return "–" if value is None else format_decimal(value, locale=self._babel)

    def percent(self, value: float | None) -> str:
        return "–" if value is None else format_percent(value, locale=self._babel)


def page(
    request: web.Request, name: str, viewer: Viewer | None, context: Mapping[str, Any]
) -> web.Response:
    """Render a template in the viewer's language (or the browser's, before sign-in)."""
    services = request.app[DASHBOARD_SERVICES]
    locale = viewer.locale if viewer else _browser_locale(request)
    translations = i18n.translations(locale)
    full = {
        "gettext": translations.gettext,
        "_": translations.gettext,
        "ngettext": translations.ngettext,
        "viewer": viewer,
        "fmt": Formats(locale, services.roster.timezone),
        "lang": locale.replace("_", "-"),
        "path": request.path,
        **context,
    }
    response = aiohttp_jinja2.render_template(name, request, full)
    return response


def _browser_locale(request: web.Request) -> str:
    for part in request.headers.get("Accept-Language", "").split(","):
        tag = part.split(";")[0].strip()
        if tag:
            return i18n.normalize(tag)
    return "en"


def client_of(request: web.Request) -> str:
    """Who failed a sign-in, for the rate limit: the peer's address."""
    return request.remote or "unknown"


async def current_viewer(request: web.Request) -> Viewer | None:
    """The signed-in viewer (session cookie), or the wall-board by a bearer token."""
    services = request.app[DASHBOARD_SERVICES]
    now = services.clock()
    bearer = request.headers.get("Authorization", "")
    if bearer.lower().startswith("bearer "):
        given = bearer[7:].strip()
        async with services.db.read_session() as s:  # a wall polling: no write lock taken
            if await sessions.refused(s, client=client_of(request), now=now):
                return None
        if sessions.same(given, services.settings.dashboard_token):
            return Viewer(who=WALLBOARD, name="", locale=_browser_locale(request), csrf="")
        async with services.db.session() as s:
            await sessions.failed(s, client=client_of(request), now=now)
        return None
    async with services.db.read_session() as s:
        return await sessions.find(
            s, token=request.cookies.get(COOKIE), roster=services.roster, now=now
        )


def signed_in(handler: Handler) -> Handler:
    """Refuse a request without a viewer: a browser goes to /login, anything else gets 401."""

    async def checked(request: web.Request) -> web.StreamResponse:
        viewer = await current_viewer(request)
        if viewer is None:
            if "text/html" in request.headers.get("Accept", ""):
                raise web.HTTPSeeOther("/login")
            raise web.HTTPUnauthorized(text="Sign in first: /login")
        request[VIEWER_KEY] = viewer
        return await handler(request)

    return checked


def viewer_of(request: web.Request) -> Viewer:
    return request[VIEWER_KEY]
