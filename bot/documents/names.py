"""Holder names compared the way people write them: without accents, case or word order."""

from __future__ import annotations

import re
import unicodedata
from enum import StrEnum

_NOT_LETTER = re.compile(r"[^\w]+|[\d_]+")


class NameMatch(StrEnum):
    MATCH = "match"  # every word of the shorter name is in the longer one
    PARTIAL = "partial"  # some words shared (a married name, a second surname left out)
    MISMATCH = "mismatch"


def words(name: str) -> frozenset[str]:
    """The name's words, folded: "José  da Silva" and "SILVA<<JOSE<DA" give the same set."""
    decomposed = unicodedata.normalize("NFKD", name.replace("<", " "))
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return frozenset(w for w in _NOT_LETTER.split(plain.casefold()) if w)


def compare(document: str, account: str) -> NameMatch | None:
    """How a document's holder name compares with the account holder's (None: one is empty)."""
    a, b = words(document), words(account)
    if not a or not b:
        return None
    shorter, longer = (a, b) if len(a) <= len(b) else (b, a)
    if shorter <= longer:
        return NameMatch.MATCH
    return NameMatch.PARTIAL if a & b else NameMatch.MISMATCH
