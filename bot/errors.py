"""Baton's exception hierarchy."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


class BatonError(Exception):
    """Base of every error Baton raises on purpose."""


class ConfigError(BatonError):
    """A setting, roster or config file is wrong; the message says which and how to fix it."""


def N_(msgid: str) -> str:
    """Mark a message id for extraction (``pybabel extract -k N_``) without translating it.

    The core never picks a language: it raises ``UserFacingError(N_("…{ticket}…"), ticket=1)``
    and the edge (Slack handlers) translates with the asking user's catalog.
    """
    return msgid


class NotFound(BatonError):
    """The thing asked for does not exist (a ticket, a transaction, an analyst)."""


class UserFacingError(BatonError):
    """An error meant for the person who asked: a message id plus its format parameters.

    ``msgid`` is English source text marked with ``N_`` and written as a ``str.format`` template
    (``"Ticket #{ticket} is already claimed by {name}."``); ``params`` fill it. ``str(err)`` is the
    English text (logs, tests); the edge shows ``err.render(gettext)`` in the user's language.
    """

    def __init__(self, msgid: str, /, **params: object) -> None:
        self.msgid = msgid
        self.params = params
        super().__init__(msgid.format(**params))

    def render(self, gettext: Callable[[str], str]) -> str:
        """The message translated with ``gettext`` and formatted with the parameters."""
        return gettext(self.msgid).format(**self.params)

    def __reduce__(self) -> tuple[Any, ...]:
        return (_rebuild, (type(self), self.msgid, self.params))


def _rebuild(cls: type[UserFacingError], msgid: str, params: dict[str, object]) -> UserFacingError:
    return cls(msgid, **params)


class UserFacingNotFound(UserFacingError, NotFound):
    """A ``NotFound`` whose message is for the person who asked (translated at the edge)."""


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


class TooLarge(IntegrationError):
    """A file over the size Baton reads (an attachment over 20 MB): not retried."""


class NotConfigured(IntegrationError):
    """The service's credentials are unset: the action is recorded, not sent."""

    def __init__(self, service: str) -> None:
        super().__init__(service, f"not sent: {service} not configured", retryable=False)


class SignatureError(BatonError):
    """A signed request failed verification; the message says why (never the secret)."""
