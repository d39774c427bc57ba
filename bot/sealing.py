"""Sealed button values: what a Slack button carries, encrypted and authenticated (Fernet).

A button's value is stored in Slack with its message and comes back from whoever clicks, so
anything Baton reads from one is sealed with a key derived from ``SLACK_SIGNING_SECRET`` and
a purpose (one key per kind of button): a value nobody here sealed, one sealed for another
button, or one older than its time to live is refused.
"""

from __future__ import annotations

import base64
import hashlib
import json
from datetime import datetime
from typing import Any

from cryptography.fernet import Fernet, InvalidToken


class Unsealable(ValueError):
    """The value was not sealed here for this purpose, or it is too old."""


class Sealer:
    """Seals and opens one kind of button value."""

    def __init__(self, secret: str | None, purpose: str) -> None:
        digest = hashlib.sha256(f"baton:{purpose}:".encode() + (secret or "").encode()).digest()
        self._fernet = Fernet(base64.urlsafe_b64encode(digest))

    def seal(self, data: dict[str, Any], *, now: datetime) -> str:
        """The value for a button: data (JSON) sealed, stamped with now."""
        raw = json.dumps(data, separators=(",", ":")).encode()
        return self._fernet.encrypt_at_time(raw, int(now.timestamp())).decode()

    def open(self, value: object, *, ttl: int, now: datetime) -> dict[str, Any]:
        """The data a value carries; Unsealable if it is foreign, tampered with or expired."""
        try:
            if not isinstance(value, str):
                raise InvalidToken
            data = json.loads(self._fernet.decrypt_at_time(value, ttl, int(now.timestamp())))
        except (InvalidToken, ValueError) as err:
            raise Unsealable(str(err) or "not sealed here") from err
        if not isinstance(data, dict):
            raise Unsealable("not a sealed object")
        return data
