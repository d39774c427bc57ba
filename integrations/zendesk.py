"""Zendesk through zenpy: tickets in and out as Baton dataclasses, webhook and trigger setup."""

from __future__ import annotations

import asyncio
import functools
import logging
from collections.abc import Callable, Iterable, Mapping
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any, TypeVar
from urllib.parse import urlsplit

import requests
from requests.adapters import HTTPAdapter
from zenpy import Zenpy
from zenpy.lib.api import BaseApi
from zenpy.lib.api_objects import Ticket as ZenpyTicket
from zenpy.lib.api_objects import Trigger, Webhook
from zenpy.lib.exception import ZenpyException

from bot.config import Settings, Tags
from bot.domain import Requester, Ticket
from bot.errors import ConfigError, IntegrationError, NotFound, TooLarge
from bot.ports import (
    Attachment,
    RateSeen,
    TicketComment,
    TicketFiles,
    TicketUpdate,
    WebhookSetup,
)
from integrations import _http
from integrations.zendesk_triggers import (
    COMPLIANCE_TRIGGER_TITLE,
    SOLVED_TRIGGER_TITLE,
    WEBHOOK_NAME,
    compliance_trigger_template,
    is_escalation_trigger,
    solved_trigger_template,
    trigger_template,
    webhook_template,
)

log = logging.getLogger(__name__)

SERVICE = "zendesk"
TIMEOUT = (5.0, 30.0)  # connect, read (seconds); zenpy's default is a flat 60
RETRYABLE_STATUSES = frozenset({408, 409})  # 409: Zendesk's concurrent-update conflict
T = TypeVar("T")


SHOW_MANY = 100  # users/show_many takes up to 100 ids


class ZendeskHTTPError(Exception):
    """An HTTP error answer, raised from the session before zenpy can act on it."""

    def __init__(self, response: requests.Response) -> None:
        super().__init__(f"HTTP {response.status_code}")
        self.response = response


def _raise_http_errors(response: requests.Response, *_args: Any, **_kwargs: Any) -> None:
    # A requests response hook runs inside session.send, so the error reaches our _call
    # before zenpy's _call_api sees the 429 and sleeps out Retry-After on its own.
    if response.status_code >= 400:
        raise ZendeskHTTPError(response)


MARKER_PREFIX = "[baton:"


def marker_line(marker: str) -> str:
    return f"{MARKER_PREFIX}{marker}]"


def _parse_time(value: str) -> datetime:
    parsed = datetime.fromisoformat(value)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def ticket_from_json(data: Mapping[str, Any]) -> Ticket:
    """Map a show-ticket body with users and organizations sideloaded to a Ticket."""
    raw = data["ticket"]
    users = {u["id"]: u for u in data.get("users") or ()}
    orgs = {o["id"]: o for o in data.get("organizations") or ()}
    requester_id = int(raw["requester_id"])
    user = users.get(requester_id, {})
    org_id = user.get("organization_id") or raw.get("organization_id")
    org = orgs.get(org_id, {}) if org_id else {}
    requester = Requester(
        id=requester_id,
        name=user.get("name") or "",
        email=user.get("email") or "",
        locale=user.get("locale"),
        time_zone=user.get("iana_time_zone") or user.get("time_zone"),
        organization_id=int(org_id) if org_id else None,
        organization_name=org.get("name"),
        organization_tags=frozenset(org.get("tags") or ()),
    )
    return Ticket(
        id=int(raw["id"]),
        subject=raw.get("subject") or raw.get("raw_subject") or "",
        # Zendesk's description is the text of the ticket's first comment.
        description=raw.get("description") or "",
        tags=frozenset(raw.get("tags") or ()),
        requester=requester,
        created_at=_parse_time(raw["created_at"]),
        status=raw.get("status") or "open",
        assignee_id=raw.get("assignee_id"),
        submitter_id=raw.get("submitter_id"),
        updated_at=_parse_time(raw["updated_at"]) if raw.get("updated_at") else None,
    )


def update_body(update: TicketUpdate) -> dict[str, Any]:
    """The ticket fields of one update, as Zendesk's update-ticket body expects them."""
    body: dict[str, Any] = {}
    if update.assignee_id is not None:
        body["assignee_id"] = update.assignee_id
    # additional_tags/remove_tags edit the tag list server-side, so a tag an agent adds
    # meanwhile survives (sending "tags" would overwrite the whole list).
    if update.add_tags:
        body["additional_tags"] = list(update.add_tags)
    if update.remove_tags:
        body["remove_tags"] = list(update.remove_tags)
    if update.priority is not None:
        body["priority"] = update.priority
    if update.status is not None:
        body["status"] = update.status
    text, public = (
        (update.public_reply, True) if update.public_reply else (update.internal_note, False)
    )
    if text is not None or update.marker:
        lines = [text] if text else []
        # The marker is for us; a customer must never see it in a public reply.
        if update.marker and not public:
            lines.append(marker_line(update.marker))
        body["comment"] = {"body": "\n\n".join(lines), "public": public}
        if update.author_id is not None:
            body["comment"]["author_id"] = update.author_id
    return body


def comment_from_json(raw: Mapping[str, Any]) -> TicketComment:
    """Map one entry of a comments list to a TicketComment."""
    author = raw.get("author_id")
    return TicketComment(
        id=int(raw["id"]),
        body=raw.get("body") or "",
        public=bool(raw.get("public")),
        author_id=int(author) if author is not None else None,
    )


def attachment_from(a: Any) -> Attachment:
    """A zenpy attachment (or its JSON) as Baton's Attachment."""
    get = a.get if isinstance(a, Mapping) else lambda k, d=None: getattr(a, k, d)
    return Attachment(
        id=int(get("id") or 0),
        file_name=str(get("file_name") or ""),
        content_type=str(get("content_type") or ""),
        size=int(get("size") or 0),
        content_url=str(get("content_url") or ""),
        malware=get("malware_scan_result"),
    )


def _split_base_url(url: str) -> tuple[str, str, str, str]:
    """Split ZENDESK_URL into zenpy's (protocol, subdomain, domain, path prefix)."""
    parts = urlsplit(url.rstrip("/"))
    host = parts.netloc.rpartition("@")[2]
    if host.split(":")[0] == "localhost":
        host = "127.0.0.1" + host[len("localhost") :]  # zenpy needs a dotted host
    subdomain, dot, domain = host.partition(".")
    if parts.scheme not in ("http", "https") or not dot or not subdomain or not domain:
        # zenpy always joins "<subdomain>.<domain>", so a dotless host cannot be expressed.
        raise ConfigError(
            f"ZENDESK_URL={url!r}: expected http(s)://host.with.dots[:port][/path] "
            "(e.g. https://acme.zendesk.com or http://127.0.0.1:8080)"
        )
    return parts.scheme, subdomain, domain, parts.path.strip("/")


def _zenpy_apis(root: object) -> Iterable[BaseApi]:
    """Every zenpy API object reachable from the client (some nest sub-APIs)."""
    seen: set[int] = set()
    stack = [root]
    while stack:
        obj = stack.pop()
        for value in vars(obj).values():
            if isinstance(value, BaseApi) and id(value) not in seen:
                seen.add(id(value))
                stack.append(value)
                yield value


class ZendeskClient:
    """ZendeskPort over zenpy; every call runs in a worker thread and fails as IntegrationError."""

    def __init__(
        self, *, base_url: str, email: str, token: str, timeout: tuple[float, float] = TIMEOUT
    ) -> None:
        protocol, subdomain, domain, path = _split_base_url(base_url)
        self.base_url = f"{protocol}://{subdomain}.{domain}" + (f"/{path}" if path else "")
        self.timeout = timeout
        # Our own session: no transport retries (the outbox retries) and errors raised early.
        self.session = requests.Session()
        for scheme in ("http://", "https://"):
            self.session.mount(scheme, HTTPAdapter(max_retries=0))
        # What each answer says of the account's rate limit, read before an error is raised.
        self._rate: RateSeen | None = None
        self.session.hooks["response"].extend([self._note_rate, _raise_http_errors])
        self.zenpy = Zenpy(
            subdomain=subdomain,
            domain=domain,
            email=email,
            token=token,
            session=self.session,
            timeout=timeout,
            disable_cache=True,  # the API is the truth; zenpy's cache would serve stale tickets
        )
        # zenpy hard-codes https and "api/v2"; each API object carries its own copy.
        for api in _zenpy_apis(self.zenpy):
            api.protocol = protocol
            if path:
                api.api_prefix = f"{path}/{api.api_prefix.lstrip('/')}"

    def _note_rate(self, response: requests.Response, *_args: Any, **_kwargs: Any) -> None:
        seen = _http.rate_seen(response.headers, status=response.status_code)
        if seen is not None:
            self._rate = seen  # one assignment: safe from the calls' threads

    def rate_seen(self) -> RateSeen | None:
        """What the latest answer said of the account's rate limit."""
        return self._rate

    @classmethod
    def from_settings(cls, settings: Settings) -> ZendeskClient:
        """Build the client from ZENDESK_URL, ZENDESK_EMAIL and ZENDESK_API_TOKEN."""
        if not (settings.zendesk_url and settings.zendesk_email and settings.zendesk_api_token):
            raise ConfigError("ZENDESK_URL, ZENDESK_EMAIL and ZENDESK_API_TOKEN must all be set")
        return cls(
            base_url=settings.zendesk_url,
            email=settings.zendesk_email,
            token=settings.zendesk_api_token,
        )

    async def _call(self, what: str, fn: Callable[[], T]) -> T:
        """Run one blocking zenpy call in a thread and translate its failure."""
        try:
            return await asyncio.to_thread(fn)
        except ZendeskHTTPError as err:
            raise self._http_error(what, err.response) from err
        except (requests.Timeout, requests.ConnectionError) as err:
            raise _http.unreachable(SERVICE, what, err) from err
        except (ZenpyException, requests.RequestException, ValueError, KeyError) as err:
            log.warning("zendesk.bad_response", extra={"call": what, "error": type(err).__name__})
            raise IntegrationError(SERVICE, f"{what}: unexpected response ({err})") from err

    def _http_error(self, what: str, response: requests.Response) -> IntegrationError | NotFound:
        return _http.http_error(
            SERVICE,
            what,
            status=response.status_code,
            headers=response.headers,
            body=response.text,
            also=RETRYABLE_STATUSES,
        )

    def _request(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        # For what zenpy cannot do in one request: the same session, auth and timeouts.
        url = f"{self.base_url}/api/v2/{path}"
        return self.session.request(method, url, timeout=self.timeout, **kwargs)

    async def get_ticket(self, ticket_id: int) -> Ticket:
        """Read a ticket with its requester and organization in one request (sideloads)."""
        # zenpy's tickets(id=..., include=...) drops sideloads without its cache and would then
        # fetch the requester lazily: a second request. One raw GET keeps it at one.
        response = await self._call(
            f"get ticket {ticket_id}",
            lambda: self._request(
                "GET",
                f"tickets/{int(ticket_id)}.json",
                params={"include": "users,organizations"},
            ),
        )
        try:
            return ticket_from_json(response.json())
        except (ValueError, KeyError, TypeError) as err:
            raise IntegrationError(SERVICE, f"get ticket {ticket_id}: unreadable body") from err

    async def with_comments(self, ticket: Ticket) -> Ticket:
        """Add every comment's text (public and private) and whether any has an attachment."""

        def read() -> tuple[tuple[str, ...], bool]:
            texts: list[str] = []
            attached = False
            # zenpy asks for pages of 100 and follows the cursor (meta.has_more, links.next).
            for c in self.zenpy.tickets.comments(ticket=ticket.id):
                body = c.body or ""
                if MARKER_PREFIX in body:
                    continue  # Baton's own notes: what they list as missing is not a fact
                texts.append(body)
                attached = attached or bool(c.attachments)
            return tuple(texts), attached

        texts, attached = await self._call(f"list comments of ticket {ticket.id}", read)
        return replace(ticket, comments=texts, has_attachments=ticket.has_attachments or attached)

    async def files(self, ticket_id: int) -> TicketFiles:
        """Every comment's text and attachment, oldest first (Baton's own notes left out)."""

        def read() -> TicketFiles:
            texts: list[str] = []
            files: list[Attachment] = []
            for c in self.zenpy.tickets.comments(ticket=ticket_id):
                body = c.body or ""
                if MARKER_PREFIX in body:
                    continue
                texts.append(body)
                files += [attachment_from(a) for a in c.attachments or ()]
            return TicketFiles(tuple(texts), tuple(files))

        return await self._call(f"list comments of ticket {ticket_id}", read)

    async def download(self, attachment: Attachment, *, max_bytes: int) -> bytes:
        """Read an attachment from its content_url, refusing one over max_bytes."""
        what = f"download attachment {attachment.id}"
        if attachment.size > max_bytes:
            raise TooLarge(SERVICE, f"{what}: {attachment.size} bytes")
        if urlsplit(attachment.content_url).netloc != urlsplit(self.base_url).netloc:
            # Our credentials go to our Zendesk only (Zendesk redirects to its file store).
            raise IntegrationError(SERVICE, f"{what}: not on the Zendesk host")

        def fetch() -> bytes:
            url = attachment.content_url
            with self.session.get(url, timeout=self.timeout, stream=True) as response:
                declared = int(response.headers.get("Content-Length") or 0)
                if declared > max_bytes:
                    raise TooLarge(SERVICE, f"{what}: {declared} bytes")
                chunks, total = [], 0
                for chunk in response.iter_content(64 * 1024):
                    total += len(chunk)
                    if total > max_bytes:
                        raise TooLarge(SERVICE, f"{what}: over {max_bytes} bytes")
                    chunks.append(chunk)
            return b"".join(chunks)

        return await self._call(what, fetch)

    async def update_ticket(self, update: TicketUpdate) -> dict[str, Any]:
        """Apply one update (fields, tags, one comment) in a single PUT."""
        ticket = ZenpyTicket(id=update.ticket_id, **update_body(update))
        result = await self._call(
            f"update ticket {update.ticket_id}", lambda: self.zenpy.tickets.update(ticket)
        )
        audit = getattr(result, "audit", None)
        return {"audit_id": getattr(audit, "id", None)}

    async def has_marker(self, ticket_id: int, marker: str) -> bool:
        """Whether a comment on the ticket carries the marker line."""
        line = marker_line(marker)

        def scan() -> bool:
            return any(
                line in (c.body or "") for c in self.zenpy.tickets.comments(ticket=ticket_id)
            )

        return await self._call(f"list comments of ticket {ticket_id}", scan)

    async def latest_comments(self, ticket_id: int, *, limit: int = 20) -> list[TicketComment]:
        """The ticket's newest comments, newest first, in one request."""
        response = await self._call(
            f"list latest comments of ticket {ticket_id}",
            lambda: self._request(
                "GET",
                f"tickets/{int(ticket_id)}/comments.json",
                params={"sort_order": "desc", "per_page": max(1, min(limit, 100))},
            ),
        )
        try:
            return [comment_from_json(c) for c in response.json()["comments"]][:limit]
        except (ValueError, KeyError, TypeError) as err:
            raise IntegrationError(SERVICE, f"comments of {ticket_id}: unreadable body") from err

    async def user_names(self, user_ids: list[int]) -> dict[int, str]:
        """The names of up to 100 users per request (users/show_many), those Zendesk knows."""
        names: dict[int, str] = {}
        wanted = sorted({int(i) for i in user_ids})
        for start in range(0, len(wanted), SHOW_MANY):
            ids = ",".join(str(i) for i in wanted[start : start + SHOW_MANY])
            response = await self._call(
                "read users",
                functools.partial(
                    self._request, "GET", "users/show_many.json", params={"ids": ids}
                ),
            )
            try:
                for user in response.json().get("users") or ():
                    if user.get("name"):
                        names[int(user["id"])] = str(user["name"])
            except (ValueError, KeyError, TypeError, AttributeError) as err:
                raise IntegrationError(SERVICE, "read users: unreadable body") from err
        return names

    async def setup_webhook(self, *, endpoint_url: str, tags: Tags) -> WebhookSetup:
        """Create or update the Baton webhook and the three triggers that call it (idempotent)."""
        wanted = webhook_template(endpoint_url)

        def find_webhook() -> Any:
            found = self.zenpy.webhooks.list(filter=WEBHOOK_NAME)
            return next((w for w in found if w.name == WEBHOOK_NAME), None)

        webhook = await self._call("find webhook", find_webhook)
        created_webhook = webhook is None
        if webhook is None:
            webhook = await self._call(
                "create webhook", lambda: self.zenpy.webhooks.create(Webhook(**wanted))
            )
        else:
            existing_id = webhook.id
            await self._call(
                "update webhook",
                lambda: self.zenpy.webhooks.update(existing_id, Webhook(**wanted)),
            )
        webhook_id = str(webhook.id)
        secret = None
        if created_webhook:
            # Zendesk shows the signing secret on request; we print it once, at creation.
            found = await self._call(
                "read signing secret", lambda: self.zenpy.webhooks.show_secret(webhook_id)
            )
            secret = getattr(found, "secret", None)

        existing = await self._call("list triggers", lambda: list(self.zenpy.triggers()))
        escalation_id, created_trigger = await self._put_trigger(
            trigger_template(webhook_id=webhook_id, tags=tags),
            next((t for t in existing if is_escalation_trigger(t.title or "")), None),
        )
        solved_id, created_solved = await self._put_trigger(
            solved_trigger_template(webhook_id=webhook_id, tags=tags),
            next((t for t in existing if t.title == SOLVED_TRIGGER_TITLE), None),
        )
        compliance_id, created_compliance = await self._put_trigger(
            compliance_trigger_template(webhook_id=webhook_id, tags=tags),
            next((t for t in existing if t.title == COMPLIANCE_TRIGGER_TITLE), None),
        )
        log.info(
            "zendesk.webhook_setup",
            extra={
                "webhook_id": webhook_id,
                "trigger_id": escalation_id,
                "solved_trigger_id": solved_id,
                "compliance_trigger_id": compliance_id,
                "webhook_created": created_webhook,
            },
        )
        return WebhookSetup(
            webhook_id=webhook_id,
            trigger_id=escalation_id,
            created_webhook=created_webhook,
            created_trigger=created_trigger,
            signing_secret=secret,
            solved_trigger_id=solved_id,
            created_solved_trigger=created_solved,
            compliance_trigger_id=compliance_id,
            created_compliance_trigger=created_compliance,
        )

    async def _put_trigger(self, spec: dict[str, Any], existing: Any) -> tuple[int, bool]:
        """Create the trigger, or update the existing one in place; (id, created)."""
        if existing is None:
            made = await self._call(
                "create trigger", lambda: self.zenpy.triggers.create(Trigger(**spec))
            )
            return int(made.id), True
        changed = Trigger(id=existing.id, **spec)
        await self._call("update trigger", lambda: self.zenpy.triggers.update(changed))
        return int(existing.id), False
