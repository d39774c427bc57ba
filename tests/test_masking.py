"""PII masking on real-looking samples, alone and inside sentences in the desk's languages."""

from __future__ import annotations

import re

import pytest

from bot.masking import luhn_ok, mask, mask_deep

MASKED = [
    # (input, must not survive, must survive)
    ("4111 1111 1111 1111", "4111 1111", "1111"),
    ("Cartão 5500-0055-5555-5559 recusado", "5500-0055", "5559"),
    ("card 4012888888881881 declined", "401288888888", "1881"),
    ("Amex 3782 822463 10005 charged twice", "3782 822463", "0005"),
    ("Visa 19 digits 4000000000000000006 ok", "400000000000000", "0006"),
    ("escreva para joao.pereira@gmail.com por favor", "joao.pereira@gmail.com", "@g***.com"),
    ("mail: ivan.petrov+vip@yandex.ru.", "ivan.petrov", "@y***.ru"),
    ("CPF 529.982.247-25 do titular", "529.982.247", "-25"),
    ("cpf 52998224725 conferido", "52998224725", "25"),
    ("CNPJ 11.222.333/0001-81 da empresa", "11.222.333/0001", "-81"),
    ("CNPJ 11222333000181", "11222333000181", "81"),
    ("身份证号 11010519491231002X 已上传", "110105194912310", "02X"),
    ("身份证号 440524188001010014", "44052418800101", "14"),
    ("ИНН 7707083893 и ИНН физлица 500100732259", "7707083893", "93"),
    ("паспорт 4508 123456 выдан", "4508 1234", "56"),
    ("паспорт серия 45 08 № 123456", "123456", "56"),
    ("passport FZ1234567 expired", "FZ1234567", "67"),
    ("pasaporte número: PAA123456", "PAA123456", "56"),
    ("call me at +55 11 91234-5678", "91234-5678", "78"),
    ("ligue (11) 91234-5678 ou 11 3456-7890", "91234-5678", "78"),
    ("тел. +7 (495) 123-45-67", "123-45", "67"),
    ("WhatsApp +86 138 0013 8000", "138 0013", "00"),
    ("tel +14155552671", "4155552671", "71"),
]

KEPT = [
    "Ticket #12345 about R$ 1.500,00 and USD 1,500.00",
    "Ticket #4820183 reopened on 2026-01-15 at 14:30",
    "Jira PAY-1234 linked; 3 transactions of 250.00 each",
    "Withdrawal of 12,345,678.90 BRL pending since 06/01/2026",
    "Order 98765 shipped; version 2.14.1",
]


@pytest.mark.parametrize(("text", "gone", "kept"), MASKED)
def test_masks_pii(text: str, gone: str, kept: str) -> None:
    out = mask(text)
    assert gone not in out, out
    assert kept in out, out
    assert "•" in out or "***" in out


@pytest.mark.parametrize("text", KEPT)
def test_leaves_tickets_amounts_and_dates_alone(text: str) -> None:
    assert mask(text) == text


def test_non_luhn_long_number_is_not_a_card() -> None:
    assert mask("ref 4111111111111112") == "ref 4111111111111112"


def test_sentence_with_everything() -> None:
    text = (
        "Cliente João (joao.pereira@gmail.com, CPF 529.982.247-25, tel +55 11 91234-5678) "
        "pagou 1.500,00 com o cartão 4111 1111 1111 1111 no ticket #48213."
    )
    out = mask(text)
    assert not re.search(r"\d{3}\.\d{3}\.\d{3}", out)
    assert "joao.pereira" not in out and "91234" not in out and "4111 1111" not in out
    assert "#48213" in out and "1.500,00" in out and "1111 no ticket" in out


def test_mask_is_idempotent() -> None:
    once = mask("card 4111 1111 1111 1111, cpf 52998224725, x@y.com")
    assert mask(once) == once


def test_mask_deep_keeps_ids() -> None:
    blocks = [
        {
            "type": "actions",
            "block_id": "esc_actions:12345678901",
            "elements": [
                {
                    "type": "button",
                    "action_id": "esc_claim",
                    "value": "52998224725",
                    "text": {"type": "plain_text", "text": "CPF 52998224725"},
                }
            ],
        }
    ]
    out = mask_deep(blocks)
    assert out[0]["block_id"] == "esc_actions:12345678901"
    assert out[0]["elements"][0]["value"] == "52998224725"
    assert "52998224725" not in out[0]["elements"][0]["text"]["text"]


def test_luhn() -> None:
    assert luhn_ok("4111111111111111") and not luhn_ok("4111111111111112")
