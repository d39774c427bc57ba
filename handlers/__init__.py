"""The edges where requests come in: slack/ (the events endpoint and its listeners), webhooks/
(Zendesk, Jira), and what both read (body.py, signing.py). routes.register wires them all."""
