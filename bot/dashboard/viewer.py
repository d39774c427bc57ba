"""Who is looking at the dashboard, and what they may see."""

from __future__ import annotations

from dataclasses import dataclass

from bot.domain import Analyst, Category, Role

WALLBOARD = "wallboard"  # the read-only view BATON_DASHBOARD_TOKEN opens


@dataclass(frozen=True)
class Viewer:
    """A signed-in browser: a roster analyst (Sign in with Slack) or the wall-board."""

    who: str  # roster key, or WALLBOARD
    name: str
    locale: str
    csrf: str
    analyst: Analyst | None = None

    @property
    def read_only(self) -> bool:
        return self.analyst is None

    @property
    def is_compliance(self) -> bool:
        return self.analyst is not None and self.analyst.has_role(Role.COMPLIANCE)

    @property
    def is_lead(self) -> bool:
        return self.analyst is not None and self.analyst.has_role(Role.LEAD)

    def may_see(self, category: str | None) -> bool:
        """A compliance case (AML, fraud) shows to compliance only: never on the wall."""
        try:
            compliance = category is not None and Category(category).is_compliance
        except ValueError:
            compliance = False
        return not compliance or self.is_compliance
