"""Baton's exception hierarchy."""

from __future__ import annotations


class BatonError(Exception):
    """Base of every error Baton raises on purpose."""


class ConfigError(BatonError):
    """A setting, roster or config file is wrong; the message says which and how to fix it."""


class NotFound(BatonError):
    """The thing asked for does not exist (a ticket, a transaction, an analyst)."""


class UserFacingError(BatonError):
    """An error whose message is meant for the person who asked (shown as is)."""


class IntegrationError(BatonError):
    """A call to an external service failed."""

    def __init__(
        self,
        service: str,
        message: str,
        *,
        retryable: bool = False,
        retry_after: float | None = None,
        status: int | None = None,
    ) -> None:
        super().__init__(f"{service}: {message}")
        self.service = service
        self.retryable = retryable
        self.retry_after = retry_after
        self.status = status


class NotConfigured(IntegrationError):
    """The service's credentials are unset: the action is recorded, not sent."""

    def __init__(self, service: str) -> None:
        super().__init__(service, f"not sent: {service} not configured", retryable=False)


class SignatureError(BatonError):
    """A signed request failed verification; the message says why (never the secret)."""
