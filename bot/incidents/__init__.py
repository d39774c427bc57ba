"""Provider incidents (SPEC §13): a wave of escalations about one failing provider, seen,
worked and answered as one.

- grouping: which provider an escalation is about, and which group it falls in (pure)
- core: open an incident, link and unlink escalations (notes, alert lines, paused clocks)
- detect: the worker's pass grouping recent escalations; health: the failure-rate poll
- issue: the incident's Jira issue and provider message (text built from the linked data)
- resolve: the form's answer, and one reply per linked customer through the outbox
- overview: open incidents as data (the dashboard, `/baton incident`, `baton incidents`)
"""
