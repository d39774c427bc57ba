"""Fixtures for the delivery tests: the Slack tests' services, on the fake Slack."""

from tests.handlers.slack.support import services  # noqa: F401
