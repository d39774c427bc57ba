"""Outsourcing agents by their Zendesk names: read once from the Zendesk users API and kept.

An agent escalates by tag in Zendesk, so Baton knows their Zendesk id; the name comes from
Zendesk (the ZendeskPort). A name not known yet is asked for; Zendesk down or not configured
leaves the id shown, and the next report asks again.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Iterable

from bot.errors import IntegrationError, NotConfigured
from bot.reports.views import Report
from bot.services import Services
from bot.store import agents

log = logging.getLogger(__name__)


async def learn_names(services: Services, ids: Iterable[int | None]) -> dict[int, str]:
    """The names of these agents, asking Zendesk for those not stored yet."""
    wanted = {int(i) for i in ids if i is not None}
    async with services.db.session() as s:
        known = await agents.names(s, wanted)
    missing = sorted(wanted - known.keys())
    if not missing:
        return known
    try:
        found = await services.zendesk.user_names(missing)
    except (IntegrationError, NotConfigured) as err:
        log.info("agents.names_unavailable", extra={"missing": len(missing), "error": str(err)})
        return known
    if found:
        async with services.db.session() as s:
            await agents.remember(s, found, now=services.clock())
    return {**known, **found}


async def with_names(services: Services, report: Report) -> Report:
    """The report with its agents' Zendesk names (asked for those not known yet)."""
    found = await learn_names(services, (a.agent_id for a in report.by_agent))
    return dataclasses.replace(report, agent_names=found) if found else report
