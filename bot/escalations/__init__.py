"""The hub: an escalation's life. Intake (webhook event to escalation, classified once),
enrichment, deadlines, lifecycle (claim, assign), the compliance Jira issue asked for through
the outbox, notes on the ticket, the alerts it sends, closing when Zendesk solves the ticket."""
