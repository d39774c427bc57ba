"""PII masking on real-looking samples, alone and inside sentences in the desk's languages."""

from __future__ import annotations

import re
import time

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

# The same kinds of PII as customers and agents type them, inside sentences in the desk's five
# languages: (input, must not survive, must survive).
MASKED += [
    # cards: any separator, any grouping that passes Luhn, 4-4-4-4 even when it does not
    ("cartão 4111.1111.1111.1111 recusado ontem", "4111.1111", "1111 recusado"),
    ("mi tarjeta 4111-1111-1111-1111 fue rechazada", "4111-1111", "-1111 fue"),
    ("карта Мир 2200 1234 5678 9019 заблокирована", "2200 1234", "9019"),
    ("карта 2200123456789019 заблокирована", "2200123456", "9019"),
    ("银行卡 6222 0212 3456 7890 128 被冻结", "6222 0212", "128"),
    ("我的卡号是6222021234567890128，请查一下", "622202123456", "0128"),
    ("Amex 3782-822463-10005 was charged twice", "3782-822463", "0005"),
    ("card ending 5500005555555559.", "550000555555", "5559."),
    ("typo in card 1234 5678 9012 3456, please check", "1234 5678", "3456"),
    ("UzCard 8600 1234 5678 9012 не проходит", "8600 1234", "9012"),
    ("paid 100 with 4111 1111 1111 1111", "4111 1111", "1111"),
    ("*4111 1111 1111 1111* and _5500 0055 5555 5559_", "4111 1111", "5559_"),
    ("卡号４１１１１１１１１１１１１１１１", "４１１１１１", "1111"),
    # IBANs, any country, spaced or not
    ("IBAN DE89 3704 0044 0532 0130 00 para o reembolso", "3704 0044", "DE"),
    ("mi IBAN es ES9121000418450200051332, gracias", "21000418450200", "1332,"),
    ("refund to GB82WEST12345698765432 please", "WEST123456", "5432 please"),
    ("IBAN BR18 0036 0305 0000 1000 9795 493C 1 do cliente", "0036 0305", "do cliente"),
    ("счёт FR14 2004 1010 0505 0001 3M02 606 во Франции", "2004 1010", "во Франции"),
    ("iban de89370400440532013000", "370400440532", "3000"),
    # CPF and CNPJ with or without punctuation or spaces
    ("CPF 529 982 247 25 do titular", "529 982 247", "25 do"),
    ("CPF: 529982247-25", "529982247", "-25"),
    ("CNPJ 11 222 333 0001 81 da loja", "11 222 333", "81 da"),
    ("CNPJ 11222333/0001-81", "11222333", "-81"),
    ("CNPJ novo 12.ABC.345/01DE-35", "12.ABC.345", "-35"),
    # Chinese resident id, Russian INN and passport
    ("身份证 110105 19491231 002X", "110105 1949", "02X"),
    ("身份证号码：11010519491231002x，谢谢", "11010519491231", "02x"),
    ("身份证号11010519491231002X已上传", "11010519491231", "02X已"),
    ("ИНН: 7707083893, КПП 773601001", "7707083893", "93,"),
    ("ИНН7707083893", "77070838", "93"),
    ("паспорт 45 08 123456 выдан", "123456", "56 выдан"),
    ("серия и номер паспорта: 4508 123456", "123456", "56"),
    ("данные 4508 123456 выдан ОВД", "4508 1234", "56 выдан"),
    # passports and documents where labelled
    ("passport no. 533380006, expires 2030", "533380006", "06,"),
    ("passaporte nº FZ123456 vencido", "FZ123456", "56 vencido"),
    ("mi pasaporte es XDC123456", "XDC123456", "56"),
    ("护照号码：E12345678，已过期", "E12345678", "78，"),
    ("загранпаспорт 75 1234567 до 2031", "1234567", "67 до"),
    ("RG 12.345.678-9 e CPF depois", "12.345.678", "-9 e"),
    # Spanish and Mexican documents, with their check characters
    ("DNI 12345678Z del titular", "12345678Z", "78"),
    ("mi NIE es X1234567L", "X1234567L", "67"),
    ("CURP BOXW310820HNERXN09 registrada", "BOXW310820HNERXN", "09 registrada"),
    # phones, national and international
    ("ligue no (11) 98765-4321 amanhã", "98765-4321", "21 amanhã"),
    ("meu celular é 11 98765-4321", "98765-4321", "21"),
    ("WhatsApp +55 (11) 98765-4321", "98765-4321", "21"),
    ("звоните 8 (495) 123-45-67 после обеда", "123-45", "67 после"),
    ("мой номер +7 916 123-45-67", "916 123", "67"),
    ("мобильный 89161234567", "89161234567", "67"),
    ("手机 138 0013 8000，随时联系", "138 0013", "00，"),
    ("我的手机号是13800138000", "13800138000", "00"),
    ("北京电话 010-6552-1234", "6552-1234", "34"),
    ("call me at (415) 555-2671 after 5pm", "555-2671", "71 after"),
    ("US office 415-555-2671", "415-555", "71"),
    ("llámame al 612 34 56 78 por la tarde", "612 34 56", "78 por"),
    ("móvil +34 612 345 678", "612 345", "78"),
    ("mi celular 55 1234 5678 en CDMX", "1234 5678", "78 en"),
    ("WhatsApp +52 55 1234 5678", "1234 5678", "78"),
    ("UK +44 20 7946 0958", "7946 0958", "58"),
    # e-mail addresses
    ("escreva para ana_souza@empresa.com.br hoje", "ana_souza", "@e***.com.br"),
    ("邮箱joao@gmail.com，谢谢", "joao@gmail.com", "邮箱j***@g***.com"),
]

KEPT = [
    "Ticket #12345 about R$ 1.500,00 and USD 1,500.00",
    "Ticket #4820183 reopened on 2026-01-15 at 14:30",
    "Jira PAY-1234 linked; 3 transactions of 250.00 each",
    "Withdrawal of 12,345,678.90 BRL pending since 06/01/2026",
    "Order 98765 shipped; version 2.14.1",
]

# References analysts need, amounts, dates and times, in the desk's five languages: untouched.
KEPT += [
    # transaction and provider references
    "Referência TX-8F3K29Q1 do saque de R$ 1.234,56",
    "Pix E12345678202611161234abcdefghijk concluído às 14:30",
    "request id 123e4567-e89b-12d3-a456-426614174000 failed",
    "Stripe pi_3MtwBwLkdIwHu7ix28a3tqPa, ch_1PgafuB7WZ01zgkWXYmPNZs8, txn_1PgaxNB7WZ01zgkWEV3TLf40",
    "Adyen PSP 8835511210681300 and 7914073381342284, original 9913333333333333",
    "Adyen pspReference ZVWN7D3WSMK2WN82 refused",
    "订单号 TX-5K9P00AA，金额 ¥1,234.56",
    "Номер операции TX-7Q2M11ZZ от 15.01.2026 14:30",
    "Referencia de retiro TX-4J8N20KD del 15/01/2026",
    "boleto 23793.38128 60000.000003 00000.000400 1 84340000010000 vence amanhã",
    "conta de luz 83640000001-1 33120138000-2 81288462711-6 08013618155-1",
    "ISPB 00360305, agência 0001",
    # amounts
    "Saque de R$ 1.234,56 (taxa R$ 3,50) em 15/01/2026",
    "Retiro de $ 1,234.56 MXN y € 1.234,56",
    "Перевод на 1 234 567,89 ₽ и 12 345 678 руб.",
    "提现 ¥12,345.00 于 2026年1月15日 14:30",
    "Large payout R$ 1.234.567.890,00, USD 1,234,567,890.00 and 12345678.90 EUR",
    # dates and times
    "SLA 2026-01-15 18:30 (America/Sao_Paulo), 2026-01-15T14:30:00Z",
    "Jan 15, 2026 2:30 PM; 15.01.2026 в 14:30; 15/01/2026 às 09:05",
    "created 1731752400123 ms",
    # tickets and links
    "tickets #48190, #48201 and #48213 merged",
    "o passaporte venceu, documentos no ticket #48213 e 48214",
    "https://acme.zendesk.com/agent/tickets/48213 assigned to <@U05ANA0001>",
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


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("4111 1111 1111 1111", "•••• •••• •••• 1111"),
        ("4111-1111-1111-1111", "••••-••••-••••-1111"),
        ("CPF 529.982.247-25", "CPF •••.•••.•••-25"),
        ("(11) 98765-4321", "(••) •••••-••21"),
        ("+55 11 91234-5678", "+•• •• •••••-••78"),
        ("IBAN DE89 3704 0044 0532 0130 00", "IBAN DE•• •••• •••• •••• ••30 00"),
        ("joao.pereira@gmail.com", "j***@g***.com"),
    ],
)
def test_mask_keeps_shape_and_last_digits(text: str, expected: str) -> None:
    assert mask(text) == expected


def test_sixteen_digits_ungrouped_are_a_card_only_in_card_ranges() -> None:
    # Both pass Luhn: a Visa number is masked, an Adyen PSP reference (8…) stays readable.
    assert luhn_ok("8835511210681300") and luhn_ok("4111111111111111")
    assert mask("psp 8835511210681300") == "psp 8835511210681300"
    assert mask("card 4111111111111111") == "card ••••••••••••1111"
    # Written 4-4-4-4 it is how a person writes a card, so it is masked whatever its digits.
    assert mask("8835 5112 1068 1300") == "•••• •••• •••• 1300"


def test_every_sample_is_stable_once_masked() -> None:
    for text in [t for t, _, _ in MASKED] + KEPT:
        once = mask(text)
        assert mask(once) == once, text


def test_long_runs_of_digits_stay_fast() -> None:
    # A pasted table of numbers must not turn masking quadratic.
    text = "1 " * 5000 + "12-34-" * 2000 + "4111 1111 1111 1111 " * 300
    start = time.perf_counter()
    mask(text)
    assert time.perf_counter() - start < 5
