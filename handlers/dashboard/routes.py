"""The dashboard's endpoints, templates, static files and security headers in the web app."""

from __future__ import annotations

from aiohttp import web

from bot.services import Services
from handlers.dashboard import auth, pages, reports
from handlers.dashboard.web import DASHBOARD_SERVICES, STATIC, environment, security_headers


def register(app: web.Application, services: Services) -> None:
    """Wire the dashboard into the app (before it starts: middlewares freeze then)."""
    app[DASHBOARD_SERVICES] = services
    environment(app)
    app.middlewares.append(security_headers)
    auth.register(app)
    pages.register(app)
    reports.register(app)
    app.router.add_static("/static/", STATIC, follow_symlinks=False, append_version=True)
