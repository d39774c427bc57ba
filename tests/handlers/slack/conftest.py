"""Fixtures for the Slack tests: the fake Slack server, services wired to it, the app client,
and the fake Zendesk and Jira behind them."""

from tests.drafts.support import zendesk  # noqa: F401
from tests.fakes.slack_server import fake_slack, fake_slack_server  # noqa: F401
from tests.handlers.slack.support import client, services  # noqa: F401
from tests.resolutions.support import jira  # noqa: F401
