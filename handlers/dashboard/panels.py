"""The now page's panels that other capabilities fill: open incidents, money requests waiting.

bot/dashboard may not import its sibling capabilities, so the edge, which may, hands their
sources to the now page (bot/dashboard/now.py's ``Panel``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from decimal import Decimal

from babel.numbers import format_currency
from sqlalchemy.ext.asyncio import AsyncSession

from bot import i18n
from bot.dashboard.now import Panel, PanelRow
from bot.dashboard.viewer import Viewer
from bot.errors import N_
from bot.incidents import overview
from bot.money import waiting as money_waiting
from bot.slack_messages import money as render_money


def _amounts(amounts: Mapping[str, Decimal], babel: str) -> str:
    return " · ".join(
        format_currency(value, currency, locale=babel)
        for currency, value in sorted(amounts.items())
    )


async def incidents(s: AsyncSession, _now: datetime, viewer: Viewer) -> Sequence[PanelRow]:
    """Open provider incidents, newest first: ref, provider, size and amounts."""
    _ = i18n.translator(viewer.locale)
    babel = i18n.babel_locale(viewer.locale)
    rows = []
    for inc in await overview.listing(s, open_only=True):
        parts = [
            f"{inc.ref}: {inc.provider}",
            inc.category or "",
            f"{_('Escalations')}: {inc.count}",
            f"{_('Amounts')}: {_amounts(inc.amounts, babel)}" if inc.amounts else "",
        ]
        rows.append(PanelRow(" · ".join(p for p in parts if p), at=inc.since))
    return rows


async def money(s: AsyncSession, _now: datetime, viewer: Viewer) -> Sequence[PanelRow]:
    """Money requests waiting for approval, oldest first; compliance ones to compliance only."""
    _ = i18n.translator(viewer.locale)
    babel = i18n.babel_locale(viewer.locale)
    rows = []
    for w in await money_waiting.waiting_in(s):
        if w.compliance and not viewer.is_compliance:
            continue
        parts = [
            f"#{w.id} {render_money.kind_label(_, w.type)}",
            format_currency(w.amount, w.currency, locale=babel),
            _("still needs {needs}").format(needs=render_money.needs_text(_, w.needs))
            if w.needs
            else "",
        ]
        text = " · ".join(p for p in parts if p)
        rows.append(PanelRow(text, link=f"/escalations/{w.ticket_id}", at=w.since))
    return rows


PANELS: tuple[Panel, ...] = (
    Panel("incidents", N_("Open incidents"), incidents),
    Panel("money", N_("Money requests waiting"), money),
)
