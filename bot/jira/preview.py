"""What Jira issue each escalation would get, printed by `baton demo` (no request to Jira)."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import select

from bot.jira import issues
from bot.services import Services
from bot.store.models import Escalation, RoutingDecisionRow


async def print_issues(services: Services, echo: Callable[[str], object]) -> None:
    """One block per escalation: project, issue type, summary, labels, priority."""
    async with services.db.session() as s:
        rows = list(await s.scalars(select(Escalation).order_by(Escalation.ticket_id)))
        reasons = {
            r.escalation_id: list(r.reasons)
            for r in await s.scalars(select(RoutingDecisionRow).order_by(RoutingDecisionRow.id))
        }
    if not rows:
        return
    echo(
        "\nThe Jira issue each escalation would get (`/baton jira <ticket>`, or at routing for "
        "AML and fraud cases, which go to the compliance project unmasked):"
    )
    config = services.settings.config
    for esc in rows:
        if esc.category is None:
            continue  # incomplete: nothing to file yet
        project, issue_type = issues.target(config, category=esc.category)
        analyst = services.roster.by_key(esc.analyst_key) if esc.analyst_key else None
        draft = issues.draft(
            services.settings,
            esc,
            project=project,
            issue_type=issue_type,
            reasons=reasons.get(esc.id, ()),
            analyst=analyst.name if analyst else None,
        )
        priority = f", priority {draft.priority}" if draft.priority else ""
        echo(
            f"  #{esc.ticket_id} → {draft.project} / {draft.issue_type}{priority}: {draft.summary}"
        )
        echo(f"      labels: {', '.join(draft.labels)}")
