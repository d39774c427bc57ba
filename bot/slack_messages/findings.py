"""The "Transactions" section of an escalation alert: what the automatic lookup found.

A pure builder over the stored findings (escalations.enrichment); each transaction is one
``tx_line``. Masked and escaped like every alert (references and amounts came from outside).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from decimal import Decimal
from typing import Any

from babel.dates import format_date

from bot import i18n
from bot.payments.findings import Findings, FindingState, MatchedBy
from bot.slack_messages import limits
from bot.slack_messages.text import customer
from bot.slack_messages.transactions import money, tx_line

Block = dict[str, Any]


def findings_blocks(
    enrichment: Mapping[str, Any] | None, *, _: i18n.Gettext, locale: str | None, tz: str
) -> list[Block]:
    """The alert's transactions section (nothing when the escalation was not looked up)."""
    if not enrichment:
        return []
    findings = Findings.from_json(enrichment)
    lines = [f":mag: *{_('Transactions')}*", _headline(findings, _, locale)]
    lines += [tx_line(tx, _=_, locale=locale, tz=tz) for tx in findings.transactions]
    text = limits.fit("\n".join(line for line in lines if line), limits.SECTION_TEXT)
    return [{"type": "section", "block_id": "findings", "text": {"type": "mrkdwn", "text": text}}]


def _headline(findings: Findings, _: i18n.Gettext, locale: str | None) -> str:
    asked = _asked(findings.asked, locale)
    state, by = findings.state, findings.matched_by
    if state is FindingState.PENDING:
        return ":hourglass_flowing_sand: " + _(
            "Lookup pending: the transactions source did not answer in time. "
            "This message is updated when it does."
        )
    if state is FindingState.UNAVAILABLE:
        return _("Not looked up: no transactions source is available.")
    if state is FindingState.NOT_RECEIVED:
        return ":warning: " + _(
            "*Not received from the provider*: the source has no deposit matching what the "
            "customer reports ({asked}). Ask the provider whether they received it, quoting the "
            "end-to-end id or reference, the amount and the date, and ask for the payer's bank."
        ).format(asked=asked)
    if state is FindingState.FOUND and by in (MatchedBy.ID, MatchedBy.PROVIDER_REFERENCE):
        return _("Found by the reference in the ticket:")
    if state is FindingState.FOUND and by == MatchedBy.AMOUNT_AND_DATE:
        return _("Found by amount and date ({asked}):").format(asked=asked)
    if state is FindingState.FOUND:
        return _("The ticket names no transaction; the customer's latest:")
    if findings.transactions:
        return _("Nothing matches {asked}; the customer's latest:").format(asked=asked)
    return _("Nothing in the source matches {asked}.").format(asked=asked)


def _asked(asked: Mapping[str, str], locale: str | None) -> str:
    """What the ticket named, briefly: amount, date, reference (escaped, it came from outside)."""
    bits = []
    if asked.get("amount") and asked.get("currency"):
        bits.append(money(Decimal(asked["amount"]), asked["currency"], locale=locale))
    if asked.get("date"):
        day = date.fromisoformat(asked["date"])
        bits.append(str(format_date(day, format="medium", locale=i18n.babel_locale(locale))))
    if asked.get("reference"):
        bits.append(f"`{customer(asked['reference'])}`")
    return " · ".join(bits) or "-"
