"""The edges: each module registers its endpoints or listeners with one register()."""

from __future__ import annotations

from aiohttp import web

from bot.services import Services


def register(app: web.Application, services: Services) -> None:
    """Wire every handler module into the aiohttp app."""
    # Modules register here as they land: zendesk_webhook, slack (bolt), jira_webhook, dashboard.
    from handlers import jira_webhook, slack, zendesk_webhook

    zendesk_webhook.register(app, services)
    jira_webhook.register(app, services)
    slack.register(app, services)
