"""tx_line: one transaction as the analyst reads it, in their language and time zone, masked."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from bot import i18n
from bot.domain import LookupBy, Transaction, TxStatus, TxType
from bot.slack_messages.transactions import answer, tx_line
from tests.handlers.slack.support import find_pii

WHEN = datetime(2026, 1, 6, 17, 30, tzinfo=UTC)  # 14:30 in São Paulo


def _tx(**fields: object) -> Transaction:
    values: dict[str, object] = {
        "id": "TX-8F3K29Q1",
        "type": TxType.DEPOSIT,
        "amount": Decimal("1234.50"),
        "currency": "BRL",
        "status": TxStatus.COMPLETED,
        "created_at": WHEN,
        "provider_reference": "E18236120202601061730s0a1b2c3d4e",
        "email": "joao.pereira@gmail.com",
        "provider": "PagBrasil",
        "method": "pix",
    }
    values.update(fields)
    return Transaction(**values)  # type: ignore[arg-type]


def _line(tx: Transaction, locale: str, tz: str = "America/Sao_Paulo") -> str:
    return tx_line(tx, _=i18n.translator(locale), locale=locale, tz=tz)


def test_amount_time_and_labels_follow_the_analysts_locale() -> None:
    en, pt = _line(_tx(), "en"), _line(_tx(), "pt_BR")
    assert "R$1,234.50" in en and "*Deposit*" in en and "Completed" in en
    assert "R$\xa01.234,50" in pt and "*Depósito*" in pt and "Concluída" in pt
    assert "2:30\u202fPM" in en and "06/01/2026 14:30" in pt  # São Paulo time, not UTC
    for line in (en, pt):
        assert "`TX-8F3K29Q1`" in line and "E18236120202601061730s0a1b2c3d4e" in line
        assert "PagBrasil / pix" in line and "\n" not in line


def test_token_amounts_keep_every_decimal_and_show_their_code() -> None:
    line = _line(_tx(amount=Decimal("0.00012345"), currency="USDT"), "pt_BR")
    assert "0,00012345 USDT" in line


def test_back_office_text_is_escaped_and_card_like_ids_masked() -> None:
    line = _line(_tx(id="4111111111111111", provider="<!channel> Pay"), "en")
    assert "&lt;!channel&gt; Pay" in line and "<!channel>" not in line
    assert not find_pii([line])


def test_a_failed_transaction_says_why_and_what_next_in_the_analysts_language() -> None:
    failed = _tx(status=TxStatus.FAILED, failure_code="INSUFFICIENT-FUNDS")
    first, why = _line(failed, "en").split("\n")
    assert ":x: Failed" in first
    assert "did not have enough balance" in why and "Next: Ask the customer" in why
    first, why = _line(failed, "pt_BR").split("\n")
    assert ":x: Falhou" in first
    assert "saldo suficiente" in why and "Próximo passo:" in why


def test_an_unknown_code_is_shown_escaped_and_a_completed_one_not_explained() -> None:
    odd = _line(_tx(status=TxStatus.REVERSED, failure_code="<!here> R99"), "en")
    assert "&lt;!here&gt; R99" in odd and "<!here>" not in odd
    assert "\n" not in _line(_tx(failure_code="insufficient_funds"), "en")


def test_a_more_value_slack_would_refuse_is_left_out() -> None:
    def more_buttons(more: str) -> list[dict[str, object]]:
        _text, blocks = answer(
            i18n.translator("en"),
            value="C-88231",
            by=LookupBy.CUSTOMER_ID,
            transactions=[_tx()],
            more=more,
            locale="en",
            tz="UTC",
        )
        return [e for b in blocks for e in b.get("elements", []) if e.get("type") == "button"]

    (button,) = more_buttons("v" * 2000)
    assert button["action_id"] == "txn_more" and button["value"] == "v" * 2000
    assert more_buttons("v" * 2001) == []  # Slack refuses longer values: no button at all
