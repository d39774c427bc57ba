"""The files the fake Slack keeps: its external upload, in three steps."""

from __future__ import annotations

import itertools
import json
from dataclasses import dataclass
from typing import Any


@dataclass
class FakeFile:
    id: str
    filename: str
    length: int
    data: bytes | None = None
    title: str = ""
    channel: str | None = None
    initial_comment: str | None = None


class FakeFiles:
    """Slack's external upload, in its three steps: files.getUploadURLExternal reserves a file id
    and an upload URL for a declared length; the bytes are POSTed to that URL (no token, answered
    ``OK - <length>``); files.completeUploadExternal shares the uploaded files in a channel. A
    file completed before its bytes arrived, or with other bytes than declared, is refused."""

    def __init__(self) -> None:
        self.by_id: dict[str, FakeFile] = {}
        self._ids = itertools.count(1)

    def reserve(self, p: dict[str, Any], base_url: str) -> dict[str, Any]:
        if not p.get("filename") or not str(p.get("length", "")).isdigit():
            return {"ok": False, "error": "invalid_arguments"}
        file_id = f"F0FAKE{next(self._ids):05d}"
        self.by_id[file_id] = FakeFile(file_id, str(p["filename"]), int(p["length"]))
        return {"ok": True, "upload_url": f"{base_url}/upload/v1/{file_id}", "file_id": file_id}

    def receive(self, file_id: str, data: bytes) -> tuple[int, str]:
        found = self.by_id.get(file_id)
        if found is None:
            return 404, "Not Found"
        if len(data) != found.length:
            return 400, "Bad Request: length mismatch"
        found.data = data
        return 200, f"OK - {len(data)}"

    def complete(self, p: dict[str, Any]) -> dict[str, Any]:
        raw = p.get("files")
        items = json.loads(raw) if isinstance(raw, str) else raw
        if not isinstance(items, list) or not items:
            return {"ok": False, "error": "invalid_arguments"}
        out = []
        for item in items:
            found = self.by_id.get(str(item.get("id")))
            if found is None or found.data is None:
                return {"ok": False, "error": "file_not_found"}
            found.title = str(item.get("title") or found.filename)
            found.channel = p.get("channel_id")
            found.initial_comment = p.get("initial_comment")
            out.append({"id": found.id, "name": found.filename, "title": found.title})
        return {"ok": True, "files": out}

    def shared(self, channel: str) -> list[FakeFile]:
        return [f for f in self.by_id.values() if f.channel == channel]
