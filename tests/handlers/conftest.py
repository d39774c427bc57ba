"""Fixtures for the tests of every endpoint: the Slack tests' services and app client."""

from tests.handlers.slack.support import client, services  # noqa: F401
