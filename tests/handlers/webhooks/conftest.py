"""Fixtures for the webhook tests: the Jira tests' clock, services and app client."""

from tests.jira.conftest import client, clock, services  # noqa: F401
