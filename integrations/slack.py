"""Slack Web API client: slack_sdk's AsyncWebClient behind Baton's SlackPort.

Every call goes through ``_call``, the one place that turns Slack failures into
``IntegrationError``: rate limits and server or connection failures are retryable (honouring
``Retry-After``), any other API error is not.
"""

from __future__ import annotations

import base64
import binascii
import json
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any

import aiohttp
from slack_sdk.errors import SlackApiError, SlackRequestError
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.web.async_slack_response import AsyncSlackResponse
from slack_sdk.webhook.async_client import AsyncWebhookClient

from bot.config import Settings
from bot.errors import IntegrationError
from bot.ports import SignedIn, SlackFile, SlackPost, SlackView
from integrations import _http

log = logging.getLogger(__name__)

SERVICE = "slack"
TIMEOUT = 10  # seconds per call
HISTORY_LIMIT = 50  # recent messages searched for an outbox key after a failed attempt
METADATA_EVENT = "baton_outbox"
RETRYABLE_ERRORS = frozenset(
    {
        "ratelimited",
        "rate_limited",
        "internal_error",
        "fatal_error",
        "service_unavailable",
        "request_timeout",
    }
)


def should_retry(status: int | None, error: str | None) -> bool:
    """Rate limits, Slack-side failures and unknown transport problems are worth another try."""
    return (status is not None and _http.should_retry(status)) or error in RETRYABLE_ERRORS


def web_client(settings: Settings) -> AsyncWebClient:
    """slack_sdk's client for SLACK_API_URL, without the SDK's own retries.

    The SDK resends a request after a connection error by default; for chat.postMessage that
    can post twice past the outbox's at-most-once check, so the outbox is the only retry layer.
    """
    return AsyncWebClient(
        token=settings.slack_bot_token,
        base_url=settings.slack_api_url,
        timeout=TIMEOUT,
        retry_handlers=[],
    )


class SlackClient:
    """Baton's Slack client: implements bot.ports.SlackPort; ``web`` is the one AsyncWebClient
    (bolt's client too, so every Slack call goes to the same SLACK_API_URL with one token)."""

    def __init__(self, web: AsyncWebClient) -> None:
        self.web = web

    @classmethod
    def from_settings(cls, settings: Settings) -> SlackClient:
        """Build the client from SLACK_BOT_TOKEN and SLACK_API_URL."""
        return cls(web_client(settings))

    async def _call(
        self, method: Callable[..., Awaitable[AsyncSlackResponse]], **kwargs: Any
    ) -> dict[str, Any]:
        """Call one Web API method; map every failure to IntegrationError."""
        name = getattr(method, "__name__", "slack")
        try:
            response = await method(**kwargs)
        except SlackApiError as err:
            status = err.response.status_code
            error = str(err.response.get("error", "")) if err.response.data else ""
            retryable = should_retry(status, error)
            log.warning(
                "slack.api_error",
                extra={"method": name, "status": status, "error": error, "retry": retryable},
            )
            raise _http.refused(
                SERVICE,
                f"{name}: {error or status}",
                status=status,
                headers=err.response.headers,
                retryable=retryable,
            ) from err
        except (TimeoutError, aiohttp.ClientError, SlackRequestError) as err:
            log.warning("slack.transport_error", extra={"method": name, "error": repr(err)})
            raise IntegrationError(SERVICE, f"{name}: {err!r}", retryable=True) from err
        data = response.data
        return data if isinstance(data, dict) else {}

    async def post(self, message: SlackPost) -> dict[str, Any]:
        """Post a message, or update it in place when message.ts is set."""
        kwargs: dict[str, Any] = {"channel": message.channel, "text": message.text}
        if message.blocks:
            kwargs["blocks"] = message.blocks
        if message.ts:
            data = await self._call(self.web.chat_update, ts=message.ts, **kwargs)
        else:
            if message.metadata_key:
                kwargs["metadata"] = {
                    "event_type": METADATA_EVENT,
                    "event_payload": {"key": message.metadata_key},
                }
            data = await self._call(self.web.chat_postMessage, **kwargs)
        return {"channel": data.get("channel", message.channel), "ts": data.get("ts")}

    async def upload_files(
        self, channel: str, files: list[SlackFile], *, comment: str | None = None
    ) -> list[str]:
        """Share files in a channel with files_upload_v2: Slack retired files.upload, so the
        SDK reserves each file (files.getUploadURLExternal), POSTs its bytes to the URL it got,
        then shares them all at once (files.completeUploadExternal)."""
        uploads = [
            {"content": f.content, "filename": f.filename, "title": f.title, "alt_txt": f.alt_text}
            for f in files
        ]
        data = await self._call(
            self.web.files_upload_v2,
            file_uploads=uploads,
            channel=channel,
            initial_comment=comment,
        )
        return [str(f["id"]) for f in data.get("files") or []]

    async def open_dm(self, user_id: str) -> str:
        """Open (or find) the DM with a user and return its channel id."""
        data = await self._call(self.web.conversations_open, users=user_id)
        return str(data["channel"]["id"])

    async def find_message(self, channel: str, key: str) -> str | None:
        """Return the ts of a recent message whose metadata carries key, if any."""
        try:
            data = await self._call(
                self.web.conversations_history,
                channel=channel,
                limit=HISTORY_LIMIT,
                include_all_metadata=True,
            )
        except IntegrationError as err:
            if err.retryable:
                raise
            # Cannot look (scope, not in channel): better one duplicate than a lost alert.
            log.warning("slack.history_unavailable", extra={"channel": channel})
            return None
        for msg in data.get("messages", []):
            payload = (msg.get("metadata") or {}).get("event_payload") or {}
            if payload.get("key") == key:
                return str(msg["ts"])
        return None

    async def user_locale(self, user_id: str) -> str | None:
        """The user's Slack locale ("pt-BR"), if Slack tells."""
        data = await self._call(self.web.users_info, user=user_id, include_locale=True)
        locale = (data.get("user") or {}).get("locale")
        return str(locale) if locale else None

    async def views_publish(self, user_id: str, view: dict[str, Any]) -> None:
        """Publish a user's App Home view."""
        await self._call(self.web.views_publish, user_id=user_id, view=view)

    async def views_open(self, trigger_id: str, view: dict[str, Any]) -> SlackView:
        """Open a modal; returns its id and hash (what updating it needs)."""
        data = await self._call(self.web.views_open, trigger_id=trigger_id, view=view)
        opened = data.get("view") or {}
        return SlackView(id=str(opened.get("id", "")), hash=str(opened.get("hash", "")))

    async def views_update(self, view_id: str, view_hash: str, view: dict[str, Any]) -> None:
        """Replace an open modal, unless it changed since view_hash (Slack: hash_conflict)."""
        await self._call(self.web.views_update, view_id=view_id, hash=view_hash, view=view)

    async def respond(
        self, response_url: str, *, text: str, blocks: list[dict[str, Any]], replace: bool
    ) -> None:
        """Answer an interaction later through its response_url (ephemeral to the user)."""
        hook = AsyncWebhookClient(response_url, timeout=TIMEOUT)
        try:
            answer = await hook.send(
                text=text, blocks=blocks, response_type="ephemeral", replace_original=replace
            )
        except (TimeoutError, aiohttp.ClientError) as err:
            raise IntegrationError(SERVICE, f"response_url: {err!r}", retryable=True) from err
        if answer.status_code >= 400:
            raise IntegrationError(
                SERVICE,
                f"response_url: HTTP {answer.status_code}",
                retryable=answer.status_code >= 500,
                status=answer.status_code,
            )


class SlackSignIn:
    """Sign in with Slack (OpenID Connect): implements bot.ports.SignInPort.

    The code is exchanged at openid.connect.token with the app's client id and secret, then
    openid.connect.userInfo names the person. The id_token comes straight from Slack over TLS
    in that exchange (OpenID Connect Core 3.1.3.7: TLS validation may stand in for checking its
    signature), so its claims are read, and its audience, issuer and expiry checked, here.
    """

    def __init__(self, web: AsyncWebClient, *, client_id: str, client_secret: str) -> None:
        self.web = web
        self.client_id = client_id
        self.client_secret = client_secret

    @classmethod
    def from_settings(cls, settings: Settings) -> SlackSignIn:
        """Build it from SLACK_CLIENT_ID, SLACK_CLIENT_SECRET and SLACK_API_URL."""
        if not (settings.slack_client_id and settings.slack_client_secret):
            raise IntegrationError(SERVICE, "SLACK_CLIENT_ID and SLACK_CLIENT_SECRET are unset")
        web = AsyncWebClient(base_url=settings.slack_api_url, timeout=TIMEOUT, retry_handlers=[])
        return cls(
            web, client_id=settings.slack_client_id, client_secret=settings.slack_client_secret
        )

    async def sign_in(self, *, code: str, redirect_uri: str) -> SignedIn:
        """Exchange the code; who it names, with the id_token's nonce."""
        slack = SlackClient(self.web)
        token = await slack._call(
            self.web.openid_connect_token,
            client_id=self.client_id,
            client_secret=self.client_secret,
            code=code,
            redirect_uri=redirect_uri,
            grant_type="authorization_code",
        )
        claims = id_token_claims(str(token.get("id_token") or ""))
        if claims.get("aud") != self.client_id or claims.get("iss") != ISSUER:
            raise IntegrationError(SERVICE, "openid.connect.token: id_token not for this app")
        if float(claims.get("exp") or 0) < time.time():
            raise IntegrationError(SERVICE, "openid.connect.token: id_token expired")
        info = await slack._call(
            self.web.openid_connect_userInfo, token=str(token.get("access_token") or "")
        )
        user = str(info.get("https://slack.com/user_id") or info.get("sub") or "")
        if not user or user != claims.get("https://slack.com/user_id", user):
            raise IntegrationError(SERVICE, "openid.connect.userInfo: another user")
        return SignedIn(
            slack_id=user,
            team_id=str(info.get("https://slack.com/team_id") or "") or None,
            name=str(info.get("name") or user),
            locale=str(info.get("locale") or "") or None,
            nonce=str(claims["nonce"]) if claims.get("nonce") else None,
        )


ISSUER = "https://slack.com"


def id_token_claims(id_token: str) -> dict[str, Any]:
    """The payload of a JWT (header.payload.signature) as a dict; {} when it is not one."""
    parts = id_token.split(".")
    if len(parts) != 3:
        return {}
    try:
        padded = parts[1] + "=" * (-len(parts[1]) % 4)
        claims = json.loads(base64.urlsafe_b64decode(padded))
    except (ValueError, binascii.Error):
        return {}
    return claims if isinstance(claims, dict) else {}
