"""Benchmark: masking throughput on alert-sized texts, the way every Slack message is masked.

Generates N distinct routing alerts (about 1.2 KB each: subject, the customer's words in
Portuguese, Spanish, Russian and Chinese, transaction references, and valid-looking cards,
CPFs, INNs, IBANs, documents and phones that differ from one alert to the next, so no cache
helps more than it would in production), then prints messages per second for:

- each alert's text, masked once (the figure to quote);
- each alert's text and then its Block Kit blocks, as bot/slack_messages/alerts.py masks both;
- a text of references only, with nothing to mask.

    python bench/masking.py --alerts 1000
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from stdnum import iban, luhn
from stdnum.br import cpf
from stdnum.cn import ric
from stdnum.es import dni
from stdnum.ru import inn

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.masking import mask, mask_deep  # noqa: E402

ALERT = """\
*Escalonamento #{ticket}* · saque · VIP · SLA 2026-01-{day} 18:30 (America/Sao_Paulo)
Assunto: Saque não chegou, cartão {card}, CPF {cpf}
Cliente: João Pereira <joao.pereira{ticket}@gmail.com>, tel (11) {br_phone}
Olá, fiz um saque de R$ 1.234,56 no dia {day}/01/2026 às 14:30 e até agora nada. O Pix
E12345678202601{day}1234abcdefghijk aparece como concluído no app, mas o dinheiro não caiu na
conta. Já abri o ticket #{ticket_before} antes. Referência TX-8F3K29Q1, PSP {psp},
pagamento pi_3MtwBwLkdIwHu7ix28a3tqPa, id 123e4567-e89b-12d3-a456-426614174000.
Hola, mi DNI es {dni} y mi IBAN {iban}; el retiro de 250,00 EUR
del {day}/01/2026 sigue pendiente. Llámame al +34 {es_phone} por favor.
Здравствуйте, перевод на 12 345,00 ₽ не пришёл. ИНН {inn}, паспорт {passport},
телефон 8 (495) {ru_phone}. Номер операции TX-7Q2M11ZZ от {day}.01.2026.
您好，我的提现还没到账，手机 138 {cn_phone}，身份证号 {cn_id}，订单号 TX-5K9P00AA。
Agent note: customer verified, chargeback risk low; see PAY-1234 and version 2.14.1 of the app.
"""

REFERENCES = """\
Escalation #48213 routed to Ana (continuity, pt). Withdrawal TX-8F3K29Q1 of R$ 1.234,56 on
2026-01-15 14:30; Pix E12345678202611161234abcdefghijk; Adyen 8835511210681300 and
7914073381342284; Stripe pi_3MtwBwLkdIwHu7ix28a3tqPa, ch_1PgafuB7WZ01zgkWXYmPNZs8;
request 123e4567-e89b-12d3-a456-426614174000; Jira PAY-1234; tickets #48190, #48201, #48213.
"""


def _digits(rng: random.Random, n: int) -> str:
    return "".join(rng.choice("0123456789") for _ in range(n))


def _alert(rng: random.Random, i: int) -> str:
    """One alert whose PII and references are new (valid check digits where there are any)."""
    card = "4" + _digits(rng, 14)
    card += luhn.calc_check_digit(card)
    cpf_front = _digits(rng, 9)
    cpf_digits = next(c for k in range(100) if cpf.is_valid(c := f"{cpf_front}{k:02d}"))
    bban = "37040044" + _digits(rng, 10)
    de_iban = iban.format("DE" + iban.calc_check_digits("DE00" + bban) + bban)
    dni_digits = _digits(rng, 8)
    inn_digits = _digits(rng, 10)
    cn_front = "110105" + f"19{rng.randint(50, 99)}0{rng.randint(1, 9)}1{rng.randint(0, 9)}"
    cn_front += _digits(rng, 3)
    day = f"{rng.randint(10, 28)}"
    return ALERT.format(
        ticket=48213 + i,
        ticket_before=48000 + i,
        day=day,
        card=" ".join(card[k : k + 4] for k in range(0, 16, 4)),
        cpf=cpf.format(cpf_digits),
        br_phone=f"9{_digits(rng, 4)}-{_digits(rng, 4)}",
        psp="88" + _digits(rng, 14),
        dni=dni_digits + dni.calc_check_digit(dni_digits),
        iban=de_iban,
        es_phone=f"6{_digits(rng, 2)} {_digits(rng, 2)} {_digits(rng, 2)} {_digits(rng, 2)}",
        inn=inn_digits + inn.calc_personal_check_digits(inn_digits),
        passport=f"45{rng.randint(0, 25):02d} {_digits(rng, 6)}",
        ru_phone=f"{_digits(rng, 3)}-{_digits(rng, 2)}-{_digits(rng, 2)}",
        cn_phone=f"{_digits(rng, 4)} {_digits(rng, 4)}",
        cn_id=cn_front + ric.calc_check_digit(cn_front + "0"),
    )


def _blocks(text: str) -> list[dict[str, Any]]:
    """The alert as Block Kit blocks: one section per line, plus buttons."""
    sections: list[dict[str, Any]] = [
        {"type": "section", "text": {"type": "mrkdwn", "text": line}} for line in text.splitlines()
    ]
    elements = [
        {
            "type": "button",
            "action_id": a,
            "value": "48213",
            "text": {"type": "plain_text", "text": a},
        }
        for a in ("esc_claim", "esc_reassign", "esc_resolve")
    ]
    return [*sections, {"type": "actions", "block_id": "esc_actions", "elements": elements}]


def _rate(calls: list[Callable[[], object]]) -> float:
    """Make every call once and return calls per second."""
    start = time.perf_counter()
    for call in calls:
        call()
    return len(calls) / (time.perf_counter() - start)


def main() -> None:
    """Print messages per second for each kind of text."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--alerts", type=int, default=1000, help="distinct alerts to mask")
    args = parser.parse_args()
    n = min(max(args.alerts, 10), 20_000)
    rng = random.Random(8)
    mask(_alert(rng, -1))  # warm up: phonenumbers loads each region's metadata on first use
    first = [_alert(rng, i) for i in range(n)]
    second = [_alert(rng, n + i) for i in range(n)]
    size = sum(len(a.encode()) for a in first) // n
    cases = [
        ("alert text", [lambda a=a: mask(a) for a in first]),
        ("alert text + blocks", [lambda a=a: (mask(a), mask_deep(_blocks(a))) for a in second]),
        ("references, no PII", [lambda: mask(REFERENCES)] * n),
    ]
    print(f"{n} distinct alerts of about {size} bytes; each message masked once, in order")
    for name, calls in cases:
        rate = _rate(calls)
        print(f"{name:<20} {rate:>8.0f} messages/s  {1000 / rate:6.2f} ms each")


if __name__ == "__main__":
    main()
