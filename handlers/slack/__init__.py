"""Slack's edge: the events endpoint, one request module every listener shares, a command table,
a button table, and one module per capability (desk, drafts, resolve, txn, jira, report, home).

Inside, each module imports only modules below it: ``payloads`` (typed requests) and
``request`` (context, answers) at the bottom, the capability modules on them, the two tables
above those, and ``endpoint`` on top.
"""
