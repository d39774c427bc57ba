"""Sign in with Slack (OpenID Connect) and with the wall-board token.

The authorize redirect carries a fresh ``state`` and ``nonce``; both travel back to the
callback in a short-lived cookie sealed with BATON_SECRET_KEY (an HMAC), so the callback checks
that the answer belongs to this browser's request (state) and that the id_token was minted for
it (nonce). The person Slack names gets the role the roster gives them; anyone else is refused.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import urlencode

from bot.config import Settings
from bot.desk.roster import Roster
from bot.domain import Analyst
from bot.errors import N_, UserFacingError
from bot.ports import SignedIn

AUTHORIZE_URL = "https://slack.com/openid/connect/authorize"
SCOPES = "openid profile email"
STATE_TTL = timedelta(minutes=10)


# The one-line refusals of a sign-in (translated on the page).
def no_secret() -> UserFacingError:
    return UserFacingError(N_("Sign-in is unavailable: BATON_SECRET_KEY is not set on the server."))


def no_slack() -> UserFacingError:
    return UserFacingError(
        N_("Sign in with Slack is not set up: SLACK_CLIENT_ID and SLACK_CLIENT_SECRET.")
    )


def expired() -> UserFacingError:
    return UserFacingError(
        N_("That sign-in took too long or came from another browser: please start again.")
    )


def not_on_roster() -> UserFacingError:
    return UserFacingError(N_("Your Slack account is not on the desk's roster: ask a team lead."))


def bad_token() -> UserFacingError:
    return UserFacingError(N_("That wall-board token is not right."))


def too_many() -> UserFacingError:
    return UserFacingError(
        N_("Too many failed sign-ins from here: wait a quarter of an hour and try again.")
    )


@dataclass(frozen=True)
class Pending:
    """What the callback needs to check Slack's answer; ``cookie`` carries it, sealed."""

    state: str
    nonce: str
    cookie: str


def require_secret(settings: Settings) -> str:
    """BATON_SECRET_KEY, or the one-line refusal to sign anyone in without it."""
    if not settings.secret_key:
        raise no_secret()
    return settings.secret_key


def slack_enabled(settings: Settings) -> bool:
    return bool(settings.slack_client_id and settings.slack_client_secret)


def _mac(secret: str, body: bytes) -> str:
    return hmac.new(secret.encode(), b"dashboard-signin:" + body, hashlib.sha256).hexdigest()


def begin(settings: Settings, *, now: datetime) -> Pending:
    """A new state and nonce, sealed for the browser's cookie."""
    secret = require_secret(settings)
    if not slack_enabled(settings):
        raise no_slack()
    state, nonce = secrets.token_urlsafe(24), secrets.token_urlsafe(24)
    body = json.dumps({"s": state, "n": nonce, "t": int(now.timestamp())}).encode()
    cookie = base64.urlsafe_b64encode(body).decode() + "." + _mac(secret, body)
    return Pending(state=state, nonce=nonce, cookie=cookie)


def authorize_url(settings: Settings, pending: Pending, *, redirect_uri: str) -> str:
    """Slack's authorize page for this request (the browser is sent there)."""
    query = {
        "response_type": "code",
        "scope": SCOPES,
        "client_id": settings.slack_client_id or "",
        "state": pending.state,
        "nonce": pending.nonce,
        "redirect_uri": redirect_uri,
    }
    return f"{AUTHORIZE_URL}?{urlencode(query)}"


def check_state(settings: Settings, *, cookie: str | None, state: str | None, now: datetime) -> str:
    """The nonce the id_token must carry, once the cookie and the returned state agree."""
    secret = require_secret(settings)
    try:
        encoded, mac = (cookie or "").rsplit(".", 1)
        body = base64.urlsafe_b64decode(encoded.encode())
        sealed = json.loads(body)
        good = hmac.compare_digest(mac, _mac(secret, body))
        issued = datetime.fromtimestamp(int(sealed["t"]), tz=now.tzinfo)
        expected, nonce = str(sealed["s"]), str(sealed["n"])
    except (ValueError, KeyError, TypeError):
        raise expired() from None
    if not good or not state or not hmac.compare_digest(expected, state):
        raise expired()
    if now - issued > STATE_TTL:
        raise expired()
    return nonce


def analyst_for(roster: Roster, who: SignedIn, *, nonce: str) -> Analyst:
    """The roster analyst Slack signed in, once the id_token's nonce is this request's."""
    if not who.nonce or not hmac.compare_digest(who.nonce, nonce):
        raise expired()
    analyst = roster.by_slack_id(who.slack_id)
    if analyst is None:
        raise not_on_roster()
    return analyst
