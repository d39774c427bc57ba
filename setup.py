"""Build step: the package carries the repository's catalogs, compiled, and the demo's files.

The repository keeps locales/ and examples/ at its root (SPEC's layout); bot/resources.py finds
them there in a source checkout, and under bot/data/ in a built package (`pip install .`, a
wheel), which is where this copies them, with every catalog compiled to .mo by babel (a build
requirement, so that no generated file lives in git). Everything else is in pyproject.toml.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

ROOT = Path(__file__).resolve().parent
# What `baton demo` reads, relative to examples/ (the same list as bot/resources.EXAMPLES).
EXAMPLES = ("roster.toml", "config.toml", "escalations.jsonl", "backoffice/transactions.csv")


class BuildPyWithData(build_py):
    """build_py, then bot/data/: locales/ (.po and compiled .mo) and the demo's examples."""

    def run(self) -> None:
        super().run()
        if not self.editable_mode:  # an editable install reads the repository's own folders
            self._add_data(Path(self.build_lib) / "bot" / "data")

    def _add_data(self, target: Path) -> None:
        from babel.messages.mofile import write_mo
        from babel.messages.pofile import read_po

        catalogs = sorted((ROOT / "locales").glob("*/LC_MESSAGES/messages.po"))
        if not catalogs:
            raise SystemExit(f"no catalogs under {ROOT / 'locales'}: the package would be English")
        for po in catalogs:
            out = target / po.relative_to(ROOT)
            out.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(po, out)
            with po.open("rb") as fh:
                catalog = read_po(fh, locale=po.parts[-3])
            with out.with_suffix(".mo").open("wb") as fh:
                write_mo(fh, catalog)
        for name in EXAMPLES:
            out = target / "examples" / name
            out.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(ROOT / "examples" / name, out)


setup(cmdclass={"build_py": BuildPyWithData})
