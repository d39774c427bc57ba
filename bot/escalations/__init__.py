"""An escalation's life: intake (webhook event to escalation), classify, lifecycle (claim,
assign), notes on the ticket, the alerts it sends, closing when Zendesk solves the ticket."""
