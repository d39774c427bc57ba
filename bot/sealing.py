"""Sealed button values: what a Slack button carries, encrypted and authenticated (Fernet).

A button's value is stored in Slack with its message and comes back from whoever clicks, so
anything Baton reads from one is sealed with a key derived from ``BATON_SECRET_KEY`` and
a purpose (one key per kind of button): a value nobody here sealed, one sealed for another
button, or one older than its time to live is refused.
"""

from __future__ import annotations

import base64
import hashlib
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from cryptography.fernet import Fernet, InvalidToken

from bot.errors import N_, UserFacingError


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


LOOKUP_PAGE_TTL = 24 * 3600  # seconds a "More" button keeps working (its page may be stale by then)


@dataclass(frozen=True)
class LookupPage:
    """Which page of which transaction lookup: a query typed, or an escalation's customer.

    The "More" button carries it, and a button's value is stored in Slack with the message:
    sealed, so the customer's e-mail never sits there in clear.
    """

    query: str | None = None
    escalation_id: int | None = None
    cursor: str | None = None
    first: int = 1  # position of the page's first transaction


def _lookup_sealer(secret: str | None) -> Sealer:
    return Sealer(secret, "txn-more")


def seal_lookup_page(secret: str | None, page: LookupPage, *, now: datetime) -> str:
    """The More button's value for a page: sealed, so the query is not readable in Slack."""
    data = {"q": page.query, "e": page.escalation_id, "c": page.cursor, "n": page.first}
    return _lookup_sealer(secret).seal(data, now=now)


def open_lookup_page(secret: str | None, value: object, *, now: datetime) -> LookupPage:
    """Read a More button's value back; an expired or foreign one is out of date."""
    try:
        data = _lookup_sealer(secret).open(value, ttl=LOOKUP_PAGE_TTL, now=now)
        return LookupPage(
            query=data["q"], escalation_id=data["e"], cursor=data["c"], first=data["n"]
        )
    except (Unsealable, KeyError, TypeError) as err:
        raise UserFacingError(N_("This button is out of date: search again.")) from err
