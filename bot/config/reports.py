"""The `[reports]` part of BATON_CONFIG: when the worker posts the weekly report.

``weekly = "mon 09:00"`` is desk time (the roster's zone); ``weekly = ""`` turns the post off.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import time
from typing import Annotated

from pydantic import AfterValidator

from bot.schema import FileModel

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_WHEN = re.compile(r"(?P<day>[a-z]{3})\s+(?P<h>\d{1,2}):(?P<m>\d{2})")


@dataclass(frozen=True)
class Weekly:
    """A weekday (0 = Monday) and a desk-time clock."""

    weekday: int
    at: time


@dataclass(frozen=True)
class ReportsConfig:
    weekly: Weekly | None = Weekly(0, time(9, 0))


def parse_weekly(value: str) -> Weekly | None:
    """ "mon 09:00" → Weekly(0, 09:00); "" → None (no weekly post)."""
    text = value.strip().lower()
    if not text:
        return None
    found = _WHEN.fullmatch(text)
    if not found or found["day"] not in DAYS:
        raise ValueError('expected a day and a desk time, e.g. "mon 09:00"')
    hour, minute = int(found["h"]), int(found["m"])
    if hour > 23 or minute > 59:
        raise ValueError('expected a day and a desk time, e.g. "mon 09:00"')
    return Weekly(DAYS.index(found["day"]), time(hour, minute))


def _checked(value: str) -> str:
    parse_weekly(value)
    return value


class ReportsFile(FileModel):
    """`[reports]` in BATON_CONFIG; every key optional."""

    weekly: Annotated[str, AfterValidator(_checked)] | None = None


def build(model: ReportsFile) -> ReportsConfig:
    """The ReportsConfig a checked `[reports]` table describes."""
    if model.weekly is None:
        return ReportsConfig()
    return ReportsConfig(weekly=parse_weekly(model.weekly))
