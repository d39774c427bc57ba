"""What the masking stages share: a span to replace, keeping a value's last characters."""

from __future__ import annotations

DOT = "•"

Span = tuple[int, int, str]
"""A stretch of text to replace: start, end, replacement."""


def keep_last(text: str, keep: int, *, letters: bool = False) -> str:
    """Dot every digit (and letter, if asked) but the last ``keep`` digits, keeping separators."""
    hideable = [i for i, ch in enumerate(text) if ch.isdigit() or (letters and ch.isalpha())]
    digits = [i for i in hideable if text[i].isdigit()]
    shown = set(digits[len(digits) - keep :]) if keep else set()
    hidden = set(hideable) - shown
    return "".join(DOT if i in hidden else ch for i, ch in enumerate(text))


def apply(text: str, spans: list[Span]) -> str:
    """Replace non-overlapping spans (sorted by start) in text."""
    if not spans:
        return text
    out, pos = [], 0
    for start, end, repl in spans:
        out += [text[pos:start], repl]
        pos = end
    out.append(text[pos:])
    return "".join(out)
