"""Phone numbers, found by libphonenumber in the formats of the desk's markets."""

from __future__ import annotations

import functools
import re

import phonenumbers

from bot.masking.spans import Span, keep_last

# National formats are read as each of the desk's markets would write them, the busiest first;
# numbers written with "+" are international and need no region.
_PHONE_REGIONS = ("BR", "RU", "CN", "US", "MX", "ES")
# Stretches that could hold a phone number: digits with the punctuation people put in them, not
# tied to an id, a time ("18:30") or cents (",00"). Running the matcher on these alone, not on the
# whole message six times over, keeps masking fast: most dates and amounts never reach it.
_PHONE_CANDIDATE = re.compile(
    r"(?<![0-9A-Za-z_•])(?<![0-9][:,])[+＋]?[(（]?[0-9][0-9 \u00a0\-.()（）/]*[0-9]"
    r"(?![0-9A-Za-z_•]|[:,][0-9])"
)
# An amount with cents ("12345678.90", "1.234.567.890,00") has the digits of a phone number.
_AMOUNT = re.compile(r"[0-9]{1,3}(?:[ .\u00a0\u202f][0-9]{3})*[.,][0-9]{2}|[0-9]+[.,][0-9]{2}")
# Fewer digits than this is a short or service number ("4004-1234"), not a person's: a national
# number in these regions has at least nine (Spain), an international one seven.
_MIN_NATIONAL, _MIN_INTERNATIONAL = 9, 7


@functools.lru_cache(maxsize=4096)
def _phones_in(candidate: str) -> tuple[tuple[int, int], ...]:
    """Return the spans of the phone numbers libphonenumber finds in one candidate stretch."""
    digits = sum(ch.isdigit() for ch in candidate)
    international = candidate[0] in "+＋"
    if digits < (_MIN_INTERNATIONAL if international else _MIN_NATIONAL):
        return ()
    if _AMOUNT.fullmatch(candidate):
        return ()
    found: set[tuple[int, int]] = set()
    covered: set[int] = set()
    for region in (None,) if international else _PHONE_REGIONS:
        for m in phonenumbers.PhoneNumberMatcher(candidate, region):
            found.add((m.start, m.end))
            covered.update(i for i in range(m.start, m.end) if candidate[i].isdigit())
        # Once the stretch's every digit is in a phone number, other regions can add nothing.
        if len(covered) == digits:
            break
    return tuple(sorted(found))


def phone_spans(text: str) -> list[Span]:
    """Find phone numbers the way libphonenumber does and keep their last two digits."""
    found = [
        (c.start() + s, c.start() + e)
        for c in _PHONE_CANDIDATE.finditer(text)
        for s, e in _phones_in(c.group(0))
    ]
    merged: list[list[int]] = []
    for start, end in found:
        if merged and start < merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    return [(s, e, keep_last(text[s:e], 2)) for s, e in merged]
