"""The demo's tickets (a JSON Lines bundle standing in for the Zendesk API) and its clock."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from bot.config import Tags
from bot.domain import Requester, Ticket
from bot.errors import NotConfigured, NotFound
from bot.events.zendesk import ZendeskEvent
from bot.ports import Attachment, TicketComment, TicketFiles, TicketUpdate, WebhookSetup
from bot.services import Services
from bot.store import inbox
from bot.worker import Worker


def load_bundled(path: Path) -> list[Ticket]:
    """Read tickets from a JSON Lines file (the demo's stand-in for the Zendesk API)."""
    tickets: list[Ticket] = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            d: dict[str, Any] = json.loads(line)
            r = d.get("requester") or {}
            created = datetime.fromisoformat(d["created_at"])
            tickets.append(
                Ticket(
                    id=int(d["id"]),
                    subject=d.get("subject", ""),
                    description=d.get("description", ""),
                    tags=frozenset(d.get("tags", [])),
                    requester=Requester(
                        id=int(r.get("id", 0)),
                        name=r.get("name", ""),
                        email=r.get("email", ""),
                        locale=r.get("locale"),
                        time_zone=r.get("time_zone"),
                        organization_name=r.get("organization"),
                    ),
                    created_at=created,
                    updated_at=created,
                    submitter_id=d.get("submitter_id"),
                    has_attachments=bool(d.get("has_attachments")),
                )
            )
        except (ValueError, KeyError, TypeError) as err:
            raise ValueError(f"{path}:{n}: not a valid escalation: {err}") from err
    return sorted(tickets, key=lambda t: t.created_at)


class BundledTickets:
    """Reads tickets from the bundle; writes are not sent (Zendesk is not configured)."""

    def __init__(self, tickets: list[Ticket]) -> None:
        self._tickets = {t.id: t for t in tickets}

    async def get_ticket(self, ticket_id: int) -> Ticket:
        try:
            return self._tickets[ticket_id]
        except KeyError:
            raise NotFound(f"ticket {ticket_id}") from None

    def extend(self, tickets: list[Ticket]) -> None:
        """More tickets (the demo's incident wave), read like the bundled ones."""
        self._tickets.update((t.id, t) for t in tickets)

    async def with_comments(self, ticket: Ticket) -> Ticket:
        return ticket  # a bundled ticket's words are all in its description

    async def files(self, ticket_id: int) -> TicketFiles:
        return TicketFiles()  # a bundled ticket carries no attachment

    async def download(self, attachment: Attachment, *, max_bytes: int) -> bytes:
        raise NotConfigured("zendesk")

    async def update_ticket(self, update: TicketUpdate) -> dict[str, Any]:
        raise NotConfigured("zendesk")

    async def has_marker(self, ticket_id: int, marker: str) -> bool:
        raise NotConfigured("zendesk")

    async def latest_comments(self, ticket_id: int, *, limit: int = 20) -> list[TicketComment]:
        raise NotConfigured("zendesk")

    async def setup_webhook(self, *, endpoint_url: str, tags: Tags) -> WebhookSetup:
        raise NotConfigured("zendesk")

    async def user_names(self, user_ids: list[int]) -> dict[int, str]:
        raise NotConfigured("zendesk")  # the report shows the agents' Zendesk ids

    def rate_seen(self) -> None:
        return None  # in memory: no rate limit


@dataclass
class Clock:
    now: datetime

    def __call__(self) -> datetime:
        return self.now


async def webhook_lands(services: Services, worker: Worker, clock: Clock, ticket: Ticket) -> None:
    """The ticket's escalation webhook lands a minute after the agent tags it, and the worker
    does what it brings."""
    clock.now = ticket.created_at + timedelta(minutes=1)
    async with services.db.session() as s:
        await inbox.store_event(
            s,
            event=ZendeskEvent(kind="trigger", ticket_id=ticket.id),
            dedupe_key=f"demo:{ticket.id}",
            now=clock.now,
        )
    await worker.drain()
