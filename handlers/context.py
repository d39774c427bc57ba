"""Per-request context for Slack listeners: the actor, their locale (cached), the time, and
where an interaction came from (so a listener knows how it can answer)."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from typing import Any

from bot import i18n
from bot.desk.permissions import actor_for
from bot.errors import IntegrationError
from bot.services import Services
from handlers.commands import Ctx
from integrations.slack import SlackClient

log = logging.getLogger(__name__)

LOCALE_TTL = 3600.0  # seconds: people rarely change their Slack language
MAX_CACHED = 5000


class UserLocales:
    """Slack locales from users.info (include_locale), cached; the roster's locale otherwise.

    It carries the one Slack client the listeners use (integrations/slack: one chokepoint
    for errors and rate limits).
    """

    def __init__(self, services: Services, slack: SlackClient) -> None:
        self.services = services
        self.slack = slack
        self._cache: dict[str, tuple[float, str]] = {}

    def known(self, user_id: str) -> str:
        """Return the user's locale without any I/O: cached from Slack, else the roster's."""
        hit = self._cache.get(user_id)
        if hit is not None:
            return hit[1]
        analyst = self.services.roster.by_slack_id(user_id)
        return i18n.normalize(analyst.locale if analyst else None)

    async def get(self, user_id: str) -> str:
        """Return the catalog locale for a Slack user."""
        hit = self._cache.get(user_id)
        now = time.monotonic()
        if hit is not None and now - hit[0] < LOCALE_TTL:
            return hit[1]
        analyst = self.services.roster.by_slack_id(user_id)
        locale = analyst.locale if analyst else None
        try:
            locale = await self.slack.user_locale(user_id) or locale
        except IntegrationError as err:
            log.info("slack.locale_unavailable", extra={"user": user_id, "error": str(err)})
        value = i18n.normalize(locale)
        if len(self._cache) >= MAX_CACHED:
            self._cache.clear()
        self._cache[user_id] = (now, value)
        return value

    async def ctx(self, user_id: str) -> Ctx:
        """Build the context for one request."""
        return self.ctx_now(user_id, locale=await self.get(user_id))

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
