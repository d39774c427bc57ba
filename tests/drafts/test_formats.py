"""Amounts and dates in a draft follow the customer's own locale and zone (SPEC §9, issue 24)."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from bot import i18n
from bot.domain import Category, Requester, Ticket
from bot.drafts.language import choose
from bot.drafts.placeholders import DraftContext, context_for
from bot.drafts.templates import Template, render
from bot.store.models import Escalation

PAID_AT = datetime(2026, 3, 3, 17, 15, tzinfo=UTC)


def details(language: str, *, locale: str | None, currency: str, zone: str | None) -> str:
    ctx = DraftContext(
        analyst_name="Ana",
        locale=locale,
        time_zone=zone,
        amount=Decimal("25000"),
        currency=currency,
        occurred_at=PAID_AT,
    )
    body = render(Template.WITHDRAWAL_DELAYED, language=language, context=ctx, compliance=False)
    return body.body


@pytest.mark.parametrize(
    ("language", "locale", "currency", "zone", "amount", "date"),
    [
        # Mexico: the peso is "$", a comma for thousands, a 12-hour clock.
        ("es", "es-MX", "MXN", "America/Mexico_City", "$25,000.00", "3 de marzo de 2026, 11:15"),
        # Argentina: a point for thousands, a 24-hour clock.
        (
            "es",
            "es-AR",
            "ARS",
            "America/Argentina/Buenos_Aires",
            "$25.000,00",
            "3 de marzo de 2026, 14:15",
        ),
        # Spain, when the customer's locale says so.
        ("es", "es-ES", "EUR", "Europe/Madrid", "25.000,00\xa0€", "3 de marzo de 2026, 18:15"),
        # Portugal: a space for thousands, the euro after the number.
        ("pt", "pt-PT", "EUR", "Europe/Lisbon", "25\xa0000,00\xa0€", "3 de março de 2026, 17:15"),
        # Britain: day before month, a 24-hour clock.
        ("en", "en-GB", "GBP", "Europe/London", "£25,000.00", "3 March 2026, 17:15"),
        ("en", "en-US", "USD", "America/New_York", "$25,000.00", "March 3, 2026, 12:15"),
        # Taiwan: the draft is Simplified Chinese, the formats Taiwan's (NT dollars as "$").
        ("zh", "zh-TW", "TWD", "Asia/Taipei", "$25,000.00", "2026年3月4日 凌晨1:15"),
    ],
)
def test_formats_follow_the_customers_own_locale(
    language: str, locale: str, currency: str, zone: str, amount: str, date: str
) -> None:
    body = details(language, locale=locale, currency=currency, zone=zone)
    assert amount in body and date in body
    assert "UTC" not in body  # their own zone is not named


def test_a_mexican_customer_never_gets_spains_formats() -> None:
    # The fault: 25.000,00 MXN for a customer in Mexico.
    for locale in ("es-MX", "es", "es-419", "en-US", None):
        body = details("es", locale=locale, currency="MXN", zone="America/Mexico_City")
        assert "25.000,00" not in body and "25,000.00" in body, (locale, body)


def test_plain_spanish_is_latin_american() -> None:
    assert i18n.format_locale("es", "es") == "es_419"
    assert i18n.format_locale("es", "es-LA") == "es_419"  # Slack's tag: no such territory
    body = details("es", locale=None, currency="USD", zone="America/Bogota")
    assert "USD\xa025,000.00" in body  # babel's "USD25,000.00" spaced as CLDR says


@pytest.mark.parametrize(
    ("language", "locale", "expected"),
    [
        ("es", "es-MX", "es_MX"),
        ("es", "es-ar", "es_AR"),
        ("pt", "pt-PT", "pt_PT"),
        ("pt", "pt", "pt_BR"),
        ("en", "en-GB", "en_GB"),
        ("en", "en_US_POSIX", "en_US"),
        ("zh", "zh-TW", "zh_Hant_TW"),
        ("zh", "zh-CN", "zh_Hans_CN"),
        ("ru", "ru", "ru_RU"),
        # The locale is of another language (the words chose the reply): the language's own.
        ("es", "en-GB", "es_419"),
        ("zh", "en-US", "zh_Hans_CN"),
        ("pt", "xx-YY", "pt_BR"),
        ("ru", None, "ru_RU"),
    ],
)
def test_format_locale(language: str, locale: str | None, expected: str) -> None:
    assert i18n.format_locale(language, locale) == expected


def test_an_unknown_zone_is_named_utc() -> None:
    body = details("ru", locale="ru", currency="RUB", zone=None)
    assert "3 марта 2026\u202fг., 17:15 UTC" in body
    bogus = details("en", locale="en-GB", currency="GBP", zone="Not/A_Zone")
    assert "3 March 2026, 17:15 UTC" in bogus


def test_the_ticket_carries_the_locale_into_the_draft() -> None:
    esc = Escalation(ticket_id=77, category=Category.WITHDRAWAL.value, enrichment=None)
    ticket = Ticket(
        id=77,
        subject="retiro",
        description="hice un retiro hace tres dias y todavia no me llega",
        tags=frozenset({"esc_withdrawal"}),
        requester=Requester(
            id=5, name="Lucía Pérez", locale="es-MX", time_zone="America/Mexico_City"
        ),
        created_at=PAID_AT,
    )
    ctx = context_for(esc, ticket, None)
    assert ctx.locale == "es-MX"
    assert choose(None, ticket.description, ticket.requester.locale, None).language == "es"
