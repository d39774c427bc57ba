"""Sign in with Slack on the fake Slack: the authorize page's answer, openid.connect.token and
openid.connect.userInfo, as Slack documents them (tests/fakes/fixtures/slack/openid.*).

Strict like Slack: an unknown client is ``invalid_client_id``, a wrong secret
``bad_client_secret``, a code used twice or never issued ``invalid_code``, a redirect_uri other
than the one sent to /authorize ``bad_redirect_uri``; userInfo wants the user token the exchange
gave (``invalid_auth`` otherwise). The id_token is a real RS256 JWT signed with the fake's key.
"""

from __future__ import annotations

import base64
import json
import secrets
import threading
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from tests.fakes import base

AUTHORIZE = "https://slack.com/openid/connect/authorize"
TEAM = "T0R7GR"


@dataclass
class _Grant:
    client_id: str
    user: str
    nonce: str | None
    redirect_uri: str
    name: str
    locale: str


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


class FakeOpenID:
    """The OpenID Connect side of the fake Slack (state per test: ``reset``)."""

    def __init__(self) -> None:
        self._key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self._lock = threading.Lock()
        self.reset()

    def reset(self) -> None:
        self.clients: dict[str, str] = {}
        self.codes: dict[str, _Grant] = {}
        self.tokens: dict[str, _Grant] = {}
        self.people: dict[str, tuple[str, str]] = {}  # user id → (name, locale)

    def register(self, client_id: str, client_secret: str) -> None:
        self.clients[client_id] = client_secret

    def person(self, user: str, *, name: str, locale: str = "en-US") -> None:
        self.people[user] = (name, locale)

    def authorize(self, url: str, *, user: str) -> str:
        """Where Slack's authorize page sends the browser once ``user`` approves: the
        redirect_uri with a fresh code and the state, or with ``error`` for a bad request."""
        query = {k: v[-1] for k, v in parse_qs(urlsplit(url).query).items()}
        redirect = query.get("redirect_uri", "")
        if not redirect:
            raise AssertionError("Slack shows an error page: no redirect_uri")
        scopes = set(query.get("scope", "").replace(",", " ").split())
        ok = (
            query.get("response_type") == "code"
            and "openid" in scopes
            and query.get("client_id") in self.clients
        )
        if not ok:
            refused = {"error": "invalid_request", "state": query.get("state", "")}
            return f"{redirect}?{urlencode(refused)}"
        code = secrets.token_hex(16)
        name, locale = self.people.get(user, (user.lower(), "en-US"))
        with self._lock:
            self.codes[code] = _Grant(
                query["client_id"], user, query.get("nonce"), redirect, name, locale
            )
        return f"{redirect}?{urlencode({'code': code, 'state': query.get('state', '')})}"

    def _id_token(self, grant: _Grant) -> str:
        now = int(time.time())
        claims = base.recorded("slack", "openid.connect.token.ok.json")["id_token_claims"]
        claims.update(
            {
                "sub": grant.user,
                "aud": grant.client_id,
                "iat": now,
                "auth_time": now,
                "exp": now + 300,
                "https://slack.com/user_id": grant.user,
                "https://slack.com/team_id": TEAM,
                "name": grant.name,
                "locale": grant.locale,
            }
        )
        if grant.nonce is None:
            claims.pop("nonce", None)
        else:
            claims["nonce"] = grant.nonce
        head = _b64(json.dumps({"alg": "RS256", "typ": "JWT", "kid": "fake"}).encode())
        body = _b64(json.dumps(claims).encode())
        signature = self._key.sign(f"{head}.{body}".encode(), padding.PKCS1v15(), hashes.SHA256())
        return f"{head}.{body}.{_b64(signature)}"

    def token(self, p: dict[str, Any], headers: Any) -> dict[str, Any]:
        client_id, secret = str(p.get("client_id") or ""), str(p.get("client_secret") or "")
        auth = str(headers.get("authorization") or "")
        if auth.lower().startswith("basic "):  # client_secret_basic
            client_id, _, secret = base64.b64decode(auth[6:]).decode().partition(":")
        if client_id not in self.clients:
            return {"ok": False, "error": "invalid_client_id"}
        if not secrets.compare_digest(self.clients[client_id], secret):
            return {"ok": False, "error": "bad_client_secret"}
        with self._lock:
            grant = self.codes.pop(str(p.get("code") or ""), None)
        if grant is None or grant.client_id != client_id:
            return {"ok": False, "error": "invalid_code"}
        if str(p.get("redirect_uri") or "") != grant.redirect_uri:
            return {"ok": False, "error": "bad_redirect_uri"}
        access = f"xoxp-{secrets.token_hex(12)}"
        with self._lock:
            self.tokens[access] = grant
        body: dict[str, Any] = base.recorded("slack", "openid.connect.token.ok.json")["body"]
        body.update(access_token=access, id_token=self._id_token(grant))
        return body

    def user_info(self, p: dict[str, Any], headers: Any) -> dict[str, Any]:
        auth = str(headers.get("authorization") or "")
        token = auth[7:] if auth.lower().startswith("bearer ") else str(p.get("token") or "")
        grant = self.tokens.get(token)
        if grant is None:
            return {"ok": False, "error": "invalid_auth"}
        body: dict[str, Any] = base.recorded("slack", "openid.connect.userInfo.ok.json")["body"]
        body.update(
            {
                "sub": grant.user,
                "https://slack.com/user_id": grant.user,
                "https://slack.com/team_id": TEAM,
                "name": grant.name,
                "locale": grant.locale,
            }
        )
        return body
