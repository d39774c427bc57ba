"""Fill draft texts for one catalog locale: translation in the "draft" context, babel formatting."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from babel.dates import format_date, format_time, get_datetime_format
from babel.numbers import format_currency, format_decimal, is_currency

from bot import i18n
from bot.drafts import customer_texts
from bot.drafts.placeholders import DEFAULT_KYC_DOCUMENTS, DraftContext


def format_amount(amount: Decimal, currency: str, *, locale: str) -> str:
    """An amount as the locale writes it; a code babel lacks (USDT) as number and code."""
    where = i18n.babel_locale(locale)
    code = currency.strip().upper()
    if is_currency(code):
        return str(format_currency(amount, code, locale=where))
    number = format_decimal(amount, format="#,##0.00######", locale=where)
    return f"{number} {code}"


def _zone(name: str | None) -> ZoneInfo:
    try:
        return ZoneInfo(name) if name else ZoneInfo("UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def format_when(value: datetime, *, locale: str, time_zone: str | None) -> str:
    """A date and time in the customer's zone, the locale's long date with a short time."""
    where = i18n.babel_locale(locale)
    local = value.astimezone(_zone(time_zone))
    pattern = str(get_datetime_format("long", locale=where)).replace("'", "")
    date = format_date(local, "long", locale=where)
    time = format_time(local, "short", tzinfo=local.tzinfo, locale=where)
    return pattern.replace("{1}", date).replace("{0}", time)


class Filler:
    """Translate and fill the texts of one draft."""

    def __init__(self, locale: str, context: DraftContext) -> None:
        self.locale = locale
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
            amount = format_amount(ctx.amount, ctx.currency, locale=self.locale)
            lines.append(self.text(customer_texts.AMOUNT, amount=amount))
        if ctx.occurred_at is not None:
            when = format_when(ctx.occurred_at, locale=self.locale, time_zone=ctx.time_zone)
            lines.append(self.text(customer_texts.DATE, date=when))
        if ctx.reference:
            lines.append(self.text(customer_texts.REFERENCE, reference=ctx.reference))
        return "\n".join(lines)
