"""Document numbers as keyed hashes (HMAC-SHA256 under BATON_SECRET_KEY): comparable, never
readable. The key is derived for this one use, so a fingerprint is no sealed value's key."""

from __future__ import annotations

import hashlib
import hmac

_CONTEXT = b"baton document fingerprint v1"


def fingerprint(secret: str, *, kind: str, number: str) -> str:
    """The keyed hash of a normalized number of a kind ("cpf", "mrz:UTO:P"), 64 hex chars."""
    key = hmac.new(secret.encode(), _CONTEXT, hashlib.sha256).digest()
    value = "".join(ch for ch in number.upper() if ch.isalnum())
    return hmac.new(key, f"{kind}:{value}".encode(), hashlib.sha256).hexdigest()
