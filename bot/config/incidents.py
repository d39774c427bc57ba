"""The `[incidents]` part of BATON_CONFIG: when a wave of escalations, or a provider's failure
rate, opens a provider incident (SPEC §13).

`IncidentsFile` is the section's model (checked at start with the rest of BATON_CONFIG);
`build` turns it into the `IncidentsConfig` the rest of Baton reads.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from typing import Annotated

from pydantic import Field

from bot.schema import FileModel, Text


@dataclass(frozen=True)
class IncidentsConfig:
    # Escalations of one provider and category within window_minutes open an incident.
    min_escalations: int = 5
    window_minutes: float = 30.0
    # Provider health: a failure rate this many times the provider's 7-day rate ...
    spike_factor: float = 3.0
    # ... with at least this many failures in the window.
    min_failures: int = 10
    # The resolution clock of a linked escalation stops while its incident is open.
    pause_sla: bool = True
    # A bulk resolution's replies are spread at this pace, under Zendesk's account limit
    # (200 a minute on the smallest plan), so the wave does not spend its budget on 429s.
    replies_per_minute: int = 150
    # Provider names a ticket's words may name (besides those the transactions source knows).
    providers: tuple[str, ...] = field(default_factory=tuple)

    @property
    def window(self) -> timedelta:
        return timedelta(minutes=self.window_minutes)


class IncidentsFile(FileModel):
    """`[incidents]` in BATON_CONFIG; every key optional."""

    min_escalations: Annotated[int, Field(ge=2, le=10_000)] | None = None
    window_minutes: Annotated[float, Field(gt=0, le=24 * 60)] | None = None
    spike_factor: Annotated[float, Field(gt=1)] | None = None
    min_failures: Annotated[int, Field(ge=1)] | None = None
    pause_sla: bool | None = None
    replies_per_minute: Annotated[int, Field(ge=1, le=10_000)] | None = None
    providers: list[Text] | None = None


def build(model: IncidentsFile) -> IncidentsConfig:
    """The IncidentsConfig a checked `[incidents]` table describes (defaults for the rest)."""
    given = model.model_dump(exclude_unset=True, exclude_none=True)
    if "providers" in given:
        given["providers"] = tuple(p.lower() for p in given["providers"])
    for key in ("window_minutes", "spike_factor"):
        if key in given:
            given[key] = float(given[key])
    return IncidentsConfig(**given)
