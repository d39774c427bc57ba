"""Fill draft texts for one catalog locale: translation in the "draft" context, and babel
formatting for the customer's own locale (``i18n.format_locale``: es-MX, pt-PT, en-GB, …)."""

from __future__ import annotations

import re
from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from babel.dates import format_date, format_time, get_datetime_format
from babel.numbers import format_currency, format_decimal, is_currency

from bot import i18n
from bot.drafts import customer_texts
from bot.drafts.placeholders import DEFAULT_KYC_DOCUMENTS, DraftContext

# A currency code written as letters against the digits (es_419 "USD2,000.00"): CLDR's currency
# spacing puts a no-break space between them, which babel leaves out.
_LETTERS_THEN_DIGIT = re.compile(r"(?<=[^\W\d_])(?=\d)|(?<=\d)(?=[^\W\d_])")


def format_amount(amount: Decimal, currency: str, *, locale: str) -> str:
    """An amount as the babel locale writes it; a code babel lacks (USDT) as number and code."""
    code = currency.strip().upper()
    if is_currency(code):
        shown = str(format_currency(amount, code, locale=locale))
        return _LETTERS_THEN_DIGIT.sub("\xa0", shown)
    number = format_decimal(amount, format="#,##0.00######", locale=locale)
    return f"{number} {code}"


def _zone(name: str | None) -> ZoneInfo | None:
    try:
        return ZoneInfo(name) if name else None
    except (ZoneInfoNotFoundError, ValueError):
        return None


def format_when(value: datetime, *, locale: str, time_zone: str | None) -> str:
    """A date and time as the babel locale writes them (long date, short time), in the
    customer's zone; when their zone is unknown, in UTC and saying so (``… 17:30 UTC``)."""
    zone = _zone(time_zone)
    local = value.astimezone(zone or ZoneInfo("UTC"))
    pattern = str(get_datetime_format("long", locale=locale)).replace("'", "")
    date = format_date(local, "long", locale=locale)
    time = format_time(local, "short", tzinfo=local.tzinfo, locale=locale)
    if zone is None:
        time = f"{time} {i18n.zone_label(value, ZoneInfo('UTC'))}"
    return pattern.replace("{1}", date).replace("{0}", time)


class Filler:
    """Translate and fill the texts of one draft."""

    def __init__(self, locale: str, context: DraftContext, *, formats: str | None = None) -> None:
        self.locale = locale  # the catalog ("es")
        self.formats = formats or i18n.babel_locale(locale)  # babel's locale ("es_MX")
        self.context = context
        self._tr = i18n.translations(locale)

    def text(self, msgid: str, **params: object) -> str:
        """A "draft" message in this locale, formatted with params."""
        return str(self._tr.pgettext(customer_texts.CONTEXT, msgid)).format(**params)

    def plural(self, forms: tuple[str, str], count: int, **params: object) -> str:
        singular, plural = forms
        return self._tr.npgettext(customer_texts.CONTEXT, singular, plural, count).format(
            count=count, **params
        )

    def greeting(self) -> str:
        name = self.context.customer_name
        return (
            self.text(customer_texts.GREETING, name=name)
            if name
            else self.text(customer_texts.GREETING_NO_NAME)
        )

    def closing(self) -> str:
        name = self.context.analyst_name
        return (
            self.text(customer_texts.CLOSING, analyst=name)
            if name
            else self.text(customer_texts.CLOSING_NO_NAME)
        )

    def documents(self, forms: tuple[str, str]) -> str:
        docs = self.context.documents or DEFAULT_KYC_DOCUMENTS
        lines = [self.plural(forms, len(docs))]
        lines += [f"- {self.text(customer_texts.DOCUMENTS[d.value])}" for d in docs]
        return "\n".join(lines)

    def body(self, msgid: str, *, documents_requested: bool) -> str:
        """A template body; {reason} is the document issue when documents are asked again."""
        ctx = self.context
        reason, next_step = customer_texts.REASONS[ctx.reason.value]
        if "{documents}" in msgid and not documents_requested:
            reason = customer_texts.DOCUMENT_ISSUES[ctx.document_issue.value]
        forms = (
            customer_texts.DOCUMENTS_NEEDED
            if documents_requested
            else customer_texts.DOCUMENTS_TO_RESEND
        )
        return self.text(
            msgid,
            reason=self.text(reason),
            next_step=self.text(next_step),
            documents=self.documents(forms),
        )

    def details(self) -> str:
        ctx = self.context
        lines = []
        if ctx.amount is not None and ctx.currency:
            amount = format_amount(ctx.amount, ctx.currency, locale=self.formats)
            lines.append(self.text(customer_texts.AMOUNT, amount=amount))
        if ctx.occurred_at is not None:
            when = format_when(ctx.occurred_at, locale=self.formats, time_zone=ctx.time_zone)
            lines.append(self.text(customer_texts.DATE, date=when))
        if ctx.reference:
            lines.append(self.text(customer_texts.REFERENCE, reference=ctx.reference))
        return "\n".join(lines)
