"""Every catalog complete, placeholders identical to the source, plural forms right."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from bot import i18n

LOCALES = Path(__file__).resolve().parent.parent / "locales"
PLACEHOLDER = re.compile(r"\{[a-z_]*\}")
NPLURALS = {"en": 2, "pt_BR": 2, "es": 2, "zh_Hans": 1, "ru": 3}


def _template_ids() -> set[str]:
    with (LOCALES / "messages.pot").open("rb") as fh:
        return {m.id if isinstance(m.id, str) else m.id[0] for m in read_po(fh) if m.id}


@pytest.mark.parametrize("locale", i18n.LOCALES)
def test_catalog_complete_with_same_placeholders(locale: str) -> None:
    with (LOCALES / locale / "LC_MESSAGES" / "messages.po").open("rb") as fh:
        catalog = read_po(fh, locale=locale)
    assert catalog.num_plurals == NPLURALS[locale]
    seen = set()
    problems = []
    for m in catalog:
        if not m.id:
            continue
        ids = (m.id,) if isinstance(m.id, str) else m.id
        strs = (m.string,) if isinstance(m.string, str) else m.string
        seen.add(ids[0])
        if m.fuzzy:
            problems.append(f"fuzzy: {ids[0]!r}")
        if isinstance(m.id, tuple) and len(strs) != catalog.num_plurals:
            problems.append(f"{len(strs)} plural forms for {ids[0]!r}")
        expected = sorted(PLACEHOLDER.findall(ids[0]))
        for s in strs:
            if not s:
                problems.append(f"untranslated: {ids[0]!r}")
            elif sorted(PLACEHOLDER.findall(s)) != expected:
                problems.append(f"placeholders differ: {ids[0]!r} -> {s!r}")
    missing = _template_ids() - seen
    assert not missing, f"not in {locale}: {sorted(missing)} (run pybabel update)"
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize(
    ("slack_locale", "expected"),
    [
        ("pt-BR", "pt_BR"),
        ("es-ES", "es"),
        ("es-LA", "es"),
        ("zh-CN", "zh_Hans"),
        ("ru-RU", "ru"),
        ("en-GB", "en"),
        ("ja-JP", "en"),
        (None, "en"),
    ],
)
def test_slack_locales_map_to_catalogs(slack_locale: str | None, expected: str) -> None:
    assert i18n.normalize(slack_locale) == expected


def test_russian_plurals() -> None:
    n_ = i18n.ngettext("ru-RU")
    forms = [
        n_("{count} open escalation", "{count} open escalations", n).format(count=n)
        for n in (1, 3, 5, 11, 21, 22)
    ]
    assert forms == [
        "1 открытая эскалация",
        "3 открытые эскалации",
        "5 открытых эскалаций",
        "11 открытых эскалаций",
        "21 открытая эскалация",
        "22 открытые эскалации",
    ]


def test_translations_are_per_locale_not_global() -> None:
    pt, es = i18n.translator("pt-BR"), i18n.translator("es")
    assert (pt("Claim"), es("Claim"), i18n.translator("en")("Claim")) == (
        "Assumir",
        "Tomar",
        "Claim",
    )
    assert i18n.translations("pt-BR") is i18n.translations("pt_BR")  # cached


def test_dates_formatted_in_zone_and_locale() -> None:
    at = datetime(2026, 1, 6, 17, 30, tzinfo=UTC)
    # The locale's short form, then the zone as an offset: one format for every time in Slack.
    assert i18n.format_datetime(at, locale="pt-BR", tz="America/Sao_Paulo") == (
        "06/01/2026 14:30 UTC-3"
    )
    assert i18n.format_time(at, locale="en", tz="Asia/Kolkata") == "11:00\u202fPM UTC+5:30"
    assert i18n.format_time(at, locale="ru", tz="UTC") == "17:30 UTC"
    assert "1/7" in i18n.format_datetime(at, locale="zh-CN", tz="Asia/Shanghai")
