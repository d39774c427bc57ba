"""Write examples/backoffice/transactions.csv: the demo's sample back office.

A payments back office's export, in its own words: column names (txn_ref, psp_ref, client_id,
kind, amount_cents, ccy, state, ...), its own status and type codes (PAID, PEND, DEP, WDR, ...)
and amounts in integer minor units. `[transactions]` in examples/config.toml maps them to Baton's.

Two parts: the stories behind the bundled escalations (examples/escalations.jsonl), written by
hand so each ticket finds what it names, or a telling absence; and two months of ordinary
activity around them, drawn from a fixed seed so the file is the same on every run.

    python examples/make_transactions.py
"""

from __future__ import annotations

import csv
import random
import string
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

HERE = Path(__file__).resolve().parent
OUT = HERE / "backoffice" / "transactions.csv"
SEED = 20261116
COLUMNS = [
    "txn_ref",
    "psp_ref",
    "client_id",
    "client_email",
    "kind",
    "amount_cents",
    "ccy",
    "state",
    "psp",
    "method",
    "error_code",
    "created",
    "updated",
]
# The window of ordinary activity: the two months before the escalations.
START = datetime(2026, 9, 16, tzinfo=UTC)
END = datetime(2026, 11, 22, 12, tzinfo=UTC)
# Escalated customers' ordinary activity stops here, so that amount-and-date matching
# finds only the transaction each ticket is about.
QUIET_FROM = datetime(2026, 11, 8, tzinfo=UTC)

SP = ZoneInfo("America/Sao_Paulo")


# Digits of the minor unit, as [transactions.currency_exponents] in examples/config.toml says
# for the codes babel does not know; everything else here has two (babel: BRL, USD, CNY, ...).
EXPONENTS = {"BTC": 8}


def minor(amount: str | Decimal, ccy: str) -> int:
    """The amount in integer minor units of its currency (cents; satoshis for BTC)."""
    return int(Decimal(amount).scaleb(EXPONENTS.get(ccy, 2)))


@dataclass
class Customer:
    client_id: str
    email: str
    region: str  # which rails the customer uses
    vip: bool = False
    escalated: bool = False
    stories: list[dict[str, str]] = field(default_factory=list)


# Rails by region: (psp, method, currency, kinds it carries)
RAILS: dict[str, list[tuple[str, str, str, str]]] = {
    "br": [
        ("Stark Bank", "pix", "BRL", "DEP WDR"),
        ("Stark Bank", "pix", "BRL", "DEP WDR"),
        ("Adyen", "card", "BRL", "DEP"),
    ],
    "eu": [
        ("Banking Circle", "sepa", "EUR", "DEP WDR"),
        ("Adyen", "card", "EUR", "DEP"),
        ("Skrill", "skrill", "EUR", "DEP WDR"),
    ],
    "us": [
        ("Stripe", "card", "USD", "DEP"),
        ("Stripe", "card", "USD", "DEP"),
        ("Banking Circle", "swift", "USD", "DEP WDR"),
        ("Neteller", "neteller", "USD", "DEP WDR"),
    ],
    "latam": [
        ("Stripe", "card", "USD", "DEP"),
        ("Banking Circle", "swift", "USD", "DEP WDR"),
        ("Fireblocks", "usdt_trc20", "USDT", "DEP WDR"),
    ],
    "mx": [("STP", "spei", "MXN", "DEP WDR"), ("Adyen", "card", "MXN", "DEP")],
    "cn": [
        ("UnionPay", "unionpay", "CNY", "DEP"),
        ("LianLian", "bank_transfer", "CNY", "DEP WDR"),
        ("Fireblocks", "usdt_trc20", "USDT", "DEP WDR"),
    ],
    "ru": [
        ("CloudPayments", "card", "RUB", "DEP"),
        ("CloudPayments", "card_payout", "RUB", "WDR"),
        ("YooKassa", "sbp", "RUB", "DEP WDR"),
    ],
    "crypto": [
        ("Fireblocks", "usdt_trc20", "USDT", "DEP WDR"),
        ("Fireblocks", "usdt_erc20", "USDT", "DEP WDR"),
    ],
}
# Typical sizes per currency (major units): low, high.
SIZES = {
    "BRL": (100, 12000),
    "EUR": (50, 6000),
    "USD": (50, 6000),
    "MXN": (1000, 60000),
    "CNY": (500, 50000),
    "RUB": (2000, 250000),
    "USDT": (100, 8000),
}
# Failure codes by rail, as the PSPs report them.
FAILURES = {
    "card": ["insufficient_funds", "do_not_honor", "card_declined", "expired_card"],
    "pix": ["pix_key_not_found", "provider_timeout", "limit_exceeded"],
    "sepa": ["name_mismatch", "account_closed", "invalid_account"],
    "swift": ["beneficiary_bank_unavailable", "name_mismatch", "invalid_account"],
    "spei": ["invalid_account", "beneficiary_bank_unavailable"],
    "unionpay": ["insufficient_funds", "limit_exceeded", "card_declined"],
    "bank_transfer": ["name_mismatch", "beneficiary_bank_unavailable"],
    "card_payout": ["card_declined", "provider_timeout"],
    "sbp": ["provider_timeout", "limit_exceeded"],
    "skrill": ["kyc_pending", "limit_exceeded"],
    "neteller": ["kyc_pending", "insufficient_funds"],
    "usdt_trc20": ["provider_timeout", "kyc_pending"],
    "usdt_erc20": ["provider_timeout", "kyc_pending"],
}
# Payer banks' ISPB codes, the first part of a Pix end-to-end id.
ISPB = ["18236120", "60701190", "60746948", "00000000", "00360305", "00416968"]
STARK_ISPB = "39908427"

# The escalated customers: every requester of examples/escalations.jsonl, by e-mail.
ESCALATED = [
    ("t.whitfield@mailbox-demo.example", "eu", True),
    ("martin.echeverria@correo-demo.example", "latam", False),
    ("renata.prado1985@gmail-demo.example", "br", True),
    ("d.okafor@mailbox-demo.example", "us", False),
    ("d.volkov@pochta-demo.example", "ru", False),
    ("liwei.trade@mailbox-demo.example", "cn", False),
    ("kevin.marsh@mailbox-demo.example", "us", True),
    ("ph.batista@mailbox-demo.example", "br", False),
    ("g.hamilton@mailbox-demo.example", "us", False),
    ("aruiz.castano@correo-demo.example", "latam", True),
    ("zhangmin88@mailbox-demo.example", "cn", False),
    ("olga.smirnova@pochta-demo.example", "ru", False),
    ("sam.brooks@mailbox-demo.example", "us", False),
    ("mv.teixeira@mailbox-demo.example", "br", False),
    ("r.vance@mailbox-demo.example", "us", False),
    ("valeria.gomez@correo-demo.example", "mx", False),
    ("h.lindqvist@auroracapital-demo.example", "eu", True),
    ("chenhao.wallet@mailbox-demo.example", "crypto", False),
    ("igor.kuznetsov@pochta-demo.example", "ru", True),
    ("rodrigo.neves@mailbox-demo.example", "br", True),
    ("priya.raman@mailbox-demo.example", "crypto", False),
    ("camila.ribeiro@mailbox-demo.example", "br", False),
    ("wangfang.invest@mailbox-demo.example", "cn", False),
    ("jrc@mailbox-demo.example", "eu", True),
    ("lucia.fernandez@correo-demo.example", "latam", False),
    ("liuyang.vip@mailbox-demo.example", "cn", True),
    ("anna.petrova@pochta-demo.example", "ru", False),
    ("juliana.m.costa@mailbox-demo.example", "br", False),
    ("m.delaney@mailbox-demo.example", "us", True),
]
# Other customers of the desk (names only shape their e-mail).
OTHERS = [
    ("beatriz.lima", "br"),
    ("fernando.rocha", "br"),
    ("larissa.mendes", "br"),
    ("thiago.alves", "br"),
    ("ana.carvalho.sp", "br"),
    ("gustavo.pereira", "br"),
    ("vanessa.ortiz", "mx"),
    ("diego.herrera", "mx"),
    ("sofia.castillo", "latam"),
    ("mateo.vargas", "latam"),
    ("camilo.rojas", "latam"),
    ("emma.schultz", "eu"),
    ("lukas.brandt", "eu"),
    ("ines.moreau", "eu"),
    ("pieter.devries", "eu"),
    ("olivia.bennett", "us"),
    ("jacob.turner", "us"),
    ("hannah.cole", "us"),
    ("nathan.price", "us"),
    ("sergey.ivanov", "ru"),
    ("ekaterina.orlova", "ru"),
    ("alexei.morozov", "ru"),
    ("natalia.sokolova", "ru"),
    ("zhao.lei", "cn"),
    ("sun.yue", "cn"),
    ("zhou.jie", "cn"),
    ("huang.min.trader", "cn"),
    ("kenji.watanabe", "crypto"),
    ("arjun.mehta", "crypto"),
    ("omar.haddad", "crypto"),
    ("yusuf.demir", "eu"),
]
OTHER_DOMAINS = ["mailbox-demo.example", "correo-demo.example", "pochta-demo.example"]


class Ids:
    """The back office's identifiers: cashier ids, per-day sequences, and the PSPs' references."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.used: set[str] = set()
        self.daily: dict[str, int] = {}

    def reserve(self, value: str) -> str:
        assert value not in self.used, value
        self.used.add(value)
        return value

    def _alnum(self, n: int, alphabet: str = string.ascii_uppercase + string.digits) -> str:
        return "".join(self.rng.choice(alphabet) for _ in range(n))

    def txn_ref(self, kind: str, method: str, at: datetime) -> str:
        # The crypto, UnionPay and wire desk numbers requests per day (DEP-2026111904);
        # the main cashier gives random ids (TX-8F3K29Q1).
        if method in ("usdt_trc20", "usdt_erc20", "btc", "unionpay", "swift") and kind in (
            "DEP",
            "WDR",
        ):
            prefix = {"DEP": "DEP", "WDR": "WD"}[kind]
            day = f"{prefix}-{at:%Y%m%d}"
            while True:
                n = self.daily.get(day, 0) + 1
                self.daily[day] = n
                value = f"{day}{n:02d}"
                if value not in self.used:
                    return self.reserve(value)
        while True:
            value = "TX-" + self._alnum(8)
            if value not in self.used:
                return self.reserve(value)

    def psp_ref(self, psp: str, method: str, kind: str, at: datetime) -> str:
        r, hexdigits = self.rng, "0123456789abcdef"
        alnum = string.ascii_letters + string.digits
        if psp == "Stripe":
            prefix = {"RFD": "re_3", "CBK": "dp_1"}.get(kind, "pi_3")
            value = prefix + self._alnum(24, alnum)
        elif psp == "Adyen":
            value = self._alnum(16)
        elif method == "pix":
            ispb = STARK_ISPB if kind == "WDR" else r.choice(ISPB)
            value = f"E{ispb}{at:%Y%m%d%H%M}" + self._alnum(
                11, string.ascii_lowercase + "0123456789"
            )
        elif method == "sepa":
            value = f"BC-SCT-{at:%Y%m%d}-" + self._alnum(8, string.digits)
        elif method == "swift":
            hx = "".join(r.choice(hexdigits) for _ in range(32))
            value = f"{hx[:8]}-{hx[8:12]}-4{hx[13:16]}-a{hx[17:20]}-{hx[20:]}"  # a UETR
        elif method == "spei":
            value = f"STP{at:%Y%m%d}" + self._alnum(10, string.digits)
        elif method == "unionpay":
            value = self._alnum(21, string.digits)
        elif method == "bank_transfer":
            value = "LL" + self._alnum(18, string.digits)
        elif method in ("card", "card_payout"):  # CloudPayments
            value = self._alnum(10, string.digits)
        elif method == "sbp":
            value = "A" + self._alnum(31, string.digits + "ABCDEF")
        elif method == "skrill":
            value = self._alnum(10, string.digits)
        elif method == "neteller":
            value = self._alnum(12, string.digits)
        elif method == "usdt_erc20":
            value = "0x" + "".join(r.choice(hexdigits) for _ in range(64))
        elif method in ("usdt_trc20", "btc"):
            value = "".join(r.choice(hexdigits) for _ in range(64))
        else:
            value = "ADJ-" + self._alnum(10, string.digits)
        return self.reserve(value)


def iso(at: datetime) -> str:
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class Book:
    """The rows being written, with the ids they have used."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.ids = Ids(rng)
        self.rows: list[dict[str, str]] = []

    def add(
        self,
        c: Customer,
        *,
        kind: str,
        amount: str | Decimal,
        ccy: str,
        state: str,
        psp: str,
        method: str,
        at: datetime,
        updated: datetime | None = None,
        error: str = "",
        txn_ref: str | None = None,
        psp_ref: str | None = None,
    ) -> dict[str, str]:
        if updated is None:
            settle = {"PAID": 3, "FAIL": 1, "REV": 60 * 24 * 2, "CANC": 30}.get(state, 0)
            updated = at + timedelta(minutes=settle * self.rng.uniform(0.5, 1.5))
        ref = (
            self.ids.reserve(txn_ref)
            if txn_ref
            else self.ids.txn_ref(kind, method, at.astimezone(UTC))
        )
        if psp_ref is None:
            # A payout still queued has no reference from the provider yet.
            queued = state == "PEND" and kind == "WDR"
            psp_ref = "" if queued or psp == "internal" else self.ids.psp_ref(psp, method, kind, at)
        elif psp_ref and psp_ref not in self.ids.used:
            self.ids.reserve(psp_ref)
        row = {
            "txn_ref": ref,
            "psp_ref": psp_ref,
            "client_id": c.client_id,
            "client_email": c.email,
            "kind": kind,
            "amount_cents": str(minor(amount, ccy)),
            "ccy": ccy,
            "state": state,
            "psp": psp,
            "method": method,
            "error_code": error,
            "created": iso(at),
            "updated": iso(updated),
        }
        self.rows.append(row)
        return row


def local(text: str, tz: str = "America/Sao_Paulo") -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=ZoneInfo(tz))


def stories(book: Book, by_email: dict[str, Customer]) -> None:
    """The transactions the bundled escalations are about (times in the customer's zone)."""
    c = by_email.__getitem__
    add = book.add

    # 31001: SEPA withdrawal "sent" on 12/11, not at the bank: still processing at the PSP.
    add(
        c("t.whitfield@mailbox-demo.example"),
        kind="WDR",
        amount="4800",
        ccy="EUR",
        state="PROC",
        psp="Banking Circle",
        method="sepa",
        at=local("2026-11-12T10:14", "Europe/Lisbon"),
        updated=local("2026-11-12T10:31", "Europe/Lisbon"),
        txn_ref="TX-8F3K29Q1",
    )
    # 31002 / 31019: 2,350 USDT (TRC20) requested on Friday 13/11, queued; on 18/11 treasury
    # paid out 1,850 by hand from the hot wallet, the request itself still pending.
    martin = c("martin.echeverria@correo-demo.example")
    add(
        martin,
        kind="WDR",
        amount="2350",
        ccy="USDT",
        state="PEND",
        psp="Fireblocks",
        method="usdt_trc20",
        at=local("2026-11-13T15:40", "America/Argentina/Buenos_Aires"),
    )
    add(
        martin,
        kind="WDR",
        amount="1850",
        ccy="USDT",
        state="PAID",
        psp="Fireblocks",
        method="usdt_trc20",
        at=local("2026-11-18T11:02", "America/Argentina/Buenos_Aires"),
    )
    # 31003: the Pix E2E id Renata quotes is not in the back office: not received from the PSP.
    # (Deliberately no deposit near 15/11; her earlier Pix deposits arrived normally.)
    # 31004: three 3DS attempts on one Stripe PaymentIntent, each declined by the issuer.
    okafor = c("d.okafor@mailbox-demo.example")
    for hhmm in ("11:05", "11:12", "11:26"):
        add(
            okafor,
            kind="DEP",
            amount="1200",
            ccy="USD",
            state="FAIL",
            psp="Stripe",
            method="card",
            error="do_not_honor",
            at=local(f"2026-11-16T{hhmm}", "America/New_York"),
            psp_ref="pi_3MtwBwLkdIwHu7ix28a3tqPa",
        )
    # 31005: a withdrawal held for KYC while the passport is being re-verified.
    add(
        c("d.volkov@pochta-demo.example"),
        kind="WDR",
        amount="40000",
        ccy="RUB",
        state="FAIL",
        psp="CloudPayments",
        method="card_payout",
        error="kyc_pending",
        at=local("2026-11-15T12:30", "Europe/Moscow"),
    )
    # 31006: a ¥8,000 bank transfer from a company account: rejected, name mismatch.
    add(
        c("liwei.trade@mailbox-demo.example"),
        kind="DEP",
        amount="8000",
        ccy="CNY",
        state="FAIL",
        psp="LianLian",
        method="bank_transfer",
        error="name_mismatch",
        at=local("2026-11-16T15:30", "Asia/Shanghai"),
    )
    # 31007: a card deposit, a fast crypto withdrawal, then the chargeback.
    kevin = c("kevin.marsh@mailbox-demo.example")
    add(
        kevin,
        kind="DEP",
        amount="5000",
        ccy="USD",
        state="PAID",
        psp="Stripe",
        method="card",
        at=local("2026-11-02T09:40", "America/Chicago"),
        psp_ref="ch_3Ma9KLdIwHu7ix0T",
    )
    add(
        kevin,
        kind="WDR",
        amount="4650",
        ccy="USDT",
        state="PAID",
        psp="Fireblocks",
        method="usdt_erc20",
        at=local("2026-11-05T22:15", "America/Chicago"),
    )
    add(
        kevin,
        kind="CBK",
        amount="5000",
        ccy="USD",
        state="PAID",
        psp="Stripe",
        method="card",
        error="fraudulent",
        at=local("2026-11-16T08:00", "America/Chicago"),
    )
    # 31008: the new R$ 5.000,00 daily limit: one payout through, the next refused.
    paulo = c("ph.batista@mailbox-demo.example")
    add(
        paulo,
        kind="WDR",
        amount="5000",
        ccy="BRL",
        state="PAID",
        psp="Stark Bank",
        method="pix",
        at=local("2026-11-16T09:10"),
    )
    add(
        paulo,
        kind="WDR",
        amount="3500",
        ccy="BRL",
        state="FAIL",
        psp="Stark Bank",
        method="pix",
        error="limit_exceeded",
        at=local("2026-11-16T09:25"),
        psp_ref="",
    )
    # 31009: the withdrawal nobody explained: the beneficiary bank rejected the wire.
    add(
        c("g.hamilton@mailbox-demo.example"),
        kind="WDR",
        amount="6500",
        ccy="USD",
        state="FAIL",
        psp="Banking Circle",
        method="swift",
        error="beneficiary_bank_unavailable",
        at=local("2026-11-13T16:20", "Europe/London"),
        updated=local("2026-11-16T10:05", "Europe/London"),
    )
    # 31010: 47 small card deposits in five days (USD 16,900), then a withdrawal of it all.
    alejandro = c("aruiz.castano@correo-demo.example")
    amounts = spread(book.rng, total=16900, n=47, low=180, high=450)
    start = local("2026-11-12T08:00", "America/Bogota")
    for i, amount in enumerate(amounts):
        at = start + timedelta(minutes=int(i * 5 * 24 * 60 / 47) + book.rng.randint(0, 90))
        add(
            alejandro,
            kind="DEP",
            amount=amount,
            ccy="USD",
            state="PAID",
            psp="Stripe",
            method="card",
            at=at,
        )
    add(
        alejandro,
        kind="WDR",
        amount="16900",
        ccy="USD",
        state="PEND",
        psp="Banking Circle",
        method="swift",
        at=local("2026-11-16T19:45", "America/Bogota"),
    )
    # 31011, 31014: verification blocks withdrawals.
    add(
        c("zhangmin88@mailbox-demo.example"),
        kind="WDR",
        amount="3000",
        ccy="CNY",
        state="FAIL",
        psp="LianLian",
        method="bank_transfer",
        error="kyc_pending",
        at=local("2026-11-17T09:00", "Asia/Shanghai"),
    )
    add(
        c("mv.teixeira@mailbox-demo.example"),
        kind="WDR",
        amount="1200",
        ccy="BRL",
        state="FAIL",
        psp="Stark Bank",
        method="pix",
        error="kyc_pending",
        at=local("2026-11-16T14:00"),
        psp_ref="",
    )
    # 31012: the card payout is complete at the PSP; the reference is what her bank needs.
    add(
        c("olga.smirnova@pochta-demo.example"),
        kind="WDR",
        amount="15000",
        ccy="RUB",
        state="PAID",
        psp="CloudPayments",
        method="card_payout",
        at=local("2026-11-17T13:20", "Europe/Moscow"),
    )
    # 31013: timed out at the acquirer after 3DS; the issuer still holds the authorisation.
    add(
        c("sam.brooks@mailbox-demo.example"),
        kind="DEP",
        amount="750",
        ccy="USD",
        state="FAIL",
        psp="Stripe",
        method="card",
        error="provider_timeout",
        at=local("2026-11-17T21:05", "America/New_York"),
        txn_ref="TX-7Q2M44ZD",
        psp_ref="pi_3NbK2aLkdIwHu7ix1c9ZPq0R",
    )
    # 31016: the card deposit refused as insufficient funds.
    add(
        c("valeria.gomez@correo-demo.example"),
        kind="DEP",
        amount="25000",
        ccy="MXN",
        state="FAIL",
        psp="Adyen",
        method="card",
        error="insufficient_funds",
        at=local("2026-11-18T10:40", "America/Mexico_City"),
    )
    # 31018: the 3,000 USDT withdrawal rejected on the destination wallet's screening.
    add(
        c("chenhao.wallet@mailbox-demo.example"),
        kind="WDR",
        amount="3000",
        ccy="USDT",
        state="FAIL",
        psp="Fireblocks",
        method="usdt_erc20",
        error="aml_review",
        at=local("2026-11-17T10:30", "Asia/Shanghai"),
        updated=local("2026-11-19T11:50", "Asia/Shanghai"),
        txn_ref="WD-2026111703",
        psp_ref="",
    )
    # 31020: the 120 000 ₽ payout to someone else's card, stopped by the fraud rules.
    add(
        c("igor.kuznetsov@pochta-demo.example"),
        kind="WDR",
        amount="120000",
        ccy="RUB",
        state="CANC",
        psp="CloudPayments",
        method="card_payout",
        error="fraud_suspected",
        at=local("2026-11-19T04:12", "Europe/Moscow"),
        psp_ref="",
    )
    # 31021: 32 Pix deposits under R$ 1.000 from 19 payers in two days, then R$ 28.400 out.
    rodrigo = c("rodrigo.neves@mailbox-demo.example")
    start = local("2026-11-18T07:30")
    for i, amount in enumerate(spread(book.rng, total=28750, n=32, low=600, high=990)):
        at = start + timedelta(minutes=int(i * 2 * 24 * 60 / 32) + book.rng.randint(0, 40))
        add(
            rodrigo,
            kind="DEP",
            amount=amount,
            ccy="BRL",
            state="PAID",
            psp="Stark Bank",
            method="pix",
            at=at,
        )
    add(
        rodrigo,
        kind="WDR",
        amount="28400",
        ccy="BRL",
        state="PEND",
        psp="Stark Bank",
        method="pix",
        error="aml_review",
        at=local("2026-11-19T20:10"),
    )
    # 31022: 0.85 BTC confirmed on chain, credited only after the travel-rule check.
    add(
        c("priya.raman@mailbox-demo.example"),
        kind="DEP",
        amount="0.85",
        ccy="BTC",
        state="PEND",
        psp="Fireblocks",
        method="btc",
        at=local("2026-11-19T16:45", "Asia/Singapore"),
        txn_ref="DEP-2026111904",
    )
    # 31023: R$ 7.800 returned by Itaú (the account's CPF is not hers); the retry refused.
    camila = c("camila.ribeiro@mailbox-demo.example")
    add(
        camila,
        kind="WDR",
        amount="7800",
        ccy="BRL",
        state="REV",
        psp="Stark Bank",
        method="pix",
        error="name_mismatch",
        at=local("2026-11-18T10:05"),
        updated=local("2026-11-20T09:12"),
    )
    add(
        camila,
        kind="WDR",
        amount="7800",
        ccy="BRL",
        state="FAIL",
        psp="Stark Bank",
        method="pix",
        error="name_mismatch",
        at=local("2026-11-20T10:40"),
    )
    # 31024: deposits refused since the account was restricted.
    add(
        c("wangfang.invest@mailbox-demo.example"),
        kind="DEP",
        amount="10000",
        ccy="CNY",
        state="FAIL",
        psp="UnionPay",
        method="unionpay",
        error="compliance_review",
        at=local("2026-11-20T14:00", "Asia/Shanghai"),
    )
    # 31025: the large withdrawal waiting for the re-verification.
    add(
        c("jrc@mailbox-demo.example"),
        kind="WDR",
        amount="185000",
        ccy="EUR",
        state="PEND",
        psp="Banking Circle",
        method="sepa",
        error="kyc_pending",
        at=local("2026-11-20T17:30", "Europe/London"),
    )
    # 31026: Lucía's USD 1,200 transfer of 20/11 never reached the receiving account: absent.
    # 31027: the UnionPay deposit is at the PSP, not yet settled to the account.
    add(
        c("liuyang.vip@mailbox-demo.example"),
        kind="DEP",
        amount="20000",
        ccy="CNY",
        state="PROC",
        psp="UnionPay",
        method="unionpay",
        at=local("2026-11-21T21:35", "Asia/Shanghai"),
        txn_ref="DEP-2026112117",
    )
    # 31028: two card attempts, both do_not_honor from the issuer.
    anna = c("anna.petrova@pochta-demo.example")
    add(
        anna,
        kind="DEP",
        amount="50000",
        ccy="RUB",
        state="FAIL",
        psp="CloudPayments",
        method="card",
        error="do_not_honor",
        at=local("2026-11-22T07:58", "Europe/Moscow"),
    )
    add(
        anna,
        kind="DEP",
        amount="50000",
        ccy="RUB",
        state="FAIL",
        psp="CloudPayments",
        method="card",
        error="do_not_honor",
        at=local("2026-11-22T08:21", "Europe/Moscow"),
        txn_ref="TX-R5N8W2KC",
    )
    # 31030: the USD 40,000 wire waiting on the source-of-funds review.
    add(
        c("m.delaney@mailbox-demo.example"),
        kind="DEP",
        amount="40000",
        ccy="USD",
        state="PEND",
        psp="Banking Circle",
        method="swift",
        error="aml_review",
        at=local("2026-11-22T09:15", "America/New_York"),
        txn_ref="DEP-2026112203",
    )


def spread(rng: random.Random, *, total: int, n: int, low: int, high: int) -> list[Decimal]:
    """n amounts between low and high (whole units and cents) that add up to total."""
    while True:
        cents = [rng.randint(low * 100, high * 100) for _ in range(n - 1)]
        last = total * 100 - sum(cents)
        if low * 100 <= last <= high * 100:
            return [Decimal(c) / 100 for c in [*cents, last]]


def ordinary(book: Book, c: Customer, *, until: datetime) -> None:
    """A customer's everyday deposits and withdrawals, with the usual share of failures."""
    rng = book.rng
    rails = RAILS[c.region]
    count = rng.randint(10, 16) if c.vip else rng.randint(4, 10)
    span = (until - START).total_seconds()
    times = sorted(START + timedelta(seconds=rng.uniform(0, span)) for _ in range(count))
    for at in times:
        psp, method, ccy, kinds = rng.choice(rails)
        kind = rng.choice([*kinds.split(), "DEP"])  # deposits are the most common
        low, high = SIZES[ccy]
        amount = Decimal(rng.randint(low, high * (3 if c.vip else 1)))
        if method in ("pix", "card") and rng.random() < 0.4:
            amount += Decimal(rng.randint(0, 99)) / 100
        roll = rng.random()
        recent = at > END - timedelta(days=2)
        if roll < 0.78:
            state, error = ("PROC" if recent and kind == "WDR" else "PAID"), ""
        elif roll < 0.9:
            state, error = "FAIL", rng.choice(FAILURES[method])
        elif roll < 0.95:
            state, error = "CANC", ""
        else:
            state, error = ("PEND", "") if recent else ("REV", rng.choice(FAILURES[method]))
        book.add(
            c,
            kind=kind,
            amount=amount,
            ccy=ccy,
            state=state,
            psp=psp,
            method=method,
            at=at,
            error=error,
        )
        # Some card deposits come back later as refunds.
        if kind == "DEP" and method == "card" and state == "PAID" and rng.random() < 0.08:
            book.add(
                c,
                kind="RFD",
                amount=amount,
                ccy=ccy,
                state="PAID",
                psp=psp,
                method=method,
                at=at + timedelta(days=rng.randint(1, 6)),
            )
    # Manual credits (goodwill, bonus) and debits (fees) by the back office.
    if rng.random() < 0.35:
        ccy = rails[0][2]
        at = START + timedelta(seconds=rng.uniform(0, span))
        kind = rng.choice(["CRD", "DBT"])
        book.add(
            c,
            kind=kind,
            amount=Decimal(rng.randint(5, 50) * 10),
            ccy=ccy,
            state="PAID",
            psp="internal",
            method="manual",
            at=at,
        )


def build(seed: int = SEED) -> list[dict[str, str]]:
    """Every row of the sample back office, oldest first."""
    rng = random.Random(seed)  # noqa: S311 - sample data, no secrets
    book = Book(rng)
    customers: list[Customer] = []
    numbers = rng.sample(range(100000, 999999), len(ESCALATED) + len(OTHERS))
    for (email, region, vip), n in zip(ESCALATED, numbers, strict=False):
        customers.append(Customer(f"CL-{n}", email, region, vip=vip, escalated=True))
    for (name, region), n in zip(OTHERS, numbers[len(ESCALATED) :], strict=True):
        domain = rng.choice(OTHER_DOMAINS)
        customers.append(Customer(f"CL-{n}", f"{name}@{domain}", region, vip=rng.random() < 0.2))
    by_email = {c.email: c for c in customers}
    for c in customers:
        ordinary(book, c, until=QUIET_FROM if c.escalated else END)
    stories(book, by_email)
    return sorted(book.rows, key=lambda r: (r["created"], r["txn_ref"]))


def main() -> None:
    rows = build()
    OUT.parent.mkdir(parents=True, exist_ok=True)
    with OUT.open("w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    customers = len({r["client_id"] for r in rows})
    print(f"wrote {len(rows)} transactions of {customers} customers to {OUT}")


if __name__ == "__main__":
    main()
