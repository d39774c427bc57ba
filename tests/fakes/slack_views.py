"""The modals the fake Slack keeps open, and its answers to views.open and views.update."""

from __future__ import annotations

import copy
import itertools
from typing import Any

from tests.fakes import base


class FakeViews:
    """Modals as Slack keeps them: a trigger_id opens one view once, within its 3 seconds;
    ``views.update`` needs a view that is still open and, when a hash is given, the current
    hash (each update issues a new one). Errors are the documented ones: exchanged_trigger_id,
    expired_trigger_id, not_found, hash_conflict."""

    def __init__(self) -> None:
        self.open_views: dict[str, dict[str, Any]] = {}
        self.used_triggers: set[str] = set()
        self.expired_triggers: set[str] = set()
        self._ids = itertools.count(1)

    def expire(self, trigger_id: str) -> None:
        """Let a trigger_id run out (Slack: 3 seconds after the interaction)."""
        self.expired_triggers.add(trigger_id)

    def close(self, view_id: str) -> None:
        """The user closes the modal: later updates of it are not_found."""
        self.open_views.pop(view_id, None)

    def open(self, trigger_id: str, view: dict[str, Any]) -> dict[str, Any]:
        if trigger_id in self.expired_triggers:
            return {"ok": False, "error": "expired_trigger_id"}
        if trigger_id in self.used_triggers:
            return {"ok": False, "error": "exchanged_trigger_id"}
        self.used_triggers.add(trigger_id)
        n = next(self._ids)
        body = base.recorded("slack", "views.open.ok.json")
        body["view"].update(view)
        body["view"].update(id=f"V0FAKE{n:04d}", root_view_id=f"V0FAKE{n:04d}")
        body["view"]["hash"] = f"{1700000000 + n}.{n:08x}"
        self.open_views[body["view"]["id"]] = copy.deepcopy(body["view"])
        return body

    def update(self, p: dict[str, Any], view: dict[str, Any]) -> dict[str, Any]:
        view_id = str(p.get("view_id") or "")
        current = self.open_views.get(view_id)
        if current is None:
            return {"ok": False, "error": "not_found"}
        if p.get("hash") and p["hash"] != current["hash"]:
            return {"ok": False, "error": "hash_conflict"}
        current.update(view)
        stamp, serial = current["hash"].split(".")
        current["hash"] = f"{int(stamp) + 1}.{int(serial, 16) + 1:08x}"
        return {"ok": True, "view": copy.deepcopy(current)}
