"""Jira: which project an escalation goes to, what its issue says, status back to the ticket."""
