"""Which language a reply draft is written in (SPEC §9).

The ``lang_`` tag; else the customer's own words (the description, or the subject when there is
none, read as intake reads them) when the detector is confident; else the requester's Zendesk
locale, normalised to one of Baton's catalogs; else English. Amounts and dates follow the
requester's locale whenever it is of the reply's language (``i18n.format_locale``), whatever
chose it. Notes are analyst-facing message ids (``N_``) for the preview; render them with
``LanguageChoice.note_text``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from bot.domain import LANGUAGES
from bot.errors import N_
from bot.i18n import Gettext
from bot.language import detect_ticket

Source = Literal["tag", "text", "locale", "default"]

# Baton language code → the catalog locale its drafts are written from.
CATALOG: dict[str, str] = {"en": "en", "pt": "pt_BR", "es": "es", "zh": "zh_Hans", "ru": "ru"}

_TRADITIONAL = ("zh-tw", "zh-hk", "zh-mo", "zh-hant")


@dataclass(frozen=True)
class LanguageChoice:
    language: str  # one of bot.domain.LANGUAGES
    source: Source
    note: str | None = None  # an N_ message id with a {locale} placeholder, or None
    locale: str | None = None  # the requester locale the note is about

    @property
    def catalog(self) -> str:
        """The catalog locale of the chosen language ("pt_BR", "zh_Hans", …)."""
        return CATALOG[self.language]

    def note_text(self, _: Gettext) -> str | None:
        """The note translated with ``_`` for the analyst, or None."""
        return None if self.note is None else _(self.note).format(locale=self.locale or "")


def language_code(value: str | None) -> str | None:
    """A Baton language from a tag ("lang_pt", "lang_zh_cn"), a code or a locale ("pt-BR")."""
    if not value:
        return None
    value = value.strip().lower()
    if value.startswith("lang_"):
        value = value[len("lang_") :]
    code = value.replace("-", "_").split("_")[0]
    return code if code in LANGUAGES else None


def from_requester_locale(locale: str) -> LanguageChoice:
    """The catalog for a Zendesk locale, with a note when it is not an exact fit."""
    tag = locale.strip().replace("_", "-").lower()
    code = language_code(tag)
    if code is None:
        return LanguageChoice(
            "en",
            "locale",
            N_(
                "The requester's locale {locale} has no reply templates, so the draft is in "
                "English."
            ),
            locale,
        )
    if code == "zh" and tag.startswith(_TRADITIONAL):
        return LanguageChoice(
            "zh",
            "locale",
            N_(
                "The requester's locale {locale} is Traditional Chinese; the draft is in "
                "Simplified Chinese."
            ),
            locale,
        )
    if code == "pt" and tag.startswith("pt-pt"):
        return LanguageChoice(
            "pt",
            "locale",
            N_(
                "The requester's locale {locale} is European Portuguese; the draft is in Brazilian "
                "Portuguese."
            ),
            locale,
        )
    return LanguageChoice(code, "locale")


def _with_locale_note(choice: LanguageChoice, requester_locale: str | None) -> LanguageChoice:
    """A choice made from the tag or the words, with the locale's note when it is of the same
    language (a zh-TW customer writing Chinese still reads that the draft is Simplified)."""
    if not requester_locale:
        return choice
    by_locale = from_requester_locale(requester_locale)
    if by_locale.language != choice.language or by_locale.note is None:
        return choice
    return LanguageChoice(choice.language, choice.source, by_locale.note, by_locale.locale)


def choose(
    esc_language: str | None,
    ticket_text: str,
    requester_locale: str | None,
    lang_tag: str | None,
    *,
    subject: str = "",
) -> LanguageChoice:
    """Pick the draft's language: tag, then the customer's words, then the locale, then English."""
    if code := language_code(lang_tag):
        return _with_locale_note(LanguageChoice(code, "tag"), requester_locale)
    detected = (
        detect_ticket(subject=subject, description=ticket_text)
        if ticket_text.strip() or subject.strip()
        else None
    )
    if detected is not None and detected.language is not None:
        return _with_locale_note(LanguageChoice(detected.language, "text"), requester_locale)
    # Intake chose esc.language from the tag, the words or the locale; when it is not the locale's
    # language it came from the tag or the words (the ticket text may have been edited since).
    locale_code = language_code(requester_locale)
    if esc_language in LANGUAGES and esc_language != locale_code and detected is None:
        return LanguageChoice(esc_language, "text")
    if requester_locale:
        return from_requester_locale(requester_locale)
    return LanguageChoice("en", "default")
