"""Which provider an escalation is about, and the group it joins: provider and category."""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping
from typing import Any

from bot.domain import Category

# The categories a provider's failure shows up in; compliance cases are never grouped.
PAYMENT_CATEGORIES = frozenset({Category.WITHDRAWAL, Category.DEPOSIT_MISSING, Category.TX_FAILED})

_WORD = re.compile(r"[\w.-]+", re.UNICODE)


def groupable(category: str | None) -> bool:
    """Whether an escalation of this category may join a provider incident."""
    try:
        return category is not None and Category(category) in PAYMENT_CATEGORIES
    except ValueError:
        return False


def enrichment_provider(enrichment: Mapping[str, Any] | None) -> str | None:
    """The provider of the transaction the lookup matched (best match first)."""
    for tx in (enrichment or {}).get("transactions") or ():
        provider = tx.get("provider") if isinstance(tx, Mapping) else None
        if provider:
            return str(provider).strip().lower()
    return None


def named_provider(text: str, known: Collection[str]) -> str | None:
    """A provider the ticket's words name, among those known (whole words, any case)."""
    if not text or not known:
        return None
    words = {w.lower().strip(".-") for w in _WORD.findall(text)}
    hits = sorted(p for p in known if p in words)
    return hits[0] if len(hits) == 1 else None  # two named: ambiguous, left to the analyst


def provider_of(
    *, enrichment: Mapping[str, Any] | None, words: str, known: Collection[str]
) -> str | None:
    """The escalation's provider: the matched transaction's, else the one its words name."""
    return enrichment_provider(enrichment) or named_provider(words, known)


def open_key(provider: str, category: str | None) -> str:
    """The incidents.open_key of an open incident of this group ("*": every payment category)."""
    return f"{provider}:{category or '*'}"


def matches(
    incident_provider: str, incident_category: str | None, provider: str, category: str
) -> bool:
    """Whether an escalation of (provider, category) belongs to this incident."""
    return incident_provider == provider and incident_category in (None, category)
