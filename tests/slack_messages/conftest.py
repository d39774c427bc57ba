"""Fixtures for the builders' tests that go through a command: the Slack tests' services and
app client."""

from tests.handlers.slack.support import client, services  # noqa: F401
