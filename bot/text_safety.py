"""Text from outside made inert before it reaches a terminal or a log line.

Customer text (subjects, names, summaries) and the errors services answer with can carry
control characters: a newline forges a log line or a table row, ``ESC [ 2 J`` clears the
screen, ``ESC ] 8`` plants a hyperlink, ``\\r`` overwrites what was printed, a bell rings,
bidirectional overrides reorder what is read. Each is shown as an escape instead (``\\n``,
``\\x1b``, ``\\u202e``), so the text stays readable and on its line.
"""

from __future__ import annotations

import re

# C0 and C1 controls (ESC, CSI, OSC, BEL, CR, LF, TAB, DEL...), the Unicode line and paragraph
# separators, and the bidirectional embeddings, overrides and isolates.
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")
_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def _escape(match: re.Match[str]) -> str:
    char = match.group()
    if char in _NAMED:
        return _NAMED[char]
    code = ord(char)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def inert(value: object) -> str:
    """value as one line of text with every control character shown as an escape."""
    return _CONTROL.sub(_escape, str(value))
