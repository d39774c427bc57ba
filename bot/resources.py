"""Where Baton's own files are: translation catalogs, migrations and the demo's sample files.

The repository keeps ``locales/`` and ``examples/`` at its root (next to ``bot/``); a built
package (``pip install .``, a wheel) carries them inside as ``bot/data/`` (``setup.py`` copies
them there and compiles every catalog to ``.mo``). Both are found through
``importlib.resources``, so every user asks here rather than walking up from ``__file__``.
"""

from __future__ import annotations

from functools import cache
from importlib.resources import files
from pathlib import Path

from bot.errors import ConfigError

# The files `baton demo` reads, relative to examples/; setup.py ships the same list.
EXAMPLES: tuple[str, ...] = (
    "roster.toml",
    "config.toml",
    "escalations.jsonl",
    "backoffice/transactions.csv",
)
# What the default roster is when BATON_ROSTER is unset, tried in the current folder first.
LOCAL_ROSTER = Path("examples") / "roster.toml"


@cache
def _package() -> Path:
    root = files("bot")
    if not isinstance(root, Path):  # a zip import: alembic and the roster need real files
        raise ConfigError(f"Baton is installed as {root}, not as files: install it with pip")
    return root


@cache
def source_checkout() -> bool:
    """Whether Baton runs from the repository (an editable install) rather than a build."""
    package = _package()
    return not (package / "data").is_dir() and (package.parent / "pyproject.toml").is_file()


def _data() -> Path:
    package = _package()
    return package.parent if source_checkout() else package / "data"


def locales_dir() -> Path:
    """The folder of catalogs: ``<locale>/LC_MESSAGES/messages.po`` (and ``.mo`` once built)."""
    return _data() / "locales"


def example(name: str) -> Path:
    """One of the sample files under examples/ (``"roster.toml"``, ``"backoffice/…"``)."""
    return _data() / "examples" / name


def default_roster() -> Path:
    """The roster when BATON_ROSTER is unset: ./examples/roster.toml, else the sample one."""
    return LOCAL_ROSTER if LOCAL_ROSTER.is_file() else example("roster.toml")


def migrations_dir() -> Path:
    """Alembic's script folder (env.py, script.py.mako, versions/), inside the package."""
    return _package() / "store" / "migrations"
