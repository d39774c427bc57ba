"""Request signature checks: Slack (v0), Zendesk (timestamped HMAC, base64), Jira (X-Hub)."""

from __future__ import annotations

import base64
import hashlib
import hmac
from datetime import UTC, datetime, timedelta

from bot.errors import SignatureError

DEFAULT_TOLERANCE = 300  # seconds a Zendesk timestamp may be off from our clock


def sign_zendesk(secret: str, timestamp: str, body: bytes) -> str:
    """Return Zendesk's signature: base64(HMAC-SHA256(secret, timestamp + body))."""
    # The secret string's own bytes are the key; Zendesk does not base64-decode it.
    digest = hmac.new(secret.encode(), timestamp.encode() + body, hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


def parse_timestamp(value: str) -> datetime:
    """Read a signature timestamp: ISO-8601 (what deliveries send) or epoch seconds."""
    text = value.strip()
    if not text:
        raise SignatureError("empty signature timestamp")
    if text.isdigit():
        return datetime.fromtimestamp(int(text), tz=UTC)
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError as err:
        raise SignatureError("unreadable signature timestamp") from err
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed


def verify_zendesk_signature(
    *,
    secret: str,
    timestamp: str | None,
    body: bytes,
    signature: str | None,
    now: datetime,
    tolerance: float = DEFAULT_TOLERANCE,
) -> None:
    """Raise SignatureError unless signature is Zendesk's for body and timestamp is fresh."""
    if not signature:
        raise SignatureError("missing signature")
    if not timestamp:
        raise SignatureError("missing signature timestamp")
    expected = sign_zendesk(secret, timestamp, body)
    if not hmac.compare_digest(expected.encode(), signature.strip().encode()):
        raise SignatureError("signature mismatch")
    # Checked after the HMAC so an attacker learns nothing about our clock from unsigned junk.
    skew = abs((now - parse_timestamp(timestamp)).total_seconds())
    if skew > tolerance:
        raise SignatureError("stale timestamp")


def sign_hub(secret: str, body: bytes) -> str:
    """Return an X-Hub-Signature value: sha256=<hex HMAC-SHA256(secret, body)>."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def verify_hub_signature(secret: str, body: bytes, header: str | None) -> None:
    """Raise SignatureError unless header is `sha256=<hex>` of body keyed with secret."""
    if not header:
        raise SignatureError("missing signature")
    algorithm, _, received = header.strip().partition("=")
    if algorithm.lower() != "sha256" or not received:
        raise SignatureError("unsupported signature algorithm")
    if not hmac.compare_digest(
        sign_hub(secret, body).encode(), f"sha256={received.lower()}".encode()
    ):
        raise SignatureError("signature mismatch")


def sign_slack(secret: str, timestamp: str, body: bytes) -> str:
    """Return Slack's v0 signature: v0=<hex HMAC-SHA256(secret, "v0:" + ts + ":" + body)>."""
    base = b"v0:" + timestamp.encode() + b":" + body
    return "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()


def verify_slack_signature(
    *,
    secret: str,
    timestamp: str | None,
    body: bytes,
    signature: str | None,
    now: datetime,
    tolerance: float = DEFAULT_TOLERANCE,
) -> datetime:
    """Raise SignatureError unless signature is Slack's for the raw body and ts is fresh.

    Over the raw bytes, so a signed body that is not even text is recognised as signed.
    Returns when the signature stops being accepted (its timestamp plus the tolerance): until
    then a copy of the request would pass this check too, so it must be remembered that long.
    """
    if not signature:
        raise SignatureError("missing signature")
    if not timestamp or not timestamp.strip().isdigit():
        raise SignatureError("missing or unreadable signature timestamp")
    expected = sign_slack(secret, timestamp.strip(), body)
    if not hmac.compare_digest(expected.encode(), signature.strip().encode()):
        raise SignatureError("signature mismatch")
    stamped = parse_timestamp(timestamp)
    if abs((now - stamped).total_seconds()) > tolerance:
        raise SignatureError("stale timestamp")
    return stamped + timedelta(seconds=tolerance)
