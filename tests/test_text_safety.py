"""Customer text cannot forge log lines or drive the terminal (bot/logs.py, bot/text_safety.py)."""

from __future__ import annotations

import logging

import pytest

from bot.logs import KeyValueFormatter
from bot.text_safety import inert

FORMAT = "%(asctime)s %(levelname)s %(name)s %(message)s"


def _record(msg: str, *args: object, **extra: object) -> logging.LogRecord:
    record = logging.makeLogRecord(
        {"name": "bot.intake", "levelno": logging.INFO, "levelname": "INFO", "msg": msg}
    )
    record.args = args or None
    record.__dict__.update(extra)
    return record


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        ("x\nERROR forged", "x\\nERROR forged"),
        ("a\r\nb", "a\\r\\nb"),
        ("\x1b[2J\x1b[H", "\\x1b[2J\\x1b[H"),  # clear screen, cursor home
        (
            "\x1b]8;;http://evil\x07click\x1b]8;;\x07",
            "\\x1b]8;;http://evil\\x07click\\x1b]8;;\\x07",
        ),
        ("\x9b31m", "\\x9b31m"),  # the one-byte CSI
        ("pay\u202egnp.exe", "pay\\u202egnp.exe"),  # right-to-left override
        ("tab\there", "tab\\there"),
        ("Saque não recebido · R$ 1.500", "Saque não recebido · R$ 1.500"),  # text stays text
    ],
)
def test_inert_shows_every_control_character_as_an_escape(raw: str, shown: str) -> None:
    assert inert(raw) == shown


def test_a_newline_in_an_extra_value_stays_on_its_line() -> None:
    line = KeyValueFormatter(FORMAT).format(
        _record("intake.received", subject="x\nERROR forged", ticket=7)
    )
    assert "\n" not in line and "\r" not in line
    assert line.endswith("intake.received subject=x\\nERROR forged ticket=7")


def test_a_newline_in_the_message_stays_on_its_line() -> None:
    formatter = KeyValueFormatter(FORMAT)
    line = formatter.format(_record("subject %s", "x\r\n2026-12-01 ERROR bot forged\x1b[2J"))
    assert "\n" not in line and "\r" not in line and "\x1b" not in line
    assert line.endswith("subject x\\r\\n2026-12-01 ERROR bot forged\\x1b[2J")


def test_a_traceback_still_spans_its_lines_and_secrets_are_still_blanked() -> None:
    try:
        raise ValueError("boom")
    except ValueError:
        import sys

        record = _record("worker.failed", token="token=abc\nx")
        record.exc_info = sys.exc_info()
    line = KeyValueFormatter(FORMAT).format(record)
    assert "Traceback (most recent call last)" in line and "\nValueError: boom" in line
    assert "abc" not in line
    assert "token=***" in line
