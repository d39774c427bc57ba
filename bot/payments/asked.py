"""What a payment ticket names: references, an amount with its currency, a date, the customer.

Customers and agents write in five languages and every local format: ``R$ 2.500,00``,
``EUR 4,800``, ``2.350 USDT``, ``15 000 ₽``, ``¥8,000``, ``5000元``; ``12/11``, ``ontem``,
``昨天``, ``11月17日``. Dates are read in the requester's time zone relative to when the ticket
was created, since "yesterday" is the customer's yesterday.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.domain import Ticket

# Transaction ids and provider references, most specific first.
_REFERENCES = (
    re.compile(r"\bE\d{20}[A-Za-z0-9]{11}\b"),  # Pix end-to-end id (E + ISPB + yyyyMMddHHmm + 11)
    re.compile(r"\b(?:pi|ch|py|po|tr|re|txn|pm|in)_[A-Za-z0-9]{14,}\b"),  # Stripe objects
    re.compile(r"\b0x[0-9a-fA-F]{64}\b"),  # EVM transaction hash
    re.compile(r"(?<![0-9A-Za-z])[0-9a-fA-F]{64}(?![0-9A-Za-z])"),  # BTC / TRON transaction hash
    re.compile(r"\b[A-Z]{2,5}-(?=[A-Z0-9-]*\d)[A-Z0-9]{4,}(?:-[A-Z0-9]+)*\b"),  # TX-8F3K29Q1
    # A long PSP reference (Adyen's 16 characters and longer): upper case letters and digits.
    re.compile(r"\b(?=[0-9A-Z]*[A-Z])(?=[0-9A-Z]*\d)[0-9A-Z]{12,40}\b"),
)

_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_CUSTOMER_ID = re.compile(
    r"(?:customer|client|cliente|клиент[а-я]*|客户)\s*(?:id|no\.?|number|n[úu]mero|номер|编号|号)"
    r"\s*[:#：]?\s*([A-Za-z0-9][A-Za-z0-9-]{3,})"
    r"|(?:id|n[úu]mero|номер)\s+(?:(?:do|de|del)\s+cliente|клиента)\s*[:#]?\s*"
    r"([A-Za-z0-9][A-Za-z0-9-]{3,})",
    re.IGNORECASE,
)

# Currency words and symbols → ISO code; longest first so "US$" wins over "$".
_CURRENCY_WORDS: Mapping[str, str] = {
    "R$": "BRL",
    "US$": "USD",
    "$": "USD",
    "€": "EUR",
    "£": "GBP",
    "¥": "CNY",
    "￥": "CNY",
    "₽": "RUB",
    "元": "CNY",
    "人民币": "CNY",
    "块": "CNY",
    "美元": "USD",
    "欧元": "EUR",
    "рублей": "RUB",
    "рубля": "RUB",
    "рубль": "RUB",
    "руб.": "RUB",
    "руб": "RUB",
    "reais": "BRL",
    "real": "BRL",
    "dólares": "USD",
    "dolares": "USD",
    "dollars": "USD",
    "euros": "EUR",
    "RMB": "CNY",
}
# fmt: off
_CODES = frozenset({
    "BRL", "USD", "EUR", "GBP", "CNY", "RUB", "MXN", "ARS", "CLP", "COP", "PEN", "JPY", "KZT",
    "UAH", "TRY", "INR", "CHF", "CAD", "AUD", "USDT", "USDC", "BTC", "ETH", "TRX", "BNB", "SOL",
    "LTC",
})
# fmt: on
_CURRENCY = "|".join(
    [re.escape(w) for w in sorted(_CURRENCY_WORDS, key=len, reverse=True)]
    + [rf"(?<![A-Za-z]){c}(?![A-Za-z])" for c in sorted(_CODES, key=len, reverse=True)]
)
# 2.500,00 · 4,800 · 15 000 · 0.85 · 5000
_NUMBER = r"\d{1,3}(?:[ \u00a0\u202f.,]\d{3})+(?:[.,]\d{1,8})?|\d+(?:[.,]\d{1,8})?"
_AMOUNT = re.compile(
    rf"(?P<pre>{_CURRENCY})\s?(?P<n1>{_NUMBER})(?![\d/])"
    rf"|(?<![\d.,/])(?P<n2>{_NUMBER})\s?(?P<post>{_CURRENCY})",
    re.IGNORECASE,
)

_ISO_DATE = re.compile(r"\b(\d{4})-(\d{2})-(\d{2})\b")
_SLASH_DATE = re.compile(r"(?<![\d/])(\d{1,2})[/.](\d{1,2})(?:[/.](\d{2}|\d{4}))?(?![\d/])")
_CJK_DATE = re.compile(r"(?:(\d{4})年)?(\d{1,2})月(\d{1,2})[日号]")
# Relative days, by how many days back; the longest word first ("anteontem" before "ontem").
_RELATIVE = (
    (2, ("day before yesterday", "anteontem", "anteayer", "позавчера", "前天")),
    (1, ("yesterday", "ontem", "ayer", "вчера", "昨天", "昨日")),
    (0, ("today", "hoje", "hoy", "сегодня", "今天", "今日")),
)


@dataclass(frozen=True)
class Asked:
    """What a ticket names, and the customer keys a lookup can use."""

    references: tuple[str, ...] = ()
    amount: Decimal | None = None
    currency: str | None = None
    day: date | None = None
    email: str | None = None
    customer_id: str | None = None

    @property
    def names_something(self) -> bool:
        return bool(self.references or self.amount is not None)

    def to_map(self) -> dict[str, str]:
        """The stored form (Findings.asked, the retry's payload): only what is known."""
        out = {
            "reference": " ".join(self.references),
            "amount": str(self.amount) if self.amount is not None else "",
            "currency": self.currency or "",
            "date": self.day.isoformat() if self.day else "",
            "email": self.email or "",
            "customer_id": self.customer_id or "",
        }
        return {k: v for k, v in out.items() if v}

    @classmethod
    def from_map(cls, data: Mapping[str, str]) -> Asked:
        """Read back what to_map wrote."""
        amount = data.get("amount")
        day = data.get("date")
        return cls(
            references=tuple((data.get("reference") or "").split()),
            amount=Decimal(amount) if amount else None,
            currency=data.get("currency") or None,
            day=date.fromisoformat(day) if day else None,
            email=data.get("email") or None,
            customer_id=data.get("customer_id") or None,
        )


def ticket_asks(ticket: Ticket, *, default_tz: ZoneInfo) -> Asked:
    """Read what a ticket names; the requester's e-mail is the customer key when it has one."""
    text = ticket.text
    tz = _zone(ticket.requester.time_zone) or default_tz
    amounts = amounts_in(text, locale=ticket.requester.locale)
    # Several amounts ("I got 1.850 of the 2.350 USDT I asked for"): the transaction is the
    # largest; the smaller ones are parts, fees or what arrived.
    amount, currency = max(amounts, key=lambda a: a[0]) if amounts else (None, None)
    email = ticket.requester.email or _first(_EMAIL, text)
    m = _CUSTOMER_ID.search(text)
    return Asked(
        references=references_in(text),
        amount=amount,
        currency=currency,
        day=day_in(
            text,
            today=ticket.created_at.astimezone(tz).date(),
            month_first=(ticket.requester.locale or "").lower() == "en-us",
        ),
        email=email.lower() if email else None,
        customer_id=(m.group(1) or m.group(2)) if m else None,
    )


def references_in(text: str) -> tuple[str, ...]:
    """Transaction ids and provider references in the text, in order, each once."""
    spans: list[tuple[int, int, str]] = []
    for pattern in _REFERENCES:
        for m in pattern.finditer(text):
            if any(s <= m.start() < e or s < m.end() <= e for s, e, _ in spans):
                continue  # inside a reference already found (a hash's tail, an E2E's digits)
            spans.append((m.start(), m.end(), m.group(0)))
    found = [ref for _s, _e, ref in sorted(spans)]
    return tuple(dict.fromkeys(found))


def amounts_in(text: str, *, locale: str | None = None) -> list[tuple[Decimal, str]]:
    """Every amount written with a currency: (value in major units, ISO code)."""
    out: list[tuple[Decimal, str]] = []
    for m in _AMOUNT.finditer(text):
        word = m.group("pre") or m.group("post")
        number = m.group("n1") or m.group("n2")
        value = _number(number)
        code = _currency(word, locale=locale)
        if value is not None and code is not None and value > 0:
            out.append((value, code))
    return out


def day_in(text: str, *, today: date, month_first: bool = False) -> date | None:
    """The first date the text names, at or before today (12/11 is the last 12 November)."""
    lowered = text.lower()
    candidates: list[tuple[int, date]] = []
    for back, words in _RELATIVE:
        for word in words:
            at = _word_at(lowered, word)
            if at is not None:
                candidates.append((at, today - timedelta(days=back)))
                break
    for m in _ISO_DATE.finditer(text):
        if found := _date(int(m.group(1)), int(m.group(2)), int(m.group(3))):
            candidates.append((m.start(), found))
    for m in _CJK_DATE.finditer(text):
        year = int(m.group(1)) if m.group(1) else None
        if found := _recent(today, int(m.group(2)), int(m.group(3)), year):
            candidates.append((m.start(), found))
    for m in _SLASH_DATE.finditer(text):
        a, b = int(m.group(1)), int(m.group(2))
        year = _year(m.group(3))
        first, second = ((b, a), (a, b)) if month_first else ((a, b), (b, a))
        found = _recent(today, first[1], first[0], year) or _recent(
            today, second[1], second[0], year
        )
        if found:
            candidates.append((m.start(), found))
    return min(candidates)[1] if candidates else None


def _word_at(lowered: str, word: str) -> int | None:
    if re.search(r"[\u3040-\u9fff]", word):
        at = lowered.find(word)  # Chinese has no spaces between words
        return at if at >= 0 else None
    m = re.search(rf"(?<!\w){re.escape(word)}(?!\w)", lowered)
    return m.start() if m else None


def _first(pattern: re.Pattern[str], text: str) -> str | None:
    m = pattern.search(text)
    return m.group(0) if m else None


def _zone(name: str | None) -> ZoneInfo | None:
    if not name:
        return None
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return None  # Zendesk's own zone names ("Brasilia") are not IANA names


def _number(raw: str) -> Decimal | None:
    """A written number in any of the usual formats, as a Decimal."""
    s = re.sub(r"[ \u00a0\u202f]", "", raw)
    if "." in s and "," in s:
        decimal_mark = "." if s.rfind(".") > s.rfind(",") else ","
    elif s.count(".") + s.count(",") == 0:
        decimal_mark = None
    else:
        mark = "." if "." in s else ","
        int_part, _, tail = s.rpartition(mark)
        # "2.350" and "4,800" are thousands; "0.85" and "2500,5" are decimals.
        thousands = s.count(mark) > 1 or (len(tail) == 3 and int_part not in ("0", ""))
        decimal_mark = None if thousands else mark
    if decimal_mark is None:
        s = s.replace(".", "").replace(",", "")
    else:
        other = "," if decimal_mark == "." else "."
        s = s.replace(other, "").replace(decimal_mark, ".")
    try:
        return Decimal(s)
    except InvalidOperation:
        return None


def _currency(word: str, *, locale: str | None) -> str | None:
    if word in _CURRENCY_WORDS:
        code = _CURRENCY_WORDS[word]
    elif word.lower() in _CURRENCY_WORDS:
        code = _CURRENCY_WORDS[word.lower()]
    else:
        code = word.upper()
    if word in ("¥", "￥") and (locale or "").lower().startswith("ja"):
        return "JPY"
    return code if code in _CODES or code in _CURRENCY_WORDS.values() else None


def _year(raw: str | None) -> int | None:
    if raw is None:
        return None
    year = int(raw)
    return year + 2000 if year < 100 else year


def _date(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


def _recent(today: date, month: int, day: int, year: int | None) -> date | None:
    """The date with that month and day, in year if given, else the latest one not after today."""
    if year is not None:
        return _date(year, month, day)
    found = _date(today.year, month, day)
    if found is not None and found > today:
        found = _date(today.year - 1, month, day)
    return found
