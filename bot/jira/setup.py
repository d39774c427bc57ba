"""`baton jira setup`: check which Jira this is, then register (or update) Baton's webhook."""

from __future__ import annotations

from bot.errors import ConfigError
from bot.ports import JiraPort, JiraWebhookSetup
from bot.services import Services

# Status changes, resolutions and comments arrive as issue updates; comments also on their own.
EVENTS = ("jira:issue_updated", "comment_created")


def webhook_jql(label: str) -> str:
    """Only issues Baton created (they all carry its label) call the webhook."""
    return f'labels = "{label}"'


async def check_deployment(jira: JiraPort, *, deployment: str) -> str:
    """One serverInfo read: the line to print, or ConfigError when JIRA_DEPLOYMENT is wrong."""
    info = await jira.server_info()
    kind = "Cloud" if info.cloud else f"Data Center ({info.deployment_type})"
    if info.cloud != (deployment == "cloud"):
        right = "cloud" if info.cloud else "datacenter"
        raise ConfigError(
            f"{info.base_url} is Jira {kind}, but JIRA_DEPLOYMENT={deployment}: "
            f"set JIRA_DEPLOYMENT={right} (it picks the search endpoint and the API version)"
        )
    return f"Jira {kind} {info.version} at {info.base_url}: JIRA_DEPLOYMENT={deployment} is right"


async def set_up(services: Services, *, public_url: str) -> list[str]:
    """Check the deployment and put the webhook in place; returns what was done, line by line."""
    settings = services.settings
    lines = [await check_deployment(services.jira, deployment=settings.jira_deployment)]
    endpoint = public_url.rstrip("/") + "/webhooks/jira"
    jql = webhook_jql(settings.config.jira.label)
    result: JiraWebhookSetup = await services.jira.setup_webhook(
        url=endpoint, secret=settings.jira_webhook_secret, events=EVENTS, jql=jql
    )
    verb = "created" if result.created else "updated"
    lines.append(f"Webhook {result.webhook_id} {verb}, calling {endpoint}")
    lines.append(f"  events: {', '.join(result.events)}; JQL filter: {jql}")
    if settings.jira_webhook_secret:
        lines.append("  signed with JIRA_WEBHOOK_SECRET (X-Hub-Signature: sha256=…)")
    else:
        lines.append(
            "  unsigned: Baton refuses its deliveries (503) until JIRA_WEBHOOK_SECRET is set;"
            " set it (any long random string) and run this again"
        )
    return lines
