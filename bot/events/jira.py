"""A Jira webhook body, read into a JiraEvent: the issue, its status and resolution, a comment.

Jira retries a delivery for up to about 30 minutes and may deliver twice; the same delivery
carries the same X-Atlassian-Webhook-Identifier, which is the inbox's dedupe key.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, fields
from typing import Any

from bot.events import MAX_KEY, MAX_KIND

SOURCE = "jira"
IDENTIFIER = "X-Atlassian-Webhook-Identifier"
# Events that can change what Baton shows; others (created, deleted, worklogs) are acknowledged.
STORED = frozenset({"jira:issue_updated", "comment_created"})


class BadJiraEvent(ValueError):
    """A body that is not a Jira webhook event; the message is the reason."""


@dataclass(frozen=True)
class JiraEvent:
    """One delivery's event: what it says about an issue's status, resolution and comments."""

    kind: str  # the webhookEvent
    issue_id: str | None = None
    issue_key: str | None = None
    # The linked escalation's ticket, looked up when stored: it orders the event with the
    # ticket's other work (None: no link yet, its create's answer may still be on its way).
    ticket_id: int | None = None
    timestamp: str | None = None
    status_from: str | None = None
    status_to: str | None = None
    resolution: str | None = None  # "" when cleared (the issue reopened)
    comment_id: str | None = None  # set with a comment ("" when it has no id)
    comment: str | None = None  # the comment's text, whole

    def __post_init__(self) -> None:
        object.__setattr__(self, "kind", self.kind[:MAX_KIND])

    @property
    def ignored(self) -> bool:
        """Acknowledged, not stored: it cannot change what Baton shows."""
        return self.kind not in STORED

    def to_json(self) -> dict[str, Any]:
        """The fields as the inbox stores them."""
        # Every field is a scalar: no deep copy (asdict) needed.
        return {f.name: getattr(self, f.name) for f in fields(self)}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> JiraEvent:
        """The event the inbox stored (to_json's answer)."""
        return cls(**data)


def _text(body: Any) -> str:
    """A comment body: plain text (REST v2, webhooks) or an Atlassian Document's text nodes."""
    if isinstance(body, str):
        return body
    if isinstance(body, Mapping):
        if body.get("type") == "text":
            return str(body.get("text") or "")
        parts = [_text(c) for c in body.get("content") or ()]
        return ("\n" if body.get("type") == "doc" else "").join(parts)
    return ""


def _changes(data: Mapping[str, Any]) -> tuple[str | None, str | None, str | None]:
    """The status change (from, to) and the resolution that changelog.items record."""
    changelog = data.get("changelog")
    items = changelog.get("items") if isinstance(changelog, Mapping) else None
    status_from = status_to = resolution = None
    for item in items or ():
        if not isinstance(item, Mapping):
            continue
        if item.get("field") == "status":
            status_from, status_to = item.get("fromString"), item.get("toString")
        elif item.get("field") == "resolution":
            # A cleared resolution (the issue reopened) is "", so resolving it again pings.
            resolution = (item.get("toString") or "resolved") if item.get("to") else ""
    return (
        str(status_from) if status_from else None,
        str(status_to) if status_to else None,
        str(resolution) if resolution is not None else None,
    )


def read_event(data: Any) -> JiraEvent:
    """Read a decoded Jira webhook body; raise BadJiraEvent with a reason."""
    if not isinstance(data, dict):
        raise BadJiraEvent("body must be a JSON object")
    kind = data.get("webhookEvent")
    if not isinstance(kind, str) or not kind:
        raise BadJiraEvent("no webhookEvent")
    if kind not in STORED:
        return JiraEvent(kind=kind)
    issue = data.get("issue")
    if not isinstance(issue, dict) or not isinstance(issue.get("key"), str):
        raise BadJiraEvent("issue event without issue.id and issue.key")
    raw_id = issue.get("id")
    if not isinstance(raw_id, str | int) or isinstance(raw_id, bool) or not str(raw_id):
        raise BadJiraEvent("issue event without issue.id and issue.key")
    for name in ("changelog", "comment"):
        if name in data and not isinstance(data[name], dict):
            raise BadJiraEvent(f"{name} must be an object")
    status_from, status_to, resolution = _changes(data)
    comment = data.get("comment")
    stamp = data.get("timestamp")
    return JiraEvent(
        kind=kind,
        issue_id=str(raw_id),
        issue_key=issue["key"],
        timestamp=str(stamp) if stamp else None,
        status_from=status_from,
        status_to=status_to,
        resolution=resolution,
        comment_id=str(comment.get("id") or "") if isinstance(comment, dict) else None,
        comment=(_text(comment.get("body")).strip() or None) if isinstance(comment, dict) else None,
    )


def parse(body: bytes, data: Any, headers: Mapping[str, str]) -> tuple[str, JiraEvent]:
    """The dedupe key and the event of a delivery (data is body, decoded); raise BadJiraEvent."""
    event = read_event(data)
    wanted = IDENTIFIER.lower()
    identifier = next((v.strip() for k, v in headers.items() if k.lower() == wanted), "")
    key = f"{SOURCE}:delivery:{identifier}" if identifier else ""
    if not key or len(key) > MAX_KEY:
        key = f"{SOURCE}:sha256:" + hashlib.sha256(identifier.encode() or body).hexdigest()
    return key, event
