"""Per-request context for Slack listeners: the actor, their locale (cached), the time."""

from __future__ import annotations

import logging
import time
from typing import Any

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot import i18n
from bot.permissions import actor_for
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
        return Ctx(
            services=self.services,
            actor=actor_for(self.services.roster, user_id),
            locale=await self.get(client, user_id),
            now=self.services.clock(),
        )
