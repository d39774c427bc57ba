"""/metrics of a running web + worker pair: the worker's counters reach the web's scrape."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import requests

from handlers.signing import sign_zendesk
from tests.cli.test_main import baton, env_for, free_port
from tests.fakes.zendesk_server import EMAIL, TOKEN, FakeZendesk

ROOT = Path(__file__).resolve().parent.parent
SECRET = "metrics-webhook-secret"


def wait_until(check: Callable[[], bool], timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if check():
                return
        except requests.ConnectionError:
            pass
        time.sleep(0.1)
    raise AssertionError("timed out")


def sample(text: str, line_start: str) -> float:
    """The value of the one sample whose line starts with line_start."""
    [line] = [ln for ln in text.splitlines() if ln.startswith(line_start)]
    return float(line.rsplit(" ", 1)[1])


def test_worker_counters_show_in_the_web_processes_metrics(
    tmp_path: Path, fake_zendesk: FakeZendesk
) -> None:
    port = free_port()
    env = env_for(
        tmp_path,
        PORT=str(port),
        ZENDESK_URL=fake_zendesk.url,
        ZENDESK_EMAIL=EMAIL,
        ZENDESK_API_TOKEN=TOKEN,
        ZENDESK_WEBHOOK_SECRET=SECRET,
        PROMETHEUS_MULTIPROC_DIR=str(tmp_path / "metrics"),
    )
    assert baton("db", "upgrade", env=env).returncode == 0
    fake_zendesk.add_escalation(501)
    procs = [
        subprocess.Popen(
            [sys.executable, "-m", "bot", *args],
            env=env,
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for args in (["serve"], ["worker", "--poll", "0.05"])
    ]
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until(lambda: requests.get(f"{base}/healthz", timeout=2).ok)
        body = json.dumps({"ticket_id": "501", "event": "esc_senior"}).encode()
        ts = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        resp = requests.post(
            f"{base}/webhooks/zendesk",
            data=body,
            headers={
                "Content-Type": "application/json",
                "X-Zendesk-Webhook-Signature-Timestamp": ts,
                "X-Zendesk-Webhook-Signature": sign_zendesk(SECRET, ts, body),
            },
            timeout=5,
        )
        assert resp.status_code == 200, resp.text
        wait_until(lambda: bool(fake_zendesk.requests_to("PUT", r"/api/v2/tickets/501\.json")))

        def scraped() -> str:
            return requests.get(f"{base}/metrics", timeout=5).text

        wait_until(lambda: 'service="zendesk"' in scraped())
        text = scraped()
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            proc.wait(timeout=20)
    # From the web process:
    assert sample(text, 'baton_webhooks_received_total{source="zendesk"}') == 1
    # From the worker process, through the shared multiprocess folder:
    assert sample(text, 'baton_outbox_attempts_total{outcome="done",service="zendesk"}') == 1
    routed = [ln for ln in text.splitlines() if ln.startswith("baton_escalations_total{")]
    assert sum(float(ln.rsplit(" ", 1)[1]) for ln in routed) == 1
    # Counters are counters, gauges are gauges; every family is declared once.
    assert "# TYPE baton_outbox_attempts_total counter" in text
    assert "# TYPE baton_outbox_rows gauge" in text
    types = [ln for ln in text.splitlines() if ln.startswith("# TYPE ")]
    assert len(types) == len(set(types))


def start(args: list[str], env: dict[str, str]) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "bot", *args],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def stop(proc: subprocess.Popen[bytes]) -> None:
    proc.terminate()
    proc.wait(timeout=20)


def test_a_fresh_server_does_not_report_an_earlier_runs_counters(tmp_path: Path) -> None:
    folder = tmp_path / "metrics"
    env = env_for(tmp_path, PORT=str(free_port()), PROMETHEUS_MULTIPROC_DIR=str(folder))
    assert baton("db", "upgrade", env=env).returncode == 0
    # An earlier run's web process counted 41 webhooks in this folder, and left its file.
    folder.mkdir()
    (folder / "README.txt").write_text("not prometheus_client's: left alone")
    earlier = (
        "from bot.metrics import Metrics; "
        "Metrics().inc('baton_webhooks_received_total', {'source': 'zendesk'}, 41)"
    )
    subprocess.run([sys.executable, "-c", earlier], env=env, cwd=ROOT, check=True)
    assert list(folder.glob("counter_*.db"))

    web = start(["serve"], env)
    base = f"http://127.0.0.1:{env['PORT']}"
    try:
        wait_until(lambda: requests.get(f"{base}/healthz", timeout=2).ok)
        text = requests.get(f"{base}/metrics", timeout=5).text
    finally:
        stop(web)
    assert "baton_webhooks_received_total{" not in text
    assert 'baton_http_requests_total{method="GET",path="/healthz",status="200"}' in text
    assert (folder / "README.txt").exists()


def test_a_finished_workers_live_gauges_are_gone(tmp_path: Path) -> None:
    folder = tmp_path / "metrics"
    env = env_for(tmp_path, PORT=str(free_port()), PROMETHEUS_MULTIPROC_DIR=str(folder))
    assert baton("db", "upgrade", env=env).returncode == 0
    base = f"http://127.0.0.1:{env['PORT']}"

    def scraped() -> str:
        return requests.get(f"{base}/metrics", timeout=5).text

    web = start(["serve"], env)
    try:
        wait_until(lambda: requests.get(f"{base}/healthz", timeout=2).ok)
        worker = start(["worker", "--poll", "0.05"], env)
        try:
            wait_until(lambda: "baton_workers_running 1.0" in scraped())
        finally:
            stop(worker)
        assert worker.returncode == 0
        text = scraped()
    finally:
        stop(web)
    assert not [ln for ln in text.splitlines() if ln.startswith("baton_workers_running")]
    assert not list(folder.glob("gauge_livesum_*.db"))
