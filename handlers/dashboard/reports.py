"""The reports page: the `baton report` views for a period, its charts and the workbook.

The numbers, the charts (matplotlib, the images the Slack report posts) and the workbook
(openpyxl) all come from bot/reports; nothing here counts anything.
"""

from __future__ import annotations

import asyncio

from aiohttp import web

from bot import i18n
from bot.errors import UserFacingError
from bot.reports import charts
from bot.reports.agents import with_names
from bot.reports.run import load_report
from bot.reports.views import Report
from bot.reports.xlsx import xlsx_bytes
from handlers.dashboard.web import DASHBOARD_SERVICES, page, signed_in, viewer_of

CHARTS = ("escalations-per-day.png", "root-causes.png", "avoidable-by-agent.png")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


async def _report(request: web.Request) -> tuple[str, Report]:
    services = request.app[DASHBOARD_SERVICES]
    spec = request.query.get("period", "week").strip() or "week"
    report = await load_report(services.db, roster=services.roster, spec=spec, now=services.clock())
    return spec, await with_names(services, report)


@signed_in
async def reports(request: web.Request) -> web.StreamResponse:
    viewer = viewer_of(request)
    try:
        spec, report = await _report(request)
    except UserFacingError as err:
        message = err.render(i18n.translator(viewer.locale))
        return page(
            request, "reports.html", viewer, {"error": message, "period": "", "report": None}
        )
    return page(
        request,
        "reports.html",
        viewer,
        {"report": report, "period": spec, "charts": CHARTS, "error": None},
    )


@signed_in
async def chart(request: web.Request) -> web.StreamResponse:
    name = request.match_info["name"]
    if name not in CHARTS:
        raise web.HTTPNotFound(text="No such chart.")
    try:
        _spec, report = await _report(request)
    except UserFacingError as err:
        raise web.HTTPBadRequest(text=str(err)) from err
    images = await asyncio.to_thread(charts.render_all, report)
    return web.Response(body=images[name], content_type="image/png")


@signed_in
async def workbook(request: web.Request) -> web.StreamResponse:
    try:
        spec, report = await _report(request)
    except UserFacingError as err:
        raise web.HTTPBadRequest(text=str(err)) from err
    data = await asyncio.to_thread(xlsx_bytes, report)
    safe = "".join(c if c.isalnum() or c in "-." else "_" for c in spec)
    return web.Response(
        body=data,
        content_type=XLSX,
        headers={"Content-Disposition": f'attachment; filename="baton-report-{safe}.xlsx"'},
    )


def register(app: web.Application) -> None:
    app.router.add_get("/reports", reports)
    app.router.add_get("/reports/charts/{name}", chart)
    app.router.add_get("/reports.xlsx", workbook)
