"""`/baton report` through slack-bolt: leads only, the headline posted, charts through the
three steps of files_upload_v2 in the fake Slack (which refuses the retired files.upload)."""

from __future__ import annotations

import io
import struct
from collections.abc import AsyncIterator

import pytest
from aiohttp.test_utils import TestClient, TestServer
from matplotlib.image import imread

from bot.app import create_app
from bot.errors import IntegrationError
from bot.ports import SlackFile
from bot.reports import charts
from bot.services import Services
from tests.fakes.slack_server import FakeSlack
from tests.handlers.slack.support import ANA, CARLA, ROUTING, command_body, make_services, post_form
from tests.reports.seed import NOW, seed
from tests.reports.test_queries import report_for

PNG = b"\x89PNG\r\n\x1a\n"


def png_size(data: bytes) -> tuple[int, int]:
    """Width and height from a PNG's IHDR chunk (after checking the signature)."""
    assert data[:8] == PNG and data[12:16] == b"IHDR"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


@pytest.fixture
async def services(database_url: str, fake_slack: FakeSlack) -> AsyncIterator[Services]:
    svc = make_services(database_url, fake_slack, clock=NOW)
    await seed(svc.db)
    yield svc
    await svc.db.dispose()


@pytest.fixture
async def client(services: Services) -> AsyncIterator[TestClient]:
    async with TestClient(TestServer(create_app(services))) as c:
        yield c


async def test_a_lead_gets_the_headline_and_three_charts(
    client: TestClient, fake_slack: FakeSlack
) -> None:
    response = await post_form(client, command_body(fake_slack, user=ANA, text="report week"))
    assert response.status == 200
    done = await fake_slack.wait_for("files.completeUploadExternal", timeout=30)
    assert len(done) == 1 and done[0].params["channel_id"] == ROUTING
    assert len(fake_slack.called("files.getUploadURLExternal")) == 3
    assert len(fake_slack.called("upload")) == 3
    assert not fake_slack.called("files.upload")
    shared = fake_slack.files.shared(ROUTING)
    assert sorted(f.filename for f in shared) == [
        "avoidable-by-agent.png",
        "escalations-per-day.png",
        "root-causes.png",
    ]
    for f in shared:
        assert f.data is not None and png_size(f.data) == (800, 450)
        assert imread(io.BytesIO(f.data), format="png").shape[:2] == (450, 800)
    posted = fake_slack.called("chat.postMessage")[0].params
    assert posted["channel"] == ROUTING
    assert posted["text"] == "Baton report: last 7 days · escalations: 6"
    fields = [f["text"] for f in posted["blocks"][1]["fields"]]
    assert "*Escalations*\n6 (+500%)" in fields and "*Needs a root cause*\n1" in fields
    answer = await fake_slack.wait_for("response_url")
    assert "The report and its charts are in this channel." in answer[0].params["text"]


async def test_only_leads_may_ask(client: TestClient, fake_slack: FakeSlack) -> None:
    await post_form(client, command_body(fake_slack, user=CARLA, text="report"))
    answer = await fake_slack.wait_for("response_url")
    assert "/baton report" in answer[0].params["text"]
    assert not fake_slack.called("files.getUploadURLExternal")
    assert not fake_slack.called("chat.postMessage")


async def test_the_retired_upload_is_refused(services: Services, fake_slack: FakeSlack) -> None:
    # The fake answers files.upload as Slack does now; the client never needs it.
    with pytest.raises(IntegrationError, match="method_deprecated"):
        await services.slack._call(  # type: ignore[attr-defined]
            services.slack.web.files_upload,
            content="x",
            channels=ROUTING,  # type: ignore[attr-defined]
        )
    ids = await services.slack.upload_files(ROUTING, [SlackFile("a.png", PNG, "A")])
    assert fake_slack.files.by_id[ids[0]].data == PNG


async def test_charts_show_the_reports_numbers(db) -> None:  # type: ignore[no-untyped-def]
    report = await report_for(db)
    days, series = charts.per_day_series(report)
    fig = charts.per_day(report)
    heights = [round(p.get_height()) for p in fig.axes[0].patches]
    assert heights == [n for c in sorted(series) for n in series[c]]
    assert series["withdrawal"][0] == 2 and len(days) == 7
    causes = charts.root_causes(report)
    widths = sorted(round(p.get_width()) for p in causes.axes[0].patches)
    assert widths == sorted(c.count for c in report.by_root_cause if c.count)
    agents = charts.avoidable_by_agent(report)
    assert [round(p.get_height()) for p in agents.axes[0].patches] == [100, 50]
    # Each bar names what its rate is over, as the terminal table does.
    assert [t.get_text() for t in agents.axes[0].texts] == ["1 of 1", "1 of 2"]
    for data in charts.render_all(report).values():
        assert png_size(data) == (800, 450)


async def test_the_legend_covers_no_bar(db) -> None:  # type: ignore[no-untyped-def]
    report = await report_for(db)
    fig = charts.per_day(report)
    charts.png(fig)  # lays the figure out
    renderer = fig.canvas.get_renderer()  # type: ignore[attr-defined]
    inside = fig.axes[0].get_legend()
    (legend,) = [*fig.legends, *([inside] if inside else [])]
    box = legend.get_window_extent(renderer)
    bars = [p.get_window_extent(renderer) for p in fig.axes[0].patches if p.get_height()]
    assert bars and not any(box.overlaps(bar) for bar in bars)
    # Outside the plotting area altogether, so a taller bar on another day cannot meet it.
    assert not box.overlaps(fig.axes[0].get_window_extent(renderer))
