"""Refusals carry a message id and parameters; only the edge translates them."""

from __future__ import annotations

import ast
import pickle
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from bot import i18n
from bot.errors import N_, BatonError, NotFound, UserFacingError, UserFacingNotFound

ROOT = Path(__file__).resolve().parent.parent
RAISERS = {"UserFacingError", "UserFacingNotFound"}


def test_str_is_english_and_render_translates() -> None:
    err = UserFacingError(
        N_("Ticket #{ticket} is already claimed by {name}."), ticket=123, name="Ana"
    )
    assert str(err) == "Ticket #123 is already claimed by Ana."
    assert err.msgid == "Ticket #{ticket} is already claimed by {name}."
    assert err.params == {"ticket": 123, "name": "Ana"}
    assert err.render(i18n.translator("pt-BR")) == "O ticket #123 já foi assumido por Ana."
    assert err.render(i18n.translator("es")) == "El ticket #123 ya lo tomó Ana."
    assert err.render(i18n.translator("en")) == str(err)


def test_parameters_are_not_reinterpreted_as_templates() -> None:
    err = UserFacingError(N_("{user} is not on the roster."), user="{0}{name}")
    assert err.render(i18n.translator("ru")) == "{0}{name} нет в графике."


def test_not_found_keeps_both_shapes() -> None:
    plain = NotFound("zendesk: ticket 5: not found")
    assert str(plain) == "zendesk: ticket 5: not found" and isinstance(plain, BatonError)
    marked = UserFacingNotFound(N_("No open escalation for ticket #{ticket}."), ticket=7)
    assert isinstance(marked, NotFound) and isinstance(marked, UserFacingError)
    assert str(marked) == "No open escalation for ticket #7."
    with pytest.raises(NotFound):
        raise marked


def test_errors_survive_pickling() -> None:
    err = UserFacingNotFound(N_("No open escalation for ticket #{ticket}."), ticket=7)
    back = pickle.loads(pickle.dumps(err))
    assert type(back) is UserFacingNotFound
    assert (back.msgid, back.params, str(back)) == (err.msgid, err.params, str(err))


def _raised_msgids() -> list[tuple[str, str | None]]:
    """(where, msgid or None when not a literal N_("…")) for each UserFacingError(...) call."""
    found = []
    for package in ("bot", "handlers", "integrations"):
        for path in sorted((ROOT / package).rglob("*.py")):
            tree = ast.parse(path.read_text(), filename=str(path))
            for node in ast.walk(tree):
                if not isinstance(node, ast.Call):
                    continue
                name = getattr(node.func, "id", None) or getattr(node.func, "attr", None)
                if name not in RAISERS:
                    continue
                where = f"{path.relative_to(ROOT)}:{node.lineno}"
                first = node.args[0] if node.args else None
                msgid = None
                if (
                    isinstance(first, ast.Call)
                    and getattr(first.func, "id", None) == "N_"
                    and len(first.args) == 1
                    and isinstance(first.args[0], ast.Constant)
                    and isinstance(first.args[0].value, str)
                ):
                    msgid = first.args[0].value
                found.append((where, msgid))
    return found


def test_every_user_facing_error_is_marked_and_extracted() -> None:
    with (ROOT / "locales" / "messages.pot").open("rb") as fh:
        template = {m.id for m in read_po(fh) if isinstance(m.id, str) and m.id}
    raised = _raised_msgids()
    assert len(raised) >= 10  # the scan sees the core's refusals
    unmarked = [where for where, msgid in raised if msgid is None]
    assert not unmarked, f'raise UserFacingError(N_("literal"), **params) at {unmarked}'
    missing = sorted({msgid for _, msgid in raised if msgid not in template})
    assert not missing, f"not in locales/messages.pot (run pybabel extract, see README): {missing}"
