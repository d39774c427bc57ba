"""The one envelope every modal is built in: callback id, title, buttons, metadata, blocks.

Each modal builder writes only its blocks; the envelope, and Slack's limits on its title and
buttons (``limits.view``), are the same for all of them.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from bot.slack_messages import limits


def _plain(text: str) -> dict[str, str]:
    return {"type": "plain_text", "text": text}


def modal(
    *,
    callback_id: str,
    title: str,
    close: str,
    blocks: Sequence[dict[str, Any]],
    submit: str | None = None,
    private_metadata: str | None = None,
) -> dict[str, Any]:
    """A modal view within Slack's limits; without ``submit`` it only shows (a notice)."""
    view: dict[str, Any] = {"type": "modal", "callback_id": callback_id}
    if private_metadata is not None:
        view["private_metadata"] = private_metadata
    view["title"] = _plain(title)
    if submit is not None:
        view["submit"] = _plain(submit)
    view["close"] = _plain(close)
    view["blocks"] = list(blocks)
    return limits.view(view)
