"""Fixtures for the draft tests: the fake Slack and Zendesk, services wired to them, the app."""

from tests.drafts.support import zendesk  # noqa: F401
from tests.fakes.slack_server import fake_slack, fake_slack_server  # noqa: F401
from tests.handlers.slack.support import client, services  # noqa: F401
