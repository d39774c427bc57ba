"""The one place where outside text is made safe for Slack's mrkdwn."""

from __future__ import annotations

from bot.masking import mask

# Slack's own rule: only these three are control characters in message text.
_ESCAPES = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;"})


def escape(text: str) -> str:
    """Render text literally in mrkdwn: `<!channel>` shows, it does not ping anyone."""
    return text.translate(_ESCAPES)


def customer(text: str | None) -> str:
    """Text a customer or an agent wrote: masked (PII) and escaped (control sequences)."""
    return escape(mask(text or ""))
