"""Fixtures for the report tests: the Slack tests' fake Slack, services and app client."""

from tests.fakes.slack_server import fake_slack, fake_slack_server  # noqa: F401
