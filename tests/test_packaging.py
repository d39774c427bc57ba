"""A built Baton works like the source checkout: catalogs, migrations and samples ship inside.

The wheel is built once for the module from a copy of the repository (so the checkout gets no
build/ folder), offline when the environment has a setuptools that builds wheels by itself (the
dev extras), else with pip's build isolation. The built package is then run from a folder that
has nothing of Baton's in it, the way `pip install .` followed by `baton demo` runs it.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import zipfile
from importlib.metadata import version
from pathlib import Path

import pytest
from click.testing import CliRunner

from bot import i18n, resources
from bot.cli.main import main
from bot.config import load_settings
from bot.store.db import head_revision

ROOT = Path(__file__).resolve().parent.parent
SOURCES = ("pyproject.toml", "setup.py", "MANIFEST.in", "README.md")
PACKAGES = ("bot", "integrations", "handlers", "locales", "examples")
PT_MSGID, PT_MSGSTR = "*On shift now*", "*De plantão agora*"


def _offline_build() -> bool:
    major, minor, *_ = (int(p) for p in version("setuptools").split(".")[:2])
    return (major, minor) >= (70, 1)  # bdist_wheel without the separate wheel package


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    work = tmp_path_factory.mktemp("build")
    src = work / "src"
    src.mkdir()
    for name in SOURCES:
        shutil.copy(ROOT / name, src / name)
    skip = shutil.ignore_patterns("__pycache__", "*.pyc", "*.mo", "data")
    for name in PACKAGES:
        shutil.copytree(ROOT / name, src / name, ignore=skip)
    isolation = ["--no-build-isolation"] if _offline_build() else []
    built = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", *isolation, "-w", str(work), "."],
        cwd=src,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert built.returncode == 0, built.stdout + built.stderr
    (found,) = work.glob("baton-*.whl")
    return found


@pytest.fixture
def installed(wheel: Path, tmp_path: Path) -> Path:
    """The wheel's files unpacked as site-packages would hold them."""
    site = tmp_path / "site"
    with zipfile.ZipFile(wheel) as z:
        z.extractall(site)
    return site


# Were the catalog check missing, serve would serve: a roster that is not there stops it first.
NO_ROSTER = {"BATON_ROSTER": "no-such-roster.toml"}


def run_installed(
    site: Path, *args: str, cwd: Path, **extra: str
) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("BATON_", "SLACK_", "ZEND"))}
    env["PYTHONPATH"] = str(site)  # before the editable install's finder, so this copy runs
    env["DATABASE_URL"] = f"sqlite:///{cwd / 'baton.db'}"
    env.update(extra)
    return subprocess.run(
        [sys.executable, *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=120
    )


def test_the_wheel_carries_compiled_catalogs_migrations_and_the_demo_files(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    for locale in i18n.LOCALES:
        for ext in ("po", "mo"):
            assert f"bot/data/locales/{locale}/LC_MESSAGES/messages.{ext}" in names
    for example in resources.EXAMPLES:
        assert f"bot/data/examples/{example}" in names
    migrations = ROOT / "bot" / "store" / "migrations"
    versions = sorted((migrations / "versions").glob("*.py"))
    for path in [migrations / "env.py", migrations / "script.py.mako", *versions]:
        assert f"bot/store/migrations/{path.relative_to(migrations).as_posix()}" in names
    assert not any(n.endswith("make_transactions.py") for n in names)
    # The dashboard's templates and static files ship inside handlers/dashboard.
    dashboard = ROOT / "handlers" / "dashboard"
    for path in [*dashboard.glob("templates/*.html"), *dashboard.glob("static/*")]:
        assert f"handlers/dashboard/{path.relative_to(dashboard).as_posix()}" in names


def test_the_installed_package_finds_its_files_from_another_folder(
    installed: Path, tmp_path: Path
) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    probe = (
        "from bot import i18n, resources; i18n.require_catalogs(); "
        "print(resources.source_checkout(), resources.default_roster()); "
        f"print(i18n.translator('pt_BR')({PT_MSGID!r}))"
    )
    result = run_installed(installed, "-c", probe, cwd=elsewhere)
    assert result.returncode == 0, result.stderr
    packaged, translated = result.stdout.splitlines()
    assert packaged == f"False {installed / 'bot' / 'data' / 'examples' / 'roster.toml'}"
    assert translated == PT_MSGSTR  # read from the compiled .mo: the wheel has no source tree

    # The migrations and the default roster come from the package too.
    upgraded = run_installed(installed, "-m", "bot", "db", "upgrade", cwd=elsewhere)
    assert upgraded.returncode == 0, upgraded.stderr
    assert f"is at {head_revision()}" in upgraded.stdout  # every migration was packaged


@pytest.mark.parametrize("command", ["demo", "serve", "worker"])
def test_an_installed_package_missing_a_catalog_refuses_to_start(
    installed: Path, tmp_path: Path, command: str
) -> None:
    catalog = installed / "bot" / "data" / "locales" / "zh_Hans" / "LC_MESSAGES" / "messages.mo"
    catalog.unlink()
    result = run_installed(installed, "-m", "bot", command, cwd=tmp_path, **NO_ROSTER)
    assert result.returncode == 1
    assert result.stderr.splitlines() == [
        f"Error: translation catalog missing: {catalog} (zh_Hans); reinstall Baton from a "
        "build of the repository (pip install . or its wheel), which compiles every catalog"
    ]
    assert not (tmp_path / "baton-demo.db").exists()  # refused before doing anything


@pytest.fixture
def fresh_catalogs(monkeypatch: pytest.MonkeyPatch) -> None:
    # A process that has loaded no catalog yet, as each one starts; the suite's stays as it was.
    monkeypatch.setattr(i18n, "_cache", {})


@pytest.mark.parametrize("command", ["demo", "serve", "worker"])
def test_a_checkout_missing_a_catalog_refuses_to_start(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fresh_catalogs: None, command: str
) -> None:
    locales = tmp_path / "locales"
    shutil.copytree(ROOT / "locales", locales, ignore=shutil.ignore_patterns("*.mo"))
    (locales / "ru" / "LC_MESSAGES" / "messages.po").unlink()
    monkeypatch.setattr(resources, "locales_dir", lambda: locales)
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, [command], env=NO_ROSTER)
    assert result.exit_code == 1
    assert result.output.splitlines() == [
        f"Error: translation catalog missing: {locales}/ru/LC_MESSAGES/messages.po (ru); "
        "restore it from git (git checkout -- locales) rather than write English in its place"
    ]


def test_a_compiled_catalog_older_than_its_po_is_not_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fresh_catalogs: None
) -> None:
    # A developer's `pybabel compile` output, then an edited .po: the edit is what shows.
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po, write_po

    folder = tmp_path / "pt_BR" / "LC_MESSAGES"
    folder.mkdir(parents=True)
    with (ROOT / "locales" / "pt_BR" / "LC_MESSAGES" / "messages.po").open("rb") as fh:
        catalog = read_po(fh, locale="pt_BR")
    with (folder / "messages.mo").open("wb") as fh:
        write_mo(fh, catalog)
    catalog[PT_MSGID].string = "*Agora no turno*"
    with (folder / "messages.po").open("wb") as fh:
        write_po(fh, catalog)
    old = (folder / "messages.po").stat().st_mtime - 60
    os.utime(folder / "messages.mo", (old, old))
    monkeypatch.setattr(resources, "locales_dir", lambda: tmp_path)
    assert i18n.translator("pt_BR")(PT_MSGID) == "*Agora no turno*"

    monkeypatch.setattr(i18n, "_cache", {})  # a new process, compiled after the edit: .mo read
    catalog[PT_MSGID].string = "*Compilado*"
    with (folder / "messages.mo").open("wb") as fh:
        write_mo(fh, catalog)
    assert i18n.translator("pt_BR")(PT_MSGID) == "*Compilado*"


def test_the_checkout_resolves_its_own_folders() -> None:
    assert resources.source_checkout()
    assert resources.locales_dir() == ROOT / "locales"
    for name in resources.EXAMPLES:
        assert resources.example(name) == ROOT / "examples" / name
        assert resources.example(name).is_file()
    assert (resources.migrations_dir() / "env.py").is_file()


def test_the_default_roster_from_another_folder_is_the_sample(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    env = {"DATABASE_URL": f"sqlite:///{tmp_path / 'baton.db'}"}
    assert load_settings(env, dotenv=False).roster_path == resources.example("roster.toml")

    # A roster of one's own at ./examples/roster.toml is still the default there.
    (tmp_path / "examples").mkdir()
    shutil.copy(ROOT / "examples" / "roster.toml", tmp_path / "examples" / "roster.toml")
    assert load_settings(env, dotenv=False).roster_path == Path("examples/roster.toml")
