"""Signature checks against Slack's and Zendesk's recorded vectors, and Jira's X-Hub."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.errors import SignatureError
from handlers.signing import (
    sign_hub,
    sign_slack,
    sign_zendesk,
    verify_hub_signature,
    verify_slack_signature,
    verify_zendesk_signature,
)

ZD = Path(__file__).parent / "webhooks" / "fixtures" / "zendesk"
VECTOR = json.loads((ZD / "signing_test_vector.json").read_text(encoding="utf-8"))
BODY = (ZD / "event_user_group_membership_created_body.json").read_bytes()
SECRET = VECTOR["signing_secret"]
TS = VECTOR["headers"]["X-Zendesk-Webhook-Signature-Timestamp"]
SIG = VECTOR["expected_signature"]
AT_TS = datetime.fromtimestamp(int(TS), tz=UTC)


def verify(**overrides: object) -> None:
    args: dict[str, object] = {
        "secret": SECRET,
        "timestamp": TS,
        "body": BODY,
        "signature": SIG,
        "now": AT_TS,
    }
    verify_zendesk_signature(**{**args, **overrides})  # type: ignore[arg-type]


def test_recorded_vector_body_is_byte_exact() -> None:
    assert BODY.decode() == VECTOR["raw_body"]
    assert len(BODY) == 534


def test_sign_matches_recorded_vector() -> None:
    assert sign_zendesk(SECRET, TS, BODY) == SIG


def test_recorded_vector_verifies() -> None:
    verify()


def test_vector_wrong_variants_are_not_what_we_compute() -> None:
    decoded_key_sig, no_newline_sig = (
        "Yf7IAOoYEOP2aa2bTuGgwtjXxRn64WFzCqoDmC9HkBs=",
        "kvWjaewTmBsDVRjQ3UaEiTsGMU5eeIv33St++Kl9z+Q=",
    )
    assert all(v in " ".join(VECTOR["notes"]) for v in (decoded_key_sig, no_newline_sig))
    with pytest.raises(SignatureError, match="mismatch"):
        verify(signature=decoded_key_sig)
    with pytest.raises(SignatureError, match="mismatch"):
        verify(signature=no_newline_sig)
    # The body without its trailing newline is a different message.
    with pytest.raises(SignatureError, match="mismatch"):
        verify(body=BODY.rstrip(b"\n"))
    assert sign_zendesk(SECRET, TS, BODY.rstrip(b"\n")) == no_newline_sig
    decoded = base64.b64decode(SECRET).decode()
    assert sign_zendesk(decoded, TS, BODY) != SIG


@pytest.mark.parametrize(
    ("overrides", "reason"),
    [
        ({"signature": None}, "missing signature"),
        ({"signature": ""}, "missing signature"),
        ({"timestamp": None}, "missing signature timestamp"),
        ({"timestamp": "1235"}, "mismatch"),
        ({"secret": "another secret"}, "mismatch"),
        ({"body": BODY.replace(b"end-user", b"admin")}, "mismatch"),
        ({"signature": SIG[:-2] + "A="}, "mismatch"),
    ],
)
def test_rejects_tampering(overrides: dict[str, object], reason: str) -> None:
    with pytest.raises(SignatureError, match=reason):
        verify(**overrides)


@pytest.mark.parametrize("offset", [301, -301, 86400])
def test_rejects_timestamp_more_than_five_minutes_off(offset: int) -> None:
    with pytest.raises(SignatureError, match="stale"):
        verify(now=AT_TS + timedelta(seconds=offset))


@pytest.mark.parametrize("offset", [300, -300, 0])
def test_accepts_timestamp_within_five_minutes(offset: int) -> None:
    verify(now=AT_TS + timedelta(seconds=offset))


def test_iso_timestamp_as_real_deliveries_send() -> None:
    ts = "2023-09-18T23:38:13Z"
    sig = sign_zendesk(SECRET, ts, BODY)
    now = datetime(2023, 9, 18, 23, 40, 0, tzinfo=UTC)
    verify_zendesk_signature(secret=SECRET, timestamp=ts, body=BODY, signature=sig, now=now)
    with pytest.raises(SignatureError, match="stale"):
        verify_zendesk_signature(
            secret=SECRET, timestamp=ts, body=BODY, signature=sig, now=now + timedelta(minutes=5)
        )


def test_unreadable_timestamp_rejected_even_when_signed() -> None:
    sig = sign_zendesk(SECRET, "yesterday", BODY)
    with pytest.raises(SignatureError, match="unreadable"):
        verify(timestamp="yesterday", signature=sig)


def test_hub_signature() -> None:
    body = b'{"webhookEvent":"jira:issue_updated"}'
    header = sign_hub("s3cret", body)
    assert header.startswith("sha256=") and len(header) == 7 + 64
    verify_hub_signature("s3cret", body, header)
    verify_hub_signature("s3cret", body, header.upper().replace("SHA256=", "sha256="))
    for bad, reason in [
        (None, "missing"),
        ("", "missing"),
        ("sha1=" + header[7:], "algorithm"),
        ("sha256=", "algorithm"),
        ("sha256=" + "0" * 64, "mismatch"),
    ]:
        with pytest.raises(SignatureError, match=reason):
            verify_hub_signature("s3cret", body, bad)
    with pytest.raises(SignatureError, match="mismatch"):
        verify_hub_signature("other", body, header)


def _slack_vector() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(
        (Path(__file__).parent / "slack" / "fixtures" / "signing_test_vector.json").read_text()
    )
    return data


def test_slack_signature_matches_slacks_own_vector() -> None:
    v = _slack_vector()
    ts, body = v["headers"]["X-Slack-Request-Timestamp"], v["raw_body"].encode()
    assert sign_slack(v["signing_secret"], ts, body) == v["expected_signature"]
    at = datetime.fromtimestamp(int(ts), tz=UTC)
    verify_slack_signature(
        secret=v["signing_secret"],
        timestamp=ts,
        body=body,
        signature=v["expected_signature"],
        now=at,
    )
    with pytest.raises(SignatureError, match="mismatch"):
        verify_slack_signature(
            secret=v["signing_secret"],
            timestamp=ts,
            body=body + b"------",
            signature=v["expected_signature"],
            now=at,
        )
    with pytest.raises(SignatureError, match="stale"):  # the vector is years old
        verify_slack_signature(
            secret=v["signing_secret"],
            timestamp=ts,
            body=body,
            signature=v["expected_signature"],
            now=at + timedelta(minutes=6),
        )
