"""The fake Zendesk's REST endpoints: tickets (show, update), comments, webhooks, triggers."""

from __future__ import annotations

import base64
import re
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from tests.fakes.base import Answer

if TYPE_CHECKING:
    from tests.fakes.zendesk_server import FakeZendesk

NOW = "2024-05-01T10:00:00Z"
# What Zendesk answers a PUT that sets the description (the key is read-only after creation).
DESCRIPTION_READ_ONLY = {
    "error": "RecordInvalid",
    "description": "The description key on the ticket object is read-only. "
    "Use the comment resource instead for setting the ticket description.",
}
# What Zendesk answers any update of a closed ticket (closed is final: a follow-up ticket is
# the only way on).
CLOSED_PREVENTS_UPDATE = {
    "error": "RecordInvalid",
    "description": "Record validation errors",
    "details": {"status": [{"description": "Status: closed prevents ticket update"}]},
}
COMMENTS_PAGE_MAX = 100  # Zendesk's largest page[size]
API_USER_ID = 1  # the agent whose API token Baton uses


NOT_FOUND: Answer = (
    404,
    {},
    {"error": "RecordNotFound", "description": "Not found"},
)
PAGE = {"meta": {"has_more": False, "after_cursor": None, "before_cursor": None}}


def route(
    fake: FakeZendesk, method: str, path: str, query: dict[str, list[str]], body: Any
) -> Answer:
    s = fake.state
    if m := re.fullmatch(r"/api/v2/tickets/(\d+)\.json", path):
        tid = int(m[1])
        if tid not in s.tickets:
            return NOT_FOUND
        if method == "GET":
            return 200, {}, _show_ticket(fake, tid, query)
        if method == "PUT":
            changes = (body or {}).get("ticket", {})
            if s.tickets[tid].get("status") == "closed":
                return 422, {}, CLOSED_PREVENTS_UPDATE
            if "description" in changes:
                return 422, {}, DESCRIPTION_READ_ONLY
            return 200, {}, _update_ticket(fake, tid, changes)
    if (m := re.fullmatch(r"/api/v2/tickets/(\d+)/comments\.json", path)) and method == "GET":
        if int(m[1]) not in s.tickets:
            return NOT_FOUND
        return 200, {}, _list_comments(fake, int(m[1]), query)
    if (m := re.fullmatch(r"/attachments/token/(\w+)/?", path)) and method == "GET":
        # Zendesk answers an attachment's content_url with a redirect to its file store.
        if m[1] not in s.files:
            return NOT_FOUND
        return 302, {"Location": f"{fake.url}/storage/{m[1]}"}, None
    if (m := re.fullmatch(r"/storage/(\w+)", path)) and method == "GET":
        if m[1] not in s.files:
            return NOT_FOUND
        data, content_type = s.files[m[1]]
        return 200, {"Content-Type": content_type}, data
    if path == "/api/v2/users/show_many.json" and method == "GET":
        # Zendesk answers the users it has among the ids (at most 100), unknown ones left out.
        raw = ",".join(query.get("ids", [])).split(",")
        ids = [int(i) for i in raw if i.strip().isdigit()]
        if len(ids) > 100:
            return 400, {}, {"error": "InvalidValue", "description": "Too many ids (max 100)"}
        return 200, {}, {"users": [s.users[i] for i in ids if i in s.users], **PAGE}
    if path == "/api/v2/webhooks":
        if method == "GET":
            name = query.get("filter[name_contains]", [""])[0]
            found = [w for w in s.webhooks.values() if name in w["name"]]
            return 200, {}, {"webhooks": found, **PAGE, "links": {"next": None, "prev": None}}
        if method == "POST":
            wid = f"01HBATON{next(fake._ids)}"
            hook = {**body["webhook"], "id": wid, "created_at": NOW}
            hook.pop("signing_secret", None)
            s.webhooks[wid] = hook
            s.secrets[wid] = base64.b64encode(f"secret-{wid}".encode()).decode()
            return 201, {}, {"webhook": hook}
    if m := re.fullmatch(r"/api/v2/webhooks/(\w+)(/signing_secret)?", path):
        wid = m[1]
        if wid not in s.webhooks:
            return NOT_FOUND
        if m[2] and method == "GET":
            return 200, {}, {"signing_secret": {"algorithm": "SHA256", "secret": s.secrets[wid]}}
        if method == "GET":
            return 200, {}, {"webhook": s.webhooks[wid]}
        if method == "PUT":
            s.webhooks[wid] = {**body["webhook"], "id": wid, "created_at": NOW}
            return 204, {}, None
    if path == "/api/v2/triggers.json":
        if method == "GET":
            return 200, {}, {"triggers": list(s.triggers.values()), **PAGE, "links": {"next": None}}
        if method == "POST":
            trigger = {**body["trigger"], "id": next(fake._ids), "created_at": NOW}
            s.triggers[trigger["id"]] = trigger
            return 201, {}, {"trigger": trigger}
    if (m := re.fullmatch(r"/api/v2/triggers/(\d+)\.json", path)) and method == "PUT":
        tid = int(m[1])
        if tid not in s.triggers:
            return NOT_FOUND
        s.triggers[tid] = {**s.triggers[tid], **body["trigger"], "id": tid}
        return 200, {}, {"trigger": s.triggers[tid]}
    return NOT_FOUND


def _show_ticket(fake: FakeZendesk, tid: int, query: dict[str, list[str]]) -> dict[str, Any]:
    s = fake.state
    ticket = s.tickets[tid]
    out: dict[str, Any] = {"ticket": ticket}
    include = set(",".join(query.get("include", [])).split(","))
    if "users" in include:
        ids = {ticket.get(k) for k in ("requester_id", "submitter_id", "assignee_id")}
        out["users"] = [u for uid, u in s.users.items() if uid in ids]
    if "organizations" in include:
        ids = {ticket.get("organization_id")} | {u.get("organization_id") for u in s.users.values()}
        out["organizations"] = [o for oid, o in s.organizations.items() if oid in ids]
    return out


def stamp(at: datetime) -> str:
    return at.strftime("%Y-%m-%dT%H:%M:%SZ")


def touch(ticket: dict[str, Any]) -> None:
    """Move updated_at on: now, and always later than before (whole seconds, as Zendesk)."""
    before = ticket.get("updated_at")
    at = datetime.now(UTC).replace(microsecond=0)
    if before:
        at = max(at, datetime.fromisoformat(before.replace("Z", "+00:00")) + timedelta(seconds=1))
    ticket["updated_at"] = stamp(at)


def _list_comments(fake: FakeZendesk, tid: int, query: dict[str, list[str]]) -> dict[str, Any]:
    comments = fake.state.comments[tid]
    if query.get("sort_order", ["asc"])[0] == "desc":
        comments = comments[::-1]  # newest first
    if "page[size]" not in query:
        # Without page[size] Zendesk pages by offset (per_page, at most 100).
        per_page = max(1, min(COMMENTS_PAGE_MAX, int(query.get("per_page", ["100"])[0])))
        return {
            "comments": comments[:per_page],
            "next_page": None,
            "previous_page": None,
            "count": len(comments),
        }
    size = max(1, min(COMMENTS_PAGE_MAX, int(query["page[size]"][0])))
    after = query.get("page[after]", [""])[0]
    start = int(base64.b64decode(after).decode()) if after else 0
    page = comments[start : start + size]
    end = start + len(page)
    cursor = base64.b64encode(str(end).encode()).decode()
    link = f"{fake.url}/api/v2/tickets/{tid}/comments.json?" + urlencode(
        {"page[after]": cursor, "page[size]": size}
    )
    return {
        "comments": page,
        "meta": {"has_more": end < len(comments), "after_cursor": cursor, "before_cursor": None},
        "links": {"prev": None, "next": link},
    }


def _update_ticket(fake: FakeZendesk, tid: int, changes: dict[str, Any]) -> dict[str, Any]:
    ticket = fake.state.tickets[tid]
    tags = list(changes.get("tags", ticket.get("tags") or []))
    tags += [t for t in changes.get("additional_tags", []) if t not in tags]
    tags = [t for t in tags if t not in changes.get("remove_tags", [])]
    ticket["tags"] = tags
    for key in ("assignee_id", "priority", "status", "subject"):
        if key in changes:
            ticket[key] = changes[key]
    touch(ticket)
    events = []
    if comment := changes.get("comment"):
        # Without author_id the comment is the API user's (the agent the token belongs to).
        author = comment.get("author_id", API_USER_ID)
        c = fake._comment(comment["body"], public=comment.get("public", True), author=author)
        fake.state.comments[tid].append(c)
        events.append(c)
    audit = {"id": next(fake._ids), "ticket_id": tid, "created_at": NOW, "events": events}
    return {"ticket": ticket, "audit": audit}
