"""POST /webhooks/zendesk through the real app: signatures, both body shapes, dedupe, 4xx."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import func, select

import handlers.body as request_body
from bot.app import create_app
from bot.config import Settings, Tags
from bot.desk.roster import load_roster
from bot.escalations.intake import event_matters
from bot.events import zendesk as zendesk_events
from bot.events.zendesk import BadZendeskEvent, ZendeskEvent
from bot.services import Services, Unconfigured
from bot.store import inbox
from bot.store.db import Database
from bot.store.models import InboxEvent
from handlers.signing import sign_zendesk
from tests.web import app_client

ROOT = Path(__file__).resolve().parents[3]
ZD = Path(__file__).parent / "fixtures" / "zendesk"
SECRET = "dGhpc19zZWNyZXRfaXNfZm9yX3Rlc3Rpbmdfb25seQ=="
NOW = datetime(2024, 5, 1, 10, 0, 0, tzinfo=UTC)
TS = "2024-05-01T09:59:30Z"

TRIGGER_BODY = json.dumps(
    {
        "ticket_id": "35436",
        "event": "esc_senior",
        "updated_at": "May 1, 2024 09:59",
        "tags": "esc_senior esc_kyc vip",
    }
).encode()
TICKET_EVENT = {
    "type": "zen:event-type:ticket.tags_changed",
    "account_id": 12514403,
    "id": "0c0b7ac0-5e6a-4a7e-9d0e-5b1f5e0c9a11",
    "time": "2024-05-01T09:59:30Z",
    "zendesk_event_version": "2022-11-06",
    "subject": "zen:ticket:35436",
    "detail": {"id": "35436", "requester_id": "6596848315901", "tags": ["esc_senior"]},
    "event": {"current": ["esc_senior"], "previous": []},
}


def make_services(db: Database, *, secret: str | None = SECRET) -> Services:
    return Services(
        settings=Settings(database_url=db.url, zendesk_webhook_secret=secret),
        db=db,
        roster=load_roster(ROOT / "examples" / "roster.toml"),
        zendesk=Unconfigured("zendesk"),
        slack=Unconfigured("slack"),
        clock=lambda: NOW,
    )


@pytest.fixture
async def services(db: Database) -> Services:
    return make_services(db)


@pytest.fixture
async def client(services: Services) -> AsyncIterator[TestClient[Any, Any]]:
    async with app_client(services) as c:
        yield c


def signed(body: bytes, *, ts: str = TS, secret: str = SECRET, **extra: str) -> dict[str, str]:
    return {
        "Content-Type": "application/json; charset=utf-8",
        "X-Zendesk-Webhook-Signature-Timestamp": ts,
        "X-Zendesk-Webhook-Signature": sign_zendesk(secret, ts, body),
        **extra,
    }


def invocation(value: str) -> dict[str, str]:
    return {"X-Zendesk-Webhook-Invocation-Id": value}


async def post(
    client: TestClient[Any, Any], body: bytes, headers: dict[str, str]
) -> tuple[int, Any]:
    resp = await client.post("/webhooks/zendesk", data=body, headers=headers)
    return resp.status, await resp.json()


async def inbox_rows(db: Database) -> list[InboxEvent]:
    async with db.session() as s:
        return list((await s.execute(select(InboxEvent).order_by(InboxEvent.id))).scalars())


def rejected(services: Services, reason: str) -> float:
    return services.metrics.value(
        "baton_webhooks_rejected_total", {"source": "zendesk", "reason": reason}
    )


async def test_trigger_body_is_stored(
    client: TestClient[Any, Any], db: Database, services: Services
) -> None:
    assert await post(client, TRIGGER_BODY, signed(TRIGGER_BODY)) == (200, {"status": "stored"})
    [row] = await inbox_rows(db)
    assert (row.source, row.kind, row.ticket_id, row.status) == (
        "zendesk",
        "trigger",
        35436,
        "pending",
    )
    assert inbox.zendesk_event(row) == ZendeskEvent(
        kind="trigger", ticket_id=35436, tags=frozenset({"esc_senior", "esc_kyc", "vip"})
    )
    assert row.payload is None  # the event, read once: the raw body is not kept
    assert row.dedupe_key.startswith("zendesk:sha256:")
    assert services.metrics.value("baton_webhooks_received_total", {"source": "zendesk"}) == 1


async def test_event_subscription_body_is_stored(
    client: TestClient[Any, Any], db: Database
) -> None:
    body = json.dumps(TICKET_EVENT, indent="\t").encode()
    assert await post(client, body, signed(body)) == (200, {"status": "stored"})
    [row] = await inbox_rows(db)
    assert (row.kind, row.ticket_id) == ("ticket.tags_changed", 35436)
    assert row.dedupe_key == f"zendesk:event:{TICKET_EVENT['id']}"


async def test_recorded_user_event_with_its_real_signature_is_ignored(
    db: Database,
) -> None:
    # The recorded vector: Zendesk's test secret, epoch timestamp "1234", the byte-exact body.
    vector = json.loads((ZD / "signing_test_vector.json").read_text(encoding="utf-8"))
    body = (ZD / "event_user_group_membership_created_body.json").read_bytes()
    services = make_services(db, secret=vector["signing_secret"])
    services.clock = lambda: datetime.fromtimestamp(1234 + 60, tz=UTC)
    async with app_client(services) as c:
        status, answer = await post(c, body, vector["headers"])
    assert (status, answer) == (200, {"status": "ignored"})
    assert await inbox_rows(db) == []


async def test_duplicate_delivered_three_times_is_stored_once(
    client: TestClient[Any, Any], db: Database
) -> None:
    answers = [await post(client, TRIGGER_BODY, signed(TRIGGER_BODY)) for _ in range(3)]
    assert [a[1]["status"] for a in answers] == ["stored", "duplicate", "duplicate"]
    assert len(await inbox_rows(db)) == 1


async def test_a_retry_resigned_later_is_a_duplicate_whatever_its_invocation_header(
    client: TestClient[Any, Any], db: Database
) -> None:
    first = await post(client, TRIGGER_BODY, signed(TRIGGER_BODY, **invocation("8350205582")))
    # Re-signed with a new timestamp; the unsigned invocation id is new too (a replay) or absent.
    later = "2024-05-01T10:01:00Z"
    again = await post(client, TRIGGER_BODY, signed(TRIGGER_BODY, ts=later, **invocation("1")))
    bare = await post(client, TRIGGER_BODY, signed(TRIGGER_BODY, ts=later))
    assert [a[1]["status"] for a in (first, again, bare)] == ["stored", "duplicate", "duplicate"]
    [row] = await inbox_rows(db)
    assert row.dedupe_key.startswith("zendesk:sha256:") and "8350205582" not in row.dedupe_key


async def test_a_forged_invocation_header_cannot_suppress_a_real_event(
    client: TestClient[Any, Any], db: Database
) -> None:
    # A captured delivery replayed under the invocation id the next real one will carry...
    replay = await post(client, TRIGGER_BODY, signed(TRIGGER_BODY, **invocation("8350205583")))
    real = TRIGGER_BODY.replace(b"09:59", b"10:00")  # the next update of the ticket
    later = await post(client, real, signed(real, **invocation("8350205583")))
    assert (replay[1]["status"], later[1]["status"]) == ("stored", "stored")
    event = json.dumps(TICKET_EVENT).encode()
    await post(client, event, signed(event, **invocation("e2")))
    other = json.dumps({**TICKET_EVENT, "id": "another-event"}).encode()
    assert (await post(client, other, signed(other, **invocation("e2"))))[1]["status"] == "stored"
    assert len(await inbox_rows(db)) == 4


async def test_a_body_without_updated_at_is_keyed_with_its_signature_timestamp(
    client: TestClient[Any, Any], db: Database
) -> None:
    body = json.dumps({"ticket_id": "35436", "event": "esc_senior"}).encode()  # hand-written
    first = await post(client, body, signed(body))
    replayed = await post(client, body, signed(body, **invocation("new")))
    later = await post(client, body, signed(body, ts="2024-05-01T10:02:00Z"))
    assert [a[1]["status"] for a in (first, replayed, later)] == ["stored", "duplicate", "stored"]


@pytest.mark.parametrize(
    ("headers", "reason"),
    [
        (
            {"X-Zendesk-Webhook-Signature": "forged+signature+AAAAAAAAAAAAAAAAAAAAAAAAAA="},
            "signature mismatch",
        ),
        ({"X-Zendesk-Webhook-Signature": ""}, "missing signature"),
        ({"X-Zendesk-Webhook-Signature-Timestamp": ""}, "missing signature timestamp"),
    ],
)
async def test_forged_or_missing_signature_is_401(
    client: TestClient[Any, Any],
    db: Database,
    services: Services,
    headers: dict[str, str],
    reason: str,
) -> None:
    assert await post(client, TRIGGER_BODY, {**signed(TRIGGER_BODY), **headers}) == (
        401,
        {"error": reason},
    )
    assert await inbox_rows(db) == []
    assert rejected(services, reason) == 1


async def test_signed_with_another_secret_is_401(client: TestClient[Any, Any]) -> None:
    status, _ = await post(client, TRIGGER_BODY, signed(TRIGGER_BODY, secret="guess"))
    assert status == 401


async def test_body_changed_after_signing_is_401(client: TestClient[Any, Any]) -> None:
    tampered = TRIGGER_BODY.replace(b"35436", b"35437")
    assert (await post(client, tampered, signed(TRIGGER_BODY)))[0] == 401


async def test_stale_timestamp_is_401(client: TestClient[Any, Any], db: Database) -> None:
    old = "2024-05-01T09:54:59Z"  # 5 min 1 s before the clock
    assert await post(client, TRIGGER_BODY, signed(TRIGGER_BODY, ts=old)) == (
        401,
        {"error": "stale timestamp"},
    )
    assert await inbox_rows(db) == []


async def test_unset_secret_rejects_everything(db: Database) -> None:
    async with app_client(make_services(db, secret=None)) as c:
        status, answer = await post(c, TRIGGER_BODY, signed(TRIGGER_BODY))
    assert (status, answer) == (503, {"error": "webhook secret not configured"})
    assert await inbox_rows(db) == []


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b"{not json", "body is not valid JSON"),
        (b"\xff\xfe", "body is not valid JSON"),
        (b"[1, 2]", "body must be a JSON object"),
        (b'"35436"', "body must be a JSON object"),
        (
            b'{"event": "esc_senior"}',
            "no ticket id (expected ticket_id, or an event with detail.id)",
        ),
        (b'{"ticket_id": "{{ticket.id}}"}', "ticket_id must be a positive integer in digits"),
        (b'{"ticket_id": "-5"}', "ticket_id must be a positive integer in digits"),
        (b'{"ticket_id": true}', "ticket_id must be a positive integer in digits"),
        (b'{"ticket_id": null}', "ticket_id must be a positive integer in digits"),
        (b'{"type": "zen:event-type:ticket.created", "id": "e1"}', "ticket event has no detail.id"),
        (
            b'{"type": "zen:event-type:ticket.created", "detail": {"id": "x1"}}',
            "detail.id must be a positive integer in digits",
        ),
    ],
)
async def test_malformed_signed_body_is_400(
    client: TestClient[Any, Any], db: Database, services: Services, body: bytes, reason: str
) -> None:
    assert await post(client, body, signed(body)) == (400, {"error": reason})
    assert await inbox_rows(db) == []
    assert rejected(services, reason) == 1


@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded", ""])
async def test_wrong_content_type_is_415(client: TestClient[Any, Any], content_type: str) -> None:
    headers = {**signed(TRIGGER_BODY), "Content-Type": content_type}
    status, answer = await post(client, TRIGGER_BODY, headers)
    assert status == 415 and "application/json" in answer["error"]


async def test_oversized_body_is_413(client: TestClient[Any, Any], db: Database) -> None:
    body = json.dumps({"ticket_id": "1", "pad": "x" * (256 * 1024)}).encode()
    assert (await post(client, body, signed(body)))[0] == 413

    async def chunks() -> AsyncIterator[bytes]:
        for _ in range(5):
            yield b" " * (64 * 1024)
        yield TRIGGER_BODY

    # Chunked, so no Content-Length up front: the limit still holds while reading.
    resp = await client.post("/webhooks/zendesk", data=chunks(), headers=signed(TRIGGER_BODY))
    assert resp.status == 413
    assert await inbox_rows(db) == []


async def test_nothing_answers_500(client: TestClient[Any, Any]) -> None:
    bodies = [
        b"",
        b"null",
        b"{}",
        b'{"type": 5}',
        b'{"type": "zen:event-type:ticket.x", "detail": []}',
        b'{"ticket_id": 1e400}',
        b'{"ticket_id": "' + b"9" * 5000 + b'"}',
    ]
    for body in bodies:
        status, _ = await post(client, body, signed(body))
        assert 400 <= status < 500, body
    resp = await client.get("/webhooks/zendesk")
    assert resp.status == 405


async def test_database_down_is_503_not_500(db: Database) -> None:
    broken = Database("sqlite:////nonexistent-dir/baton.db")
    services = make_services(broken)
    app = create_app(services)
    async with TestClient(TestServer(app)) as c:
        status, answer = await post(c, TRIGGER_BODY, signed(TRIGGER_BODY))
    assert status == 503 and "retry" in answer["error"]


@dataclass(frozen=True)
class Parsed:
    dedupe_key: str
    event: ZendeskEvent
    ignored: bool

    @property
    def kind(self) -> str:
        return self.event.kind

    @property
    def ticket_id(self) -> int | None:
        return self.event.ticket_id


def parse_zendesk_event(
    body: bytes, headers: Mapping[str, str], *, tags: Tags | None = None
) -> Parsed:
    """What the endpoint reads from a body: its dedupe key, its event, whether it is kept."""
    key, event = zendesk_events.parse(body, request_body.loads(body), headers)
    return Parsed(key, event, not event_matters(event, tags=tags or Tags()))


def test_parse_is_pure_and_reads_headers_case_insensitively() -> None:
    event = parse_zendesk_event(TRIGGER_BODY, {"x-zendesk-webhook-invocation-id": "77"})
    assert (event.kind, event.ticket_id) == ("trigger", 35436)
    assert event.dedupe_key == parse_zendesk_event(TRIGGER_BODY, {}).dedupe_key
    bare = b'{"ticket_id": "35436"}'
    stamped = parse_zendesk_event(bare, {"x-zendesk-webhook-signature-timestamp": TS})
    assert stamped.dedupe_key != parse_zendesk_event(bare, {}).dedupe_key
    recorded = json.loads((ZD / "trigger_webhook_body_example.json").read_bytes())
    assert parse_zendesk_event(json.dumps(recorded).encode(), {}).ticket_id == 12345
    long = parse_zendesk_event(json.dumps({**TICKET_EVENT, "id": "i" * 500}).encode(), {})
    assert len(long.dedupe_key) <= 200
    with pytest.raises(BadZendeskEvent):
        parse_zendesk_event(b"[]", {})


async def test_count_of_rows_after_mixed_traffic(
    client: TestClient[Any, Any], db: Database
) -> None:
    event = json.dumps(TICKET_EVENT).encode()
    for body in (TRIGGER_BODY, event, TRIGGER_BODY, event, b"{bad"):
        await post(client, body, signed(body))
    async with db.session() as s:
        assert await s.scalar(select(func.count()).select_from(InboxEvent)) == 2


def event_body(kind: str, *, tags: list[str] | None, **detail: str) -> bytes:
    body: dict[str, Any] = {**TICKET_EVENT, "type": f"zen:event-type:{kind}"}
    body["id"] = f"{kind}-{tags}-{detail}"
    body["detail"] = {"id": "35436", **detail, **({"tags": tags} if tags is not None else {})}
    return json.dumps(body).encode()


@pytest.mark.parametrize(
    ("kind", "tags", "detail", "answer"),
    [
        # Escalation candidates: the trigger's own conditions, read from the body's tags.
        ("ticket.tags_changed", ["esc_senior", "esc_kyc"], {}, "stored"),
        ("ticket.created", ["esc_senior"], {}, "stored"),
        ("ticket.tags_changed", None, {}, "stored"),  # no tags in the body: the worker decides
        ("ticket.tags_changed", ["esc_kyc"], {}, "ignored"),
        ("ticket.tags_changed", ["esc_senior", "baton_routed"], {}, "ignored"),
        ("ticket.tags_changed", ["esc_senior", "baton_unassigned"], {}, "ignored"),
        ("ticket.tags_changed", ["esc_senior", "baton_incomplete"], {}, "stored"),  # re-escalated
        ("ticket.comment_added", ["esc_senior"], {}, "ignored"),
        ("ticket.priority_changed", ["esc_senior"], {}, "ignored"),
        # Solved or closed: closes the escalation of a ticket Baton holds.
        ("ticket.status_changed", ["esc_senior", "baton_routed"], {"status": "SOLVED"}, "stored"),
        ("ticket.status_changed", None, {"status": "CLOSED"}, "stored"),
        ("ticket.status_changed", ["baton_incomplete"], {"status": "SOLVED"}, "stored"),
        ("ticket.status_changed", ["other"], {"status": "SOLVED"}, "ignored"),
        ("ticket.status_changed", ["baton_routed"], {"status": "PENDING"}, "ignored"),
    ],
)
async def test_event_bodies_that_are_not_escalations_are_acknowledged_not_stored(
    client: TestClient[Any, Any],
    db: Database,
    kind: str,
    tags: list[str] | None,
    detail: dict[str, str],
    answer: str,
) -> None:
    body = event_body(kind, tags=tags, **detail)
    assert await post(client, body, signed(body)) == (200, {"status": answer})
    rows = await inbox_rows(db)
    assert len(rows) == (answer == "stored")
    if rows:
        assert (rows[0].kind, rows[0].ticket_id) == (kind, 35436)


def test_status_changed_reads_the_new_status_from_the_event() -> None:
    recorded_shape = {  # as Zendesk documents it: detail.status and event.current, upper case
        "type": "zen:event-type:ticket.status_changed",
        "id": "a8b9c1d2-3e4f-5a6b-7c8d-9e0f1a2b3c4d",
        "subject": "zen:ticket:5158",
        "detail": {"id": "5158", "status": "SOLVED"},
        "event": {"current": "SOLVED", "previous": "OPEN"},
    }
    event = parse_zendesk_event(json.dumps(recorded_shape).encode(), {})
    assert (event.kind, event.ticket_id, event.ignored) == ("ticket.status_changed", 5158, False)
    reopened = {**recorded_shape, "event": {"current": "OPEN", "previous": "SOLVED"}}
    assert parse_zendesk_event(json.dumps(reopened).encode(), {}).ignored


async def test_solved_trigger_body_is_stored_as_its_own_kind(
    client: TestClient[Any, Any], db: Database
) -> None:
    body = json.dumps(
        {"ticket_id": "35436", "event": "ticket_solved", "status": "Solved", "agent_id": "7"}
    ).encode()
    assert await post(client, body, signed(body)) == (200, {"status": "stored"})
    [row] = await inbox_rows(db)
    assert (row.kind, row.ticket_id) == ("ticket_solved", 35436)


def test_renamed_tags_decide_which_events_are_escalations() -> None:
    renamed = Tags(escalate="n2_escalar", routed="n2_ok", unassigned="n2_fila")
    mine = event_body("ticket.tags_changed", tags=["n2_escalar", "esc_kyc"])
    assert not parse_zendesk_event(mine, {}, tags=renamed).ignored
    assert parse_zendesk_event(mine, {}).ignored  # with the default names it is not one
    default = event_body("ticket.tags_changed", tags=["esc_senior", "esc_kyc"])
    assert parse_zendesk_event(default, {}, tags=renamed).ignored
    routed = event_body("ticket.tags_changed", tags=["n2_escalar", "n2_ok"])
    assert parse_zendesk_event(routed, {}, tags=renamed).ignored
