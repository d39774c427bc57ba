"""Analyst-facing translations: one cached catalog per locale, and babel formatting helpers.

Catalogs are the ``.po`` files under ``locales/``. A built package carries them compiled to
``.mo`` (bot/resources.py says where); a source checkout compiles a ``.po`` in memory on first
use (or reads a ``.mo`` that ``pybabel compile`` left, unless the ``.po`` is newer), so there
is no build step while developing. A missing catalog is an error, never English in its place:
``require_catalogs()`` is what the commands that draft call at start. Never
``gettext.install()``: every user has their own language, so the gettext callable is looked up
per user and passed down.
"""

from __future__ import annotations

import io
import struct
import threading
from collections.abc import Callable
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from zoneinfo import ZoneInfo

from babel import Locale, UnknownLocaleError
from babel.dates import format_datetime as _babel_datetime
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import NullTranslations, Translations

from bot import resources
from bot.errors import ConfigError

LOCALES: tuple[str, ...] = ("en", "pt_BR", "es", "zh_Hans", "ru")
DEFAULT_LOCALE = "en"

Gettext = Callable[[str], str]

_lock = threading.Lock()
_cache: dict[str, NullTranslations] = {}


def normalize(locale: str | None) -> str:
    """Map a Slack / Zendesk / roster locale ("pt-BR", "es-LA", "zh-CN") to a catalog locale."""
    if not locale:
        return DEFAULT_LOCALE
    tag = locale.replace("_", "-").lower()
    lang = tag.split("-", 1)[0]
    if lang == "pt":
        return "pt_BR"
    if lang == "zh":
        return "zh_Hans"
    if lang in ("es", "ru", "en"):
        return lang
    return DEFAULT_LOCALE


def translations(locale: str | None) -> NullTranslations:
    """Return the cached catalog for a locale (ConfigError when it is missing)."""
    key = normalize(locale)
    with _lock:
        found = _cache.get(key)
        if found is None:
            found = _cache[key] = _load(key)
        return found


def _load(locale: str) -> NullTranslations:
    folder = resources.locales_dir() / locale / "LC_MESSAGES"
    mo, po = folder / "messages.mo", folder / "messages.po"
    source = resources.source_checkout()
    try:
        if mo.is_file() and not (source and po.is_file() and _newer(po, mo)):
            with mo.open("rb") as fh:
                return Translations(fp=fh, domain="messages")
        if source and po.is_file():
            with po.open("rb") as fh:
                catalog = read_po(fh, locale=locale)
            buf = io.BytesIO()
            write_mo(buf, catalog)
            buf.seek(0)
            return Translations(fp=buf, domain="messages")
    except (OSError, ValueError, struct.error) as err:  # unreadable, or not a catalog
        raise ConfigError(f"translation catalog {mo if mo.is_file() else po}: {err}") from err
    if source:
        raise ConfigError(
            f"translation catalog missing: {po} ({locale}); restore it from git "
            "(git checkout -- locales) rather than write English in its place"
        )
    raise ConfigError(
        f"translation catalog missing: {mo} ({locale}); reinstall Baton from a build of the "
        "repository (pip install . or its wheel), which compiles every catalog"
    )


def _newer(a: Path, b: Path) -> bool:
    return a.stat().st_mtime > b.stat().st_mtime


def require_catalogs() -> None:
    """Load every locale's catalog now: ConfigError naming the first one that is missing."""
    for locale in LOCALES:
        translations(locale)


def translator(locale: str | None) -> Gettext:
    """Return the gettext callable for a locale."""
    return translations(locale).gettext


def ngettext(locale: str | None) -> Callable[[str, str, int], str]:
    """Return the plural-aware gettext callable for a locale."""
    return translations(locale).ngettext


def babel_locale(locale: str | None) -> str:
    """Return the babel locale identifier for formatting ("pt_BR", "zh_Hans_CN", …)."""
    key = normalize(locale)
    return "zh_Hans_CN" if key == "zh_Hans" else key


# A reply language → the babel locale its amounts and dates follow when the customer's own locale
# names no territory of that language. Baton's Spanish-writing customers pay by SPEI, OXXO and
# Latin American cards, so plain Spanish is Latin American Spanish (es_419: 2,000.00), not
# Spain's (2.000,00); a customer whose locale says es-ES still gets Spain's formats.
DEFAULT_FORMATS: dict[str, str] = {
    "en": "en_US",
    "pt": "pt_BR",
    "es": "es_419",
    "zh": "zh_Hans_CN",
    "ru": "ru_RU",
}


@lru_cache(maxsize=256)
def format_locale(language: str, requester_locale: str | None) -> str:
    """The babel locale a reply in ``language`` formats with: the customer's own locale when it
    is in that language and names a territory (es-MX, es-AR, pt-PT, en-GB, zh-TW), else the
    language's default (``DEFAULT_FORMATS``)."""
    default = DEFAULT_FORMATS.get(language, DEFAULT_FORMATS["en"])
    tag = (requester_locale or "").strip().replace("-", "_")
    if not tag:
        return default
    try:
        parsed = Locale.parse(tag)
    except (ValueError, TypeError, UnknownLocaleError):  # "es-LA", "xx", garbage
        return default
    if parsed.language != language or not (parsed.territory or parsed.script):
        return default
    # Without a variant (en_US_POSIX writes 1234.5): the territory's everyday formats.
    return str(Locale(parsed.language, parsed.territory, parsed.script))


@lru_cache(maxsize=64)
def _zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def zone_label(value: datetime, zone: ZoneInfo) -> str:
    """The zone as its offset at ``value``: ``UTC-3``, ``UTC+5:30``, ``UTC``.

    An offset reads the same in every language, where abbreviations do not (babel has "BRT"
    for Portuguese but "-0300" for English, and tzdata no abbreviation for São Paulo at all).
    """
    offset = value.astimezone(zone).utcoffset()
    minutes = round(offset.total_seconds() / 60) if offset is not None else 0
    if not minutes:
        return "UTC"
    sign = "+" if minutes > 0 else "-"
    hours, rest = divmod(abs(minutes), 60)
    return f"UTC{sign}{hours}" + (f":{rest:02d}" if rest else "")


def format_datetime(
    value: datetime, *, locale: str | None, tz: str | ZoneInfo = "UTC", fmt: str = "short"
) -> str:
    """Format an aware datetime for a locale, in a time zone, with the zone: every time Slack
    shows reads ``06/01/2026 14:30 UTC-3`` (the locale's own short form, then the offset)."""
    zone = _zone(tz) if isinstance(tz, str) else tz
    shown = _babel_datetime(value, fmt, tzinfo=zone, locale=babel_locale(locale))
    return f"{shown} {zone_label(value, zone)}"


def format_time(value: datetime, *, locale: str | None, tz: str | ZoneInfo = "UTC") -> str:
    """Format the time of day of an aware datetime for a locale, in a time zone, with the zone
    (``2:30 PM UTC-3``)."""
    from babel.dates import format_time as _babel_time

    zone = _zone(tz) if isinstance(tz, str) else tz
    shown = _babel_time(value.astimezone(zone), "short", locale=babel_locale(locale))
    return f"{shown} {zone_label(value, zone)}"
