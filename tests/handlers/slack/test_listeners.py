"""Every button and modal a builder puts in Slack has a listener, and the tables hold together."""

from __future__ import annotations

from collections.abc import Callable
from types import SimpleNamespace
from typing import Any

from slack_sdk.web.async_client import AsyncWebClient

from bot.slack_messages.ids import (
    AlertAction,
    CallbackId,
    DraftAction,
    DraftView,
    HomeAction,
    IncidentAction,
    IncidentField,
    JiraAction,
    MoneyAction,
    MoneyView,
    ResolveView,
    TxnAction,
)
from handlers.slack import buttons, commands, desk, drafts, home, incidents, money, resolve
from handlers.slack.endpoint import build_bolt
from handlers.slack.request import Responder, UserLocales


class Recorder:
    """Stands in for bolt's AsyncApp: records what each register() listens for."""

    def __init__(self) -> None:
        self.actions: list[str] = []
        self.views: list[str] = []
        self.events: list[str] = []

    def _keep(self, into: list[str], name: str) -> Callable[[Any], Any]:
        into.append(name)
        return lambda listener: listener

    def action(self, name: str) -> Callable[[Any], Any]:
        return self._keep(self.actions, name)

    def view(self, name: str) -> Callable[[Any], Any]:
        return self._keep(self.views, name)

    def event(self, name: str) -> Callable[[Any], Any]:
        return self._keep(self.events, name)


def _registered() -> Recorder:
    bolt = Recorder()
    services: Any = object()  # register() only wires listeners: nothing is called yet
    responder = Responder(services, UserLocales(services), home=home.render_home)
    for module in (buttons, desk, drafts, resolve, home, money, incidents):
        module.register(bolt, responder)  # type: ignore[arg-type]
    return bolt


def test_every_button_id_has_one_listener() -> None:
    bolt = _registered()
    ids = [*AlertAction, *DraftAction, *HomeAction, *TxnAction, *JiraAction, *MoneyAction]
    ids += [*IncidentAction]
    assert sorted(bolt.actions) == sorted(str(i) for i in ids)


def test_every_modal_that_submits_has_a_listener() -> None:
    bolt = _registered()
    expected = {str(CallbackId.REASSIGN), str(DraftView.CALLBACK), str(ResolveView.CALLBACK)}
    expected |= {str(MoneyView.REQUEST), str(MoneyView.REJECT), str(IncidentField.CALLBACK)}
    assert set(bolt.views) == expected and len(bolt.views) == len(expected)
    assert bolt.events == ["app_home_opened"]


def test_every_subcommand_has_a_handler() -> None:
    missing = [name for name, sub in commands.COMMANDS.items() if sub.handler is None]
    assert missing == []  # kyc, the last one "coming soon", has its handler (handlers/slack/kyc.py)
    assert all(sub.usage.startswith(f"/baton {name}") for name, sub in commands.COMMANDS.items())


def test_bolt_talks_to_slack_through_the_adapters_client() -> None:
    web = AsyncWebClient(token="xoxb-test", base_url="http://127.0.0.1:9/api/")
    services: Any = SimpleNamespace(settings=SimpleNamespace(slack_signing_secret="secret"))
    assert build_bolt(services, web).client is web  # one client, one token, one SLACK_API_URL
