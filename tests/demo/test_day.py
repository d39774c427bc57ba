"""The demo's day on the desk prints each kind of timer as it fires, once, and stays quick."""

from __future__ import annotations

import time

from bot.demo.day import run_day


async def test_one_day_shows_reminders_time_outs_breaches_and_handovers() -> None:
    lines: list[str] = []
    started = time.perf_counter()
    await run_day(echo=lambda text: lines.append(str(text)))
    assert time.perf_counter() - started < 60  # seconds on an idle machine; CI shares CPUs
    out = "\n".join(lines)
    assert "09:08  reminder: claim #9001: reminded Ana Souza" in out
    assert "09:10  claim time-out  #9001: re-routed from Ana Souza to Bruno Lima" in out
    assert "11:30  breach: reply   #9002: leads alerted; offered to Ana Souza" in out
    assert "22:20  claim time-out  #9003: re-routed from Diego Ferreira to Felipe Tanaka" in out
    assert "23:00  handover        Handover from Carla Mendes (shift ended 11:00" in out
    assert "#9004 (deposit_missing) · routed" in out and "(unclaimed)" in out
    assert "stays with Bruno Lima (recent action)" in out
    # Each timer fires once: no line repeats.
    events = [line for line in lines if line.startswith("  ")]
    assert len(events) == len(set(events))
