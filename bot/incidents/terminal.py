"""`baton incidents [--open]`: the incidents as terminal lines (text escaped for a terminal)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from zoneinfo import ZoneInfo

from bot.domain import IncidentSummary
from bot.incidents import overview
from bot.store.db import Database
from bot.text_safety import inert


def lines(incidents: Sequence[IncidentSummary], *, tz: ZoneInfo) -> list[str]:
    """One line per incident, then what it holds; a line saying so when there are none."""
    if not incidents:
        return ["No incidents."]
    out: list[str] = []
    for inc in incidents:
        what = inc.category or "all payment categories"
        money = " · ".join(f"{v:,.2f} {c}" for c, v in inc.amounts.items()) or "-"
        since = inc.since.astimezone(tz).strftime("%Y-%m-%d %H:%M")
        out.append(
            inert(
                f"{inc.ref}  {inc.status:<8} {inc.provider} ({what}), from {inc.source}, "
                f"since {since}: {inc.count} escalations, {money}"
            )
        )
        details = [f"analysts: {', '.join(inc.analysts) or '-'}"]
        if inc.jira_key:
            details.append(f"Jira {inc.jira_key}")
        if inc.replies_total:
            details.append(f"{inc.replies_done} of {inc.replies_total} answered")
        if inc.root_cause:
            details.append(f"root cause {inc.root_cause.replace('_', ' ')}")
        out.append(inert("    " + "; ".join(details)))
    return out


async def print_incidents(
    url: str, *, open_only: bool, tz: ZoneInfo, echo: Callable[[str], object]
) -> None:
    """Print the incidents (open ones only if asked), newest first."""
    db = Database(url)
    try:
        async with db.read_session() as s:
            found = await overview.listing(s, open_only=open_only)
    finally:
        await db.dispose()
    for line in lines(found, tz=tz):
        echo(line)
