"""What the document checks found, as passed / warning / failed lines, stored as JSON."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

# The documents a KYC case needs, in the order a reply lists them (bot/drafts' Document values).
KYC_DOCUMENTS: tuple[str, ...] = ("id_document", "selfie", "proof_of_address")


class Level(StrEnum):
    PASSED = "passed"
    WARNING = "warning"
    FAILED = "failed"


class State(StrEnum):
    DONE = "done"
    PENDING = "pending"  # the check did not finish within the timeout: the outbox repeats it
    UNAVAILABLE = "unavailable"  # Zendesk refused, or the retry budget is spent


@dataclass(frozen=True)
class Line:
    """One finding. subject and detail are already masked (never a number in clear)."""

    level: Level
    code: str
    subject: str = ""
    detail: str = ""

    def to_json(self) -> dict[str, str]:
        return {
            "level": str(self.level),
            "code": self.code,
            "subject": self.subject,
            "detail": self.detail,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Line:
        return cls(
            Level(str(data.get("level", Level.WARNING))),
            str(data.get("code", "")),
            str(data.get("subject", "")),
            str(data.get("detail", "")),
        )


@dataclass(frozen=True)
class DocumentFindings:
    state: State
    lines: tuple[Line, ...] = ()
    missing: tuple[str, ...] = field(default=())  # KYC_DOCUMENTS still to ask for

    @property
    def worst(self) -> Level | None:
        levels = {line.level for line in self.lines}
        for level in (Level.FAILED, Level.WARNING, Level.PASSED):
            if level in levels:
                return level
        return None

    def count(self, level: Level) -> int:
        return sum(1 for line in self.lines if line.level is level)

    def to_json(self) -> dict[str, Any]:
        return {
            "state": str(self.state),
            "lines": [line.to_json() for line in self.lines],
            "missing": list(self.missing),
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any] | None) -> DocumentFindings | None:
        if not data:
            return None
        lines: Sequence[Mapping[str, Any]] = data.get("lines") or ()
        return cls(
            State(str(data.get("state", State.DONE))),
            tuple(Line.from_json(x) for x in lines),
            tuple(str(x) for x in data.get("missing") or ()),
        )
