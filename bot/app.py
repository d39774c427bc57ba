"""The aiohttp app factory: builds the services once and registers every endpoint."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable

from aiohttp import web

from bot.config import Settings
from bot.desk.roster import load_roster
from bot.metrics import Metrics
from bot.ports import ZendeskPort
from bot.services import Services, Unconfigured
from bot.store import health, outbox, pacing
from bot.store.db import Database, head_revision
from bot.store.gauges import gauges

log = logging.getLogger(__name__)

SERVICES: web.AppKey[Services] = web.AppKey("services", Services)
SERVER = "Baton"  # the Server header of every response


def build_services(
    settings: Settings, *, metrics: Metrics | None = None, paced: bool = True
) -> Services:
    """Create the database, roster and integration clients from settings; ``paced`` puts
    Zendesk behind the shared budget (the web app and the worker; not a one-off command)."""
    from integrations import transactions
    from integrations.jira import JiraClient
    from integrations.slack import SlackClient, SlackSignIn
    from integrations.zendesk import ZendeskClient

    db = Database(settings.database_url)
    zendesk: ZendeskPort | None = None
    if settings.zendesk_configured:
        zendesk = ZendeskClient.from_settings(settings)
        if paced:
            # Every call waits its turn for the account's budget, shared through the database.
            limit = settings.config.delivery.zendesk_requests_per_minute
            zendesk = pacing.paced(db, zendesk, per_minute=lambda: limit)
    jira = JiraClient.from_settings(settings) if settings.jira_configured else None
    slack = SlackClient.from_settings(settings) if settings.slack_bot_token else None
    source = transactions.from_settings(settings)
    return Services(
        settings=settings,
        db=db,
        roster=load_roster(settings.roster_path),
        zendesk=zendesk or Unconfigured("zendesk"),
        slack=slack or Unconfigured("slack"),
        metrics=metrics or Metrics(),
        jira=jira or Unconfigured("jira"),
        transactions=source or Unconfigured("transactions"),
        adjustments=source if isinstance(source, transactions.HttpTransactions) else None,
        signin=(
            SlackSignIn.from_settings(settings)
            if settings.slack_client_id and settings.slack_client_secret
            else Unconfigured("slack sign-in")
        ),
    )


async def close_services(services: Services) -> None:
    """Release what build_services opened: the transactions source, then the database."""
    if not isinstance(services.transactions, Unconfigured):
        await services.transactions.close()
    await services.db.dispose()


@web.middleware
async def _count_requests(
    request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
) -> web.StreamResponse:
    services = request.app[SERVICES]
    started = time.perf_counter()
    status = 500
    try:
        response = await handler(request)
        status = response.status
        return response
    except web.HTTPException as exc:
        status = exc.status
        raise
    finally:
        route = request.match_info.route.resource
        path = route.canonical if route is not None else "unmatched"
        labels = {"path": path, "method": request.method, "status": str(status)}
        services.metrics.inc("baton_http_requests_total", labels)
        services.metrics.observe(
            "baton_http_request_duration_seconds", time.perf_counter() - started, {"path": path}
        )


async def healthz(_request: web.Request) -> web.Response:
    return web.json_response({"status": "ok"})


async def readyz(request: web.Request) -> web.Response:
    """Ready, not migrated, or the database unreachable: 200 only when ready."""
    services = request.app[SERVICES]
    body: dict[str, object] = {}
    try:
        await services.db.ping()
        current, head = await services.db.current_revision(), head_revision()
    except Exception as err:  # readiness reports failures, it never raises them
        log.warning("readyz.failed", extra={"error": type(err).__name__})
        body = {"status": "database unreachable", "database": f"unreachable: {type(err).__name__}"}
        return web.json_response(body, status=503)
    body["database"] = "ok"
    body["migrations"] = {"current": current, "head": head}
    if current != head:
        # Reachable but behind (or empty): its tables cannot be read as this code expects.
        body["status"] = "not migrated"
        body["migrations_hint"] = "run `baton db upgrade`"
        return web.json_response(body, status=503)
    try:
        async with services.db.session() as s:
            body["outbox"] = await outbox.backlog(s)
            body["services"] = {
                name: (f"down since {st.failing_since:%Y-%m-%dT%H:%M:%SZ}" if st.down else "ok")
                for name, st in (await health.states(s)).items()
            }
    except Exception as err:  # lost between the two reads
        log.warning("readyz.failed", extra={"error": type(err).__name__})
        body["status"] = "database unreachable"
        body["database"] = f"unreachable: {type(err).__name__}"
        return web.json_response(body, status=503)
    body["status"] = "ready"
    return web.json_response(body)


async def metrics(request: web.Request) -> web.Response:
    services = request.app[SERVICES]
    body = services.metrics.render(await gauges(services.db))
    return web.Response(
        body=body,
        content_type="text/plain",
        charset="utf-8",
        headers={"X-Content-Type-Options": "nosniff"},
    )


async def _server_header(_request: web.Request, response: web.StreamResponse) -> None:
    # aiohttp's default names the Python and aiohttp versions: a map for whoever probes.
    response.headers["Server"] = SERVER


def unsigned_webhooks(settings: Settings) -> list[tuple[str, str]]:
    """(setting, endpoint) of each configured service whose webhook secret is unset."""
    missing = []
    if settings.zendesk_configured and not settings.zendesk_webhook_secret:
        missing.append(("ZENDESK_WEBHOOK_SECRET", "/webhooks/zendesk"))
    if settings.jira_configured and not settings.jira_webhook_secret:
        missing.append(("JIRA_WEBHOOK_SECRET", "/webhooks/jira"))
    return missing


def create_app(services: Services, *, body_timeout: float = 10.0) -> web.Application:
    """The web process: health, readiness, metrics, and the handlers' endpoints.

    body_timeout: seconds a client has to send a request's whole body (408 after).
    """
    from handlers.body import BODY_TIMEOUT
    from handlers.routes import register
    from integrations.slack import SlackClient

    app = web.Application(middlewares=[_count_requests], client_max_size=1024 * 1024)
    app[SERVICES] = services
    app[BODY_TIMEOUT] = body_timeout
    app.on_response_prepare.append(_server_header)
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/readyz", readyz)
    app.router.add_get("/metrics", metrics)
    # Bolt talks to Slack through the client the Slack adapter wraps: one client, one token.
    slack_web = services.slack.web if isinstance(services.slack, SlackClient) else None
    register(app, services, slack_web=slack_web)

    async def _check_migrations(_app: web.Application) -> None:
        try:
            current = await services.db.current_revision()
        except Exception as err:  # /readyz reports it too; the web process still starts
            log.warning("db.unreachable", extra={"error": type(err).__name__})
            return
        if current != head_revision():
            log.warning(
                "db.migrations_pending",
                extra={"current": current, "head": head_revision(), "hint": "baton db upgrade"},
            )

    async def _warn_unsigned(_app: web.Application) -> None:
        for setting, endpoint in unsigned_webhooks(services.settings):
            log.warning(
                "webhook.secret_missing",
                extra={"setting": setting, "endpoint": endpoint, "answer": "503 until it is set"},
            )

    async def _check_transactions(_app: web.Application) -> None:
        if not isinstance(services.transactions, Unconfigured):
            from integrations.transactions import check_source

            await check_source(services.transactions)

    async def _warm_language(_app: web.Application) -> None:
        from bot import language

        await asyncio.to_thread(language.warm)

    async def _close(_app: web.Application) -> None:
        await close_services(services)

    app.on_startup.append(_check_migrations)
    app.on_startup.append(_warn_unsigned)
    app.on_startup.append(_check_transactions)
    app.on_startup.append(_warm_language)
    app.on_cleanup.append(_close)
    return app
