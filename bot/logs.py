"""Structured logging: stable event names with their context as key=value pairs."""

from __future__ import annotations

import logging
import re

from bot.text_safety import inert

_STANDARD = set(logging.makeLogRecord({}).__dict__) | {"message", "asctime", "taskName"}
# Belt and braces: anything that looks like a credential is blanked even if passed by mistake.
_SECRET = re.compile(r"(xox[abpr]-[A-Za-z0-9-]+|(?i:(?:token|secret|password|authorization)=)\S+)")


def _redact(value: object) -> str:
    return _SECRET.sub("***", str(value))


class KeyValueFormatter(logging.Formatter):
    """`time level logger event key=value ...`, one line per record.

    The message and every value are escaped (bot/text_safety.py): a newline in a customer's
    subject shows as ``\\n`` and cannot start a forged line. Only a traceback spans lines.
    """

    def formatMessage(self, record: logging.LogRecord) -> str:
        record.message = inert(record.message)
        return super().formatMessage(record)

    def format(self, record: logging.LogRecord) -> str:
        base = super().format(record)
        extras = {k: v for k, v in record.__dict__.items() if k not in _STANDARD}
        if extras:
            base += " " + " ".join(f"{k}={_redact(inert(v))}" for k, v in sorted(extras.items()))
        return _redact(base) if record.exc_info is None else base


def setup(level: str = "INFO") -> None:
    """Send Baton's logs to stderr in key=value form."""
    handler = logging.StreamHandler()
    handler.setFormatter(KeyValueFormatter("%(asctime)s %(levelname)s %(name)s %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    for noisy in ("aiohttp.access", "alembic", "urllib3", "slack_bolt"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
