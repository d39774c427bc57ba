"""Every endpoint into the aiohttp app: each edge module registers itself with one register()."""

from __future__ import annotations

from aiohttp import web
from slack_sdk.web.async_client import AsyncWebClient

from bot.services import Services
from handlers.dashboard import routes as dashboard
from handlers.slack import endpoint as slack
from handlers.webhooks import jira, zendesk


def register(
    app: web.Application, services: Services, *, slack_web: AsyncWebClient | None = None
) -> None:
    """Wire every handler module into the aiohttp app.

    ``slack_web``: the Web API client the Slack adapter wraps (services.slack), for bolt.
    """
    zendesk.register(app, services)
    jira.register(app, services)
    slack.register(app, services, slack_web=slack_web)
    dashboard.register(app, services)
