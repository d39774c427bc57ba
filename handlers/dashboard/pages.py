"""The now page (and its live part), an escalation's timeline, and the analysts and agents."""

from __future__ import annotations

from aiohttp import web
from sqlalchemy import select

from bot.dashboard import people
from bot.dashboard.now import now_page
from bot.masking import mask
from bot.reports.agents import with_names
from bot.reports.period import parse_period
from bot.reports.run import load_report
from bot.resolutions.history import timeline
from bot.store.models import Escalation
from handlers.dashboard.panels import PANELS
from handlers.dashboard.web import DASHBOARD_SERVICES, page, signed_in, viewer_of

POLL_SECONDS = 5  # the now page asks for its live part this often (≤ 10 s)


async def _now_context(request: web.Request) -> dict[str, object]:
    services = request.app[DASHBOARD_SERVICES]
    viewer = viewer_of(request)
    async with services.db.read_session() as s:
        data = await now_page(
            s, roster=services.roster, viewer=viewer, now=services.clock(), panels=PANELS
        )
    return {"now": data, "poll": POLL_SECONDS}


@signed_in
async def now(request: web.Request) -> web.StreamResponse:
    return page(request, "now.html", viewer_of(request), await _now_context(request))


@signed_in
async def now_live(request: web.Request) -> web.StreamResponse:
    """The now page's live part alone, for the page's script to swap in."""
    return page(request, "now_live.html", viewer_of(request), await _now_context(request))


@signed_in
async def escalation(request: web.Request) -> web.StreamResponse:
    """A ticket's timeline, as `baton history` tells it."""
    services = request.app[DASHBOARD_SERVICES]
    viewer = viewer_of(request)
    try:
        ticket_id = int(request.match_info["ticket"])
    except ValueError:
        raise web.HTTPNotFound(text="No such ticket.") from None
    names = {a.key: a.name for a in services.roster.analysts}
    async with services.db.read_session() as s:
        found = list(await s.scalars(select(Escalation).where(Escalation.ticket_id == ticket_id)))
        # A compliance case is not there at all for whoever may not see it.
        if not found or not all(viewer.may_see(e.category) for e in found):
            raise web.HTTPNotFound(text="No such ticket.")
        entries = await timeline(s, ticket_id=ticket_id, names=names)
    latest = max(found, key=lambda e: e.id)
    return page(
        request,
        "escalation.html",
        viewer,
        {"ticket_id": ticket_id, "entries": entries, "subject": mask(latest.subject or "")},
    )


@signed_in
async def analysts_and_agents(request: web.Request) -> web.StreamResponse:
    """Load and resolutions per analyst; escalations and avoidable rate per outsourcing agent."""
    services = request.app[DASHBOARD_SERVICES]
    viewer = viewer_of(request)
    spec = request.query.get("period", "week")
    now = services.clock()
    try:
        period = parse_period(spec, now=now, tz=services.roster.timezone)
    except Exception:
        spec, period = "week", parse_period("week", now=now, tz=services.roster.timezone)
    report = await load_report(services.db, roster=services.roster, spec=spec, now=now)
    report = await with_names(services, report)
    async with services.db.read_session() as s:
        rows = await people.analysts(
            s,
            roster=services.roster,
            since=period.starts_at,
            until=period.ends_at,
            viewer=viewer,
        )
    return page(
        request,
        "people.html",
        viewer,
        {"analysts": rows, "report": report, "period": spec},
    )


def register(app: web.Application) -> None:
    app.router.add_get("/", now)
    app.router.add_get("/now/live", now_live)
    app.router.add_get("/escalations/{ticket}", escalation)
    app.router.add_get("/people", analysts_and_agents)
