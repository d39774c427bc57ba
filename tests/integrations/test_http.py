"""One rule for every integration: which failures are retried, and after how long."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.errors import IntegrationError, NotFound
from integrations import _http, jira, zendesk

STATUSES = (400, 401, 403, 404, 408, 409, 422, 429, 500, 503)


def test_no_answer_rate_limits_and_server_trouble_are_retried_other_refusals_not() -> None:
    assert [s for s in STATUSES if _http.should_retry(s)] == [429, 500, 503]
    assert _http.should_retry(None)


def test_a_service_may_name_more_statuses_worth_a_retry() -> None:
    retried = [s for s in STATUSES if _http.should_retry(s, also=zendesk.RETRYABLE_STATUSES)]
    assert retried == [408, 409, 429, 500, 503]  # 409: Zendesk's concurrent-update conflict
    assert [s for s in STATUSES if _http.should_retry(s, also=jira.RETRYABLE_STATUSES)] == [
        408,
        429,
        500,
        503,
    ]


def test_retry_after_reads_seconds_or_an_http_date() -> None:
    assert _http.retry_after_seconds("7") == 7.0
    assert _http.retry_after_seconds(None) is None and _http.retry_after_seconds("soon") is None
    now = datetime(2015, 10, 21, 7, 28, 0, tzinfo=UTC)
    assert _http.retry_after_seconds("Wed, 21 Oct 2015 07:28:30 GMT", now=now) == 30.0
    assert _http.retry_after_seconds("Wed, 21 Oct 2015 07:27:00 GMT", now=now) == 0.0  # past
    assert _http.retry_after({"retry-after": "3"}) == 3.0  # any case
    assert _http.retry_after(None) is None


def test_an_error_answer_is_one_integration_error_shape() -> None:
    err = _http.http_error(
        "zendesk",
        "update ticket 7",
        status=429,
        headers={"Retry-After": "12"},
        body="  Too   many\nrequests ",
    )
    assert isinstance(err, IntegrationError)
    assert str(err) == "zendesk: update ticket 7: HTTP 429: Too many requests"
    assert (err.service, err.status, err.retryable, err.retry_after) == ("zendesk", 429, True, 12)
    refused = _http.http_error("jira", "create issue", status=400, headers=None, body="x" * 500)
    assert isinstance(refused, IntegrationError) and not refused.retryable
    assert len(str(refused)) == len("jira: create issue: HTTP 400: ") + _http.DETAIL_CHARS


def test_a_404_is_not_found_and_no_answer_is_retryable() -> None:
    missing = _http.http_error("zendesk", "get ticket 9", status=404, headers=None, body="")
    assert isinstance(missing, NotFound) and str(missing) == "zendesk: get ticket 9: not found"
    gone = _http.unreachable("jira", "server info", TimeoutError())
    assert gone.retryable and str(gone) == "jira: server info: TimeoutError"
