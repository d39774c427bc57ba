"""Per-request context for Slack listeners: the actor, their locale (cached), the time, and
where an interaction came from (so a listener knows how it can answer)."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from typing import Any

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot import i18n
from bot.desk.permissions import actor_for
from bot.services import Services
from handlers.commands import Ctx

log = logging.getLogger(__name__)

LOCALE_TTL = 3600.0  # seconds: people rarely change their Slack language
MAX_CACHED = 5000


class UserLocales:
    """Slack locales from users.info (include_locale), cached; the roster's locale otherwise."""

    def __init__(self, services: Services) -> None:
        self.services = services
        self._cache: dict[str, tuple[float, str]] = {}

    def known(self, user_id: str) -> str:
        """Return the user's locale without any I/O: cached from Slack, else the roster's."""
        hit = self._cache.get(user_id)
        if hit is not None:
            return hit[1]
        analyst = self.services.roster.by_slack_id(user_id)
        return i18n.normalize(analyst.locale if analyst else None)

    async def get(self, client: AsyncWebClient, user_id: str) -> str:
        """Return the catalog locale for a Slack user."""
        hit = self._cache.get(user_id)
        now = time.monotonic()
        if hit is not None and now - hit[0] < LOCALE_TTL:
            return hit[1]
        analyst = self.services.roster.by_slack_id(user_id)
        locale = analyst.locale if analyst else None
        try:
            resp = await client.users_info(user=user_id, include_locale=True)
            user: dict[str, Any] = resp.get("user") or {}
            locale = user.get("locale") or locale
        except (SlackApiError, OSError, TimeoutError) as err:
            log.info("slack.locale_unavailable", extra={"user": user_id, "error": repr(err)})
        value = i18n.normalize(locale)
        if len(self._cache) >= MAX_CACHED:
            self._cache.clear()
        self._cache[user_id] = (now, value)
        return value

    async def ctx(self, client: AsyncWebClient, user_id: str) -> Ctx:
        """Build the context for one request."""
        return self.ctx_now(user_id, locale=await self.get(client, user_id))

    def ctx_now(self, user_id: str, *, locale: str | None = None) -> Ctx:
        """Build the context without any I/O (for answers due within Slack's 3 seconds)."""
        return Ctx(
            services=self.services,
            actor=actor_for(self.services.roster, user_id),
            locale=locale or self.known(user_id),
            now=self.services.clock(),
        )


@dataclass(frozen=True)
class Origin:
    """Where an interaction happened, read from its payload: who, and how to answer them.

    Buttons on messages come with a ``response_url``; buttons on the App Home tab do not
    (their container is the home view), so they are answered by re-publishing the tab.
    """

    user_id: str
    trigger_id: str | None = None
    response_url: str | None = None
    on_home: bool = False

    @classmethod
    def of(cls, body: dict[str, Any]) -> Origin:
        """Read the origin of a block_actions or view_submission payload (odd shapes: blank)."""
        url = _text(body.get("response_url"))
        return cls(
            user_id=_text(dig(body, "user", "id")) or "",
            trigger_id=_text(body.get("trigger_id")),
            response_url=url if url and url.startswith(("https://", "http://")) else None,
            on_home=dig(body, "container", "type") == "view"
            and dig(body, "view", "type") == "home",
        )


def dig(value: Any, *keys: str) -> Any:
    """Follow keys through nested dicts of a payload; None where the shape is not as expected."""
    for key in keys:
        if not isinstance(value, dict):
            return None
        value = value.get(key)
    return value


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None
