"""Fixtures of the resolution tests: services on the fake Slack, Zendesk and Jira, the app."""

from tests.drafts.support import zendesk  # noqa: F401
from tests.handlers.slack.support import client, services  # noqa: F401
from tests.resolutions.support import jira  # noqa: F401
