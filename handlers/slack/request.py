"""What every Slack listener shares: who asked (``Ctx``), in which language, how to answer them.

A listener reads its request (``payloads``), builds a ``Ctx`` with ``UserLocales``, calls
``bot/`` inside ``run_work`` (refusals and errors become text, never an exception for bolt),
and answers through the ``Responder`` the way the surface allows: ephemerally under the
message, by re-publishing the Home tab, in a modal, or in the app's DM.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any, TypeVar

from slack_bolt.async_app import AsyncApp

from bot import i18n
from bot.desk.permissions import Actor, actor_for
from bot.errors import N_, BatonError, IntegrationError, NotFound, UserFacingError
from bot.masking import mask
from bot.ports import SlackPost, SlackView
from bot.services import Services
from bot.slack_messages.text import escape
from handlers.slack.payloads import ButtonPress, Origin

log = logging.getLogger(__name__)

T = TypeVar("T")
Respond = Callable[..., Awaitable[Any]]  # bolt's respond(): answers through the response_url
LOCALE_TTL = 3600.0  # seconds: people rarely change their Slack language
MAX_CACHED = 5000


@dataclass(frozen=True)
class Ctx:
    """Who asked, in which language, and when."""

    services: Services
    actor: Actor
    locale: str
    now: datetime
    # Opens a modal with the slash command's trigger_id (True: opened); None outside a command.
    open_view: Callable[[dict[str, Any]], Awaitable[bool]] | None = None
    channel_id: str | None = None  # the channel a slash command came from

    @property
    def _(self) -> i18n.Gettext:
        return i18n.translator(self.locale)

    @property
    def tz(self) -> str:
        return str(self.services.roster.timezone)


class Usage(BatonError):
    """The arguments do not fit the subcommand: show its usage line."""


@dataclass(frozen=True)
class Reply:
    """An answer with blocks (buttons, sections), not only text."""

    text: str
    blocks: list[dict[str, Any]]


Answer = str | Reply
Work = Callable[[Ctx], Awaitable[Answer]]


def refusal(_: i18n.Gettext, err: UserFacingError | NotFound) -> str:
    """The text shown for a refusal: translated when the core raised a message id, else as is.

    ``UserFacingError`` carries an ``N_``-marked message id and its parameters, translated here
    with the asking user's catalog; a plain ``NotFound`` (integrations) keeps its own text.
    """
    if isinstance(err, UserFacingError):
        # Parameters may echo what the user typed: shown as text, never as a mention or link.
        params = {k: escape(v) if isinstance(v, str) else v for k, v in err.params.items()}
        return _(err.msgid).format(**params)
    return escape(str(err))


def parse_ticket(word: str) -> int:
    """Parse "12345" or "#12345"."""
    text = word.lstrip("#")
    if not text.isdigit() or len(text) > 15:
        raise Usage(word)
    return int(text)


def escalation_id_of(value: object) -> int:
    """The escalation id a button or modal carries (a positive database id)."""
    text = str(value) if isinstance(value, str | int) and not isinstance(value, bool) else ""
    if not text.isascii() or not text.isdigit() or not 0 < int(text) < 2**31:
        raise UserFacingError(N_("This button is out of date."))
    return int(text)


async def run_work(ctx: Ctx, work: Callable[[], Awaitable[T]]) -> T | str:
    """Run a listener's work; return its answer, a refusal, or an error id. Never raises."""
    try:
        return await work()
    except (UserFacingError, NotFound) as err:
        return refusal(ctx._, err)
    except Exception:
        error_id = uuid.uuid4().hex[:8]
        log.exception("slack.action_failed", extra={"error_id": error_id})
        return ctx._("Something went wrong (error id {error_id}).").format(error_id=error_id)


async def slack_call(event: str, call: Awaitable[T]) -> T | None:
    """Make a best-effort Slack call: failures are logged, never raised to bolt."""
    try:
        return await call
    except IntegrationError as err:  # expected now and then (expired trigger, closed modal)
        log.warning(event, extra={"error": str(err)})
    except Exception:
        log.exception(event)
    return None


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

    async def get(self, user_id: str) -> str:
        """Return the catalog locale for a Slack user."""
        hit = self._cache.get(user_id)
        now = time.monotonic()
        if hit is not None and now - hit[0] < LOCALE_TTL:
            return hit[1]
        analyst = self.services.roster.by_slack_id(user_id)
        locale = analyst.locale if analyst else None
        try:
            locale = await self.services.slack.user_locale(user_id) or locale
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


HomeView = Callable[[Ctx], Awaitable[dict[str, Any]]]


class Responder:
    """How listeners answer: the services, the users' locales, and the Home tab to refresh.

    ``home`` renders a user's App Home tab (handlers/slack/home.py, wired in by the endpoint):
    a Home-tab button is answered by re-publishing it, since it has no message to answer under.
    """

    def __init__(self, services: Services, locales: UserLocales, *, home: HomeView) -> None:
        self.services = services
        self.locales = locales
        self._home = home

    async def publish_home(self, ctx: Ctx) -> None:
        """Publish (refresh) the user's App Home."""
        await self.services.slack.views_publish(ctx.actor.slack_id, await self._home(ctx))

    async def refresh_home(self, ctx: Ctx) -> None:
        """Re-publish an analyst's App Home after a change (not for outsiders); never raises."""
        if ctx.actor.analyst is not None:
            await slack_call("slack.home_publish_failed", self.publish_home(ctx))

    async def open_view(self, trigger_id: str | None, view: dict[str, Any]) -> SlackView | None:
        """Open a modal with a trigger (good for 3 seconds); None: not opened (logged)."""
        if not trigger_id:
            return None
        return await slack_call(
            "slack.modal_not_opened", self.services.slack.views_open(trigger_id, view)
        )

    async def answer(
        self,
        ctx: Ctx,
        origin: Origin,
        respond: Respond,
        text: Answer,
        *,
        replace_original: bool = False,
    ) -> None:
        """Tell the user how it went, the way the surface allows; never raises.

        ``replace_original`` swaps the message the button was on for a ``Reply`` (a next page);
        a plain-text answer (a refusal) never replaces it.
        """
        if origin.on_home:
            await slack_call("slack.home_publish_failed", self.publish_home(ctx))
        if not text:
            return
        body, blocks = (text.text, text.blocks) if isinstance(text, Reply) else (text, [])
        if origin.response_url and not origin.on_home:
            swap = replace_original and isinstance(text, Reply)
            extra = {"blocks": blocks} if blocks else {}
            reply = respond(text=body, response_type="ephemeral", replace_original=swap, **extra)
            await slack_call("slack.respond_failed", reply)
        else:
            # No message to answer under (Home tab): the app's DM with the user.
            dm = self.services.slack.post(
                SlackPost(channel=origin.user_id, text=mask(body), blocks=blocks)
            )
            await slack_call("slack.dm_failed", dm)

    async def button(
        self,
        press: ButtonPress,
        respond: Respond,
        work: Callable[[Ctx, ButtonPress], Awaitable[Answer]],
        *,
        home_only: bool = False,
        replace_original: bool = False,
    ) -> None:
        """Run a button's work for whoever pressed it and answer them; never raises."""
        origin = press.origin
        if home_only:
            origin = replace(origin, on_home=True)
        ctx = await self.locales.ctx(origin.user_id)
        text = await run_work(ctx, lambda: work(ctx, press))
        await self.answer(ctx, origin, respond, text, replace_original=replace_original)

    async def open_form(
        self,
        ctx: Ctx,
        origin: Origin,
        respond: Respond,
        build: Callable[[], Awaitable[dict[str, Any]]],
        *,
        again: str,
    ) -> None:
        """Open the modal build() makes (within the trigger_id's 3 seconds), or say why not.

        ``again``: the translated hint shown when there was no form to open ("Press Edit again.").
        """
        modal: dict[str, Any] = {}

        async def work() -> str:
            modal.update(await build())
            return ""

        text = await run_work(ctx, work)
        if modal and origin.trigger_id:
            if await self.open_view(origin.trigger_id, modal) is not None:
                return
            text = ctx._("Slack did not open the form in time: press the button again.")
        await self.answer(ctx, origin, respond, text or again)

    def form_button(
        self,
        bolt: AsyncApp,
        action_id: str,
        build: Callable[[Ctx, ButtonPress], Awaitable[dict[str, Any]]],
        *,
        again: str,
    ) -> None:
        """Listen for a button that opens a form: acknowledge, then open build(ctx, press).

        ``again``: the msgid of the hint shown when there was no form to open.
        """

        @bolt.action(action_id)
        async def on_press(
            ack: Any, body: dict[str, Any], action: dict[str, Any], respond: Respond
        ) -> None:
            await ack()
            press = ButtonPress.of(body, action)
            # The trigger_id lasts 3 seconds: only the database before views.open.
            ctx = self.locales.ctx_now(press.origin.user_id)
            await self.open_form(
                ctx, press.origin, respond, lambda: build(ctx, press), again=ctx._(again)
            )

    async def respond_later(self, response_url: str | None, reply: Reply) -> bool:
        """Replace the message an interaction came from, through its response_url, later on.

        False when there is no usable response_url (nothing sent); failures are logged.
        """
        if not (isinstance(response_url, str) and response_url.startswith(("https://", "http://"))):
            return False
        sent = self.services.slack.respond(
            response_url, text=reply.text, blocks=reply.blocks, replace=True
        )
        await slack_call("slack.respond_failed", sent)
        return True
