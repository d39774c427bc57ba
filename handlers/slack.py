"""Slack's endpoint: a slack-bolt AsyncApp served at POST /slack/events on Baton's aiohttp app.

Bolt checks every request's signature and timestamp (401 otherwise). Listeners ack first and
work after the ack (``process_before_response=False``), so Slack gets its answer within 3 s.
"""

from __future__ import annotations

import logging
from typing import Any

from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
from slack_bolt.async_app import AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

from bot.services import Services
from handlers import actions, commands, home
from handlers.context import UserLocales
from integrations.slack import web_client

log = logging.getLogger(__name__)

PATH = "/slack/events"
COMMAND = "/baton"


def build_bolt(services: Services) -> AsyncApp:
    """Create the bolt app with every listener, talking to SLACK_API_URL."""
    settings = services.settings
    client = web_client(settings)
    bolt = AsyncApp(
        signing_secret=settings.slack_signing_secret,
        client=client,
        process_before_response=False,
        request_verification_enabled=True,
        logger=logging.getLogger("baton.bolt"),
    )
    locales = UserLocales(services)

    @bolt.command(COMMAND)
    async def on_baton(
        ack: Any, command: dict[str, Any], client: AsyncWebClient, respond: Any
    ) -> None:
        await ack()
        ctx = await locales.ctx(client, str(command.get("user_id", "")))
        text = await commands.dispatch(ctx, str(command.get("text", "")))
        await respond(text=text, response_type="ephemeral")

    actions.register(bolt, locales)
    home.register(bolt, locales)
    return bolt


def register(app: web.Application, services: Services) -> None:
    """Serve POST /slack/events (503 when the Slack credentials are unset)."""
    if not services.settings.slack_configured:

        async def not_configured(_request: web.Request) -> web.Response:
            return web.json_response({"error": "Slack not configured"}, status=503)

        app.router.add_post(PATH, not_configured)
        return

    bolt = build_bolt(services)

    async def slack_events(request: web.Request) -> web.Response:
        bolt_request = await to_bolt_request(request)
        response = await bolt.async_dispatch(bolt_request)
        if response.status == 401:
            log.warning("slack.request_rejected", extra={"reason": "signature"})
        return await to_aiohttp_response(response)

    app.router.add_post(PATH, slack_events)
