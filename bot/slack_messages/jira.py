"""Jira in Slack: the alert's issue line, the resolution ping, a comment offered as a note.

Pure builders: data and a gettext in, text and Block Kit out; text from Jira is escaped and
masked here (``text.customer``), once.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from bot import i18n
from bot.masking import mask, mask_deep
from bot.slack_messages import limits
from bot.slack_messages.ids import JiraAction
from bot.slack_messages.text import customer, escape


def issue_link(key: str, url: str) -> str:
    """A Jira key as a mrkdwn link (key and URL come from Jira: escaped)."""
    return f"<{escape(url)}|{escape(key)}>"


def issues_line(issues: Sequence[Mapping[str, Any]], _: i18n.Gettext) -> str | None:
    """ "Jira: PAY-12 (In Progress), COMP-3" for an alert, or None without issues."""
    parts = []
    for issue in issues:
        key, url = str(issue.get("key") or ""), str(issue.get("url") or "")
        if not key:
            continue
        status = issue.get("status")
        link = issue_link(key, url) if url else escape(key)
        parts.append(f"{link} ({escape(str(status))})" if status else link)
    if not parts:
        return None
    return _("Jira: {issues}").format(issues=", ".join(parts))


def resolved_ping(
    _: i18n.Gettext, *, key: str, url: str, resolution: str, ticket_id: int
) -> tuple[str, list[dict[str, Any]]]:
    """Tell the analyst their escalation's issue was resolved."""
    text = _("Jira {issue} was resolved ({resolution}): ticket #{ticket} can move on.").format(
        issue=issue_link(key, url), resolution=escape(resolution), ticket=ticket_id
    )
    blocks = [{"type": "section", "text": {"type": "mrkdwn", "text": f":white_check_mark: {text}"}}]
    return limits.message(mask(text), mask_deep(blocks))


def comment_offer(
    _: i18n.Gettext, *, key: str, url: str, ticket_id: int, comment: str, offer_id: int
) -> tuple[str, list[dict[str, Any]]]:
    """A comment written in Jira for the customer, with a button to add it to the ticket.

    A comment too long for Slack is cut, with a link to the issue to read the rest.
    """
    link = issue_link(key, url)
    intro = _("{issue} has a comment for the customer of ticket #{ticket}:").format(
        issue=link, ticket=ticket_id
    )
    quoted = "\n".join(f"> {line}" for line in customer(comment).splitlines() or [""])
    quoted = limits.fit(quoted, limits.SECTION_TEXT - limits.length(intro) - 1, more=link)
    button = {
        "type": "button",
        "action_id": str(JiraAction.ADD_NOTE),
        "text": {"type": "plain_text", "text": _("Add as internal note")},
        "value": str(offer_id),
    }
    blocks = [
        {"type": "section", "text": {"type": "mrkdwn", "text": f"{intro}\n{quoted}"}},
        {"type": "actions", "block_id": f"jira_offer:{offer_id}", "elements": [button]},
    ]
    return limits.message(mask(intro), mask_deep(blocks))
