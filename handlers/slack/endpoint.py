"""Slack's endpoint: a slack-bolt AsyncApp served at POST /slack/events on Baton's aiohttp app.

Every request's signature and timestamp are checked (401 otherwise), then its shape (400 with
the reason for anything Slack does not send: see request_shape.py), then whether the
same signed request came before (bot/store/seen_requests.py: a replay gets an empty 200 and
nothing is done), before bolt sees it. Listeners ack first and work after the ack
(``process_before_response=False``), so Slack gets its answer within 3 s.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from datetime import datetime
from typing import Any

from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
from slack_bolt.async_app import AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

import handlers.body as request_body
from bot.errors import SignatureError
from bot.services import Services
from bot.store import seen_requests
from bot.store.models import utcnow
from handlers.signing import verify_slack_signature
from handlers.slack import (
    buttons,
    commands,
    desk,
    drafts,
    home,
    incidents,
    money,
    request_shape,
    resolve,
)
from handlers.slack.payloads import SlashCommand
from handlers.slack.request import Reply, Responder, UserLocales

log = logging.getLogger(__name__)

PATH = "/slack/events"
COMMAND = "/baton"


def build_bolt(services: Services, web: AsyncWebClient) -> AsyncApp:
    """Create the bolt app with every listener, on the Web API client services.slack wraps."""
    settings = services.settings
    bolt = AsyncApp(
        signing_secret=settings.slack_signing_secret,
        client=web,
        process_before_response=False,
        request_verification_enabled=True,
        logger=logging.getLogger("baton.bolt"),
    )
    responder = Responder(services, UserLocales(services), home=home.render_home)

    @bolt.command(COMMAND)
    async def on_baton(ack: Any, command: dict[str, Any], respond: Any) -> None:
        await ack()
        asked = SlashCommand.of(command)
        ctx = await responder.locales.ctx(asked.user_id)

        async def open_view(view: dict[str, Any]) -> bool:
            return await responder.open_view(asked.trigger_id, view) is not None

        ctx = replace(ctx, open_view=open_view, channel_id=asked.channel_id)
        reply = await commands.dispatch(ctx, asked.text)
        if isinstance(reply, Reply):
            await respond(text=reply.text, blocks=reply.blocks, response_type="ephemeral")
        else:
            await respond(text=reply, response_type="ephemeral")

    buttons.register(bolt, responder)
    desk.register(bolt, responder)
    drafts.register(bolt, responder)
    resolve.register(bolt, responder)
    money.register(bolt, responder)
    incidents.register(bolt, responder)
    home.register(bolt, responder)
    return bolt


def _reject(status: int, reason: str) -> web.Response:
    log.warning("slack.request_rejected", extra={"status": status, "reason": reason})
    return web.json_response({"error": reason}, status=status)


def register(
    app: web.Application, services: Services, *, slack_web: AsyncWebClient | None = None
) -> None:
    """Serve POST /slack/events (503 when the Slack credentials are unset).

    ``slack_web``: the Web API client the Slack adapter (services.slack) wraps; bolt uses it too.
    """
    if not services.settings.slack_configured or slack_web is None:

        async def not_configured(_request: web.Request) -> web.Response:
            return web.json_response({"error": "Slack not configured"}, status=503)

        app.router.add_post(PATH, not_configured)
        return

    bolt = build_bolt(services, slack_web)
    secret = services.settings.slack_signing_secret or ""

    async def _is_replay(signature: str, *, accepted_until: datetime, now: datetime) -> bool | None:
        """Whether this signed request was seen before; None when that cannot be known.

        Slack's own retries (Events API only, ``X-Slack-Retry-Num``) are signed afresh, so they
        are not replays: they act again, which is safe because the one event Baton listens to
        (app_home_opened) only re-publishes the Home tab, and a retry may be the only delivery
        that got through. Slash commands and interactivity are never retried by Slack.
        """
        try:
            async with services.db.session() as s:
                first = await seen_requests.first_time(
                    s, signature=signature, expires_at=accepted_until, now=now
                )
        except Exception:
            # Unknown means it may be a replay: acting on it could undo what a lead just did.
            log.exception("slack.replay_check_failed")
            return None
        return not first

    async def slack_events(request: web.Request) -> web.Response:
        try:
            body = await request_body.read_body(request)
        except request_body.BodyTooLarge:
            return _reject(413, "body too large")
        except request_body.BodyTooSlow:
            return await request_body.too_slow(request, _reject(408, request_body.TOO_SLOW))
        signature = request.headers.get("X-Slack-Signature") or ""
        # Real time, as bolt's own check uses: Slack stamps requests with its clock.
        now = utcnow()
        try:
            accepted_until = verify_slack_signature(
                secret=secret,
                timestamp=request.headers.get("X-Slack-Request-Timestamp"),
                body=body,
                signature=signature,
                now=now,
            )
        except SignatureError as err:
            return _reject(401, str(err))
        try:
            request_shape.check(body, request.content_type, commands=frozenset({COMMAND}))
        except request_shape.BadSlackRequest as err:
            return _reject(400, str(err))
        replay = await _is_replay(signature, accepted_until=accepted_until, now=now)
        if replay is None:
            return _reject(503, "try again")
        if replay:
            # 200, not an error: Slack would retry a non-2xx, and the user already had the answer.
            log.warning("slack.replay", extra={"retry": request.headers.get("X-Slack-Retry-Num")})
            return web.Response(status=200)
        try:
            response = await bolt.async_dispatch(await to_bolt_request(request))
        except Exception:  # bolt choked on a body of a known shape: still the sender's fault
            response = None
            log.exception("slack.request_unreadable")
        if response is None or response.status >= 500:
            # Listeners ack before they work, so a 5xx here is bolt failing to read the input.
            return _reject(400, "request not understood")
        return await to_aiohttp_response(response)

    app.router.add_post(PATH, slack_events)
