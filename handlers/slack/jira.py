"""`/baton jira`, the alerts' Jira button, and "Add as internal note" under a Jira comment.

The rules (who may ask, one issue per escalation and project, compliance cases) live in
``bot.jira``; this module reads the request, calls it and says what happened.
"""

from __future__ import annotations

from bot.jira import events, links
from bot.slack_messages.jira import issue_link
from handlers.slack.payloads import ButtonPress
from handlers.slack.request import Ctx, Usage, escalation_id_of, parse_ticket


def _answer(ctx: Ctx, ticket_id: int, requested: links.Requested) -> str:
    _ = ctx._
    if requested.issue is not None:
        return _("Ticket #{ticket} already has {issue} in {project}.").format(
            ticket=ticket_id,
            issue=issue_link(requested.issue.key, requested.issue.url),
            project=requested.project,
        )
    if requested.queued:
        return _(
            "Creating a Jira issue in {project} for ticket #{ticket}… The alert will show its key."
        ).format(project=requested.project, ticket=ticket_id)
    return _("A Jira issue in {project} for ticket #{ticket} is on its way.").format(
        project=requested.project, ticket=ticket_id
    )


async def command(ctx: Ctx, args: list[str]) -> str:
    """`/baton jira <ticket> [project]`."""
    if len(args) not in (1, 2):
        raise Usage()
    ticket_id, project = parse_ticket(args[0]), args[1] if args[1:] else None
    async with ctx.services.db.session() as s:
        esc, requested = await links.request_by_hand(
            ctx.services, s, actor=ctx.actor, ticket_id=ticket_id, project=project
        )
    return _answer(ctx, esc.ticket_id, requested)


async def for_escalation(ctx: Ctx, press: ButtonPress) -> str:
    """The Jira button on an alert: the category's project."""
    async with ctx.services.db.session() as s:
        esc, requested = await links.request_by_hand(
            ctx.services, s, actor=ctx.actor, escalation_id=escalation_id_of(press.value)
        )
    return _answer(ctx, esc.ticket_id, requested)


async def add_note(ctx: Ctx, press: ButtonPress) -> str:
    """ "Add as internal note" under a comment written in Jira for the customer."""
    # An offer id has the shape of an escalation id (a positive database id).
    offer_id = escalation_id_of(press.value)
    ticket = await events.add_offered_note(ctx.services, actor=ctx.actor, offer_id=offer_id)
    return ctx._("Added to ticket #{ticket} as an internal note.").format(ticket=ticket)
