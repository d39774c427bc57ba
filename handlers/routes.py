"""Every endpoint into the aiohttp app: each edge module registers itself with one register()."""

from __future__ import annotations

from aiohttp import web
from slack_sdk.web.async_client import AsyncWebClient

from bot.services import Services
from bot.store.committer import InboxCommitter
from handlers.dashboard import routes as dashboard
from handlers.slack import endpoint as slack
from handlers.webhooks import jira, zendesk
from handlers.webhooks.gate import INBOX


def register(
    app: web.Application, services: Services, *, slack_web: AsyncWebClient | None = None
) -> None:
    """Wire every handler module into the aiohttp app.

    ``slack_web``: the Web API client the Slack adapter wraps (services.slack), for bolt.
    """
    # Stored together, acknowledged after the commit; closed before the database is.
    inbox = app[INBOX] = InboxCommitter(services.db)

    async def _close_inbox(_app: web.Application) -> None:
        await inbox.close()

    app.on_cleanup.append(_close_inbox)
    zendesk.register(app, services, inbox)
    jira.register(app, services, inbox)
    slack.register(app, services, slack_web=slack_web)
    dashboard.register(app, services)
