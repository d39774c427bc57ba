"""What the settings, BATON_CONFIG and roster models share: strict models, one-line refusals.

The models (pydantic) say what each key is; this module turns the first thing pydantic refuses
into one `ConfigError` line naming the file, the TOML line when it can be found, the key, the
value given and what was expected, the nearest known key for a typo. Nothing here knows a key.
"""

from __future__ import annotations

import difflib
import re
import types
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from enum import StrEnum
from typing import Annotated, Any, TypeVar, Union, get_args, get_origin

from pydantic import BaseModel, ConfigDict, StringConstraints, ValidationError

from bot.errors import ConfigError

E = TypeVar("E", bound=StrEnum)
Loc = tuple[str | int, ...]
# A loc -> (what holds the key, e.g. "[timers] " or "analyst 'ana': ", and the key's name).
Naming = Callable[[Loc, Any], tuple[str, str]]

# Text that must say something: "" and "   " are refused, surrounding spaces dropped.
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]


class FileModel(BaseModel):
    """A table of a TOML file or the environment: known keys only, no type coercion.

    Strict: a string is never a list (``"gold"`` would become a set of letters), ``"15"`` is not
    a number and ``true`` is not 1. A float field still takes a whole number (``retry_hours = 24``).
    """

    model_config = ConfigDict(strict=True, extra="forbid", frozen=True)


def word(enum: type[E], refusal: str) -> Callable[[Any], E]:
    """A validator reading one of the enum's values: ``refusal`` leads the message otherwise."""
    values = [m.value for m in enum]

    def read(value: Any) -> E:
        if isinstance(value, enum):
            return value
        if not isinstance(value, str):
            raise ValueError(f"{refusal}: expected one of {', '.join(values)} in quotes")
        if value in values:
            return enum(value)
        close = nearest(value, values)
        hint = f", did you mean {close}?" if close else ""
        raise ValueError(f"{refusal}{hint} (known: {', '.join(values)})")

    return read


class Refusal(Exception):
    """A check made after the model's (a cross-reference, a duplicate), at a loc.

    With ``value`` the line shows the key's value (``shift = 'mornin': unknown shift``); without,
    the problem is the key itself (``[coaching] provider_slow: unknown root cause``).
    """

    def __init__(self, loc: Loc, problem: str, *, value: bool = True) -> None:
        super().__init__(problem)
        self.loc = loc
        self.problem = problem
        self.value = value


@contextmanager
def checking(
    where: str,
    *,
    model: type[BaseModel],
    data: Any,
    naming: Naming,
    text: str | None = None,
    show: Callable[[str, Any], str] = lambda _key, value: repr(value),
    equals: str = " = ",
) -> Iterator[None]:
    """Turn a ValidationError or Refusal raised inside into one ConfigError line.

    ``equals`` joins a key and its value: " = " as TOML writes it, "=" for the environment.
    """
    try:
        yield
    except ValidationError as err:
        errors = err.errors(include_url=False)
        # A misspelt key also leaves its right spelling "missing": the typo is the news.
        first = next((e for e in errors if e["type"] == "extra_forbidden"), errors[0])
        line = describe(first, model=model, data=data, naming=naming, show=show, equals=equals)
        raise ConfigError(_prefixed(where, text, tuple(first["loc"]), line)) from err
    except Refusal as err:
        context, key = naming(err.loc, data)
        shown = f"{equals}{show(key, _value_at(data, err.loc))}" if key and err.value else ""
        line = f"{context}{key}{shown}: {err.problem}" if key else f"{context}{err.problem}"
        raise ConfigError(_prefixed(where, text, err.loc, line)) from err


def _prefixed(where: str, text: str | None, loc: Loc, line: str) -> str:
    number = toml_line(text, loc) if text else None
    if number:
        line = f"line {number}: {line}"
    return f"{where}: {line}" if where else line


def describe(
    error: Mapping[str, Any],
    *,
    model: type[BaseModel],
    data: Any,
    naming: Naming,
    show: Callable[[str, Any], str],
    equals: str = " = ",
) -> str:
    """One pydantic error as "<where> <key> = <value>: <what was expected>"."""
    loc: Loc = tuple(error["loc"])
    kind = str(error["type"])
    if not loc:  # a check across keys (model_validator): its message says it all
        return _custom(error)
    is_key = loc[-1] == "[key]"
    key_loc = loc[:-1] if is_key else loc
    context, key = naming(key_loc, data)
    if kind == "extra_forbidden":
        return f"{context}{key}: unknown key, {_hint(str(loc[-1]), known_keys(model, loc[:-1]))}"
    if kind == "missing":
        return f"{context}{key}: missing"
    problem = _expected(kind, error)
    if is_key:
        return f"{context}{loc[-2]}: {problem}"
    return f"{context}{key}{equals}{show(key, _value_at(data, key_loc))}: {problem}"


def _hint(unknown: str, known: Sequence[str]) -> str:
    close = nearest(unknown, known)
    return f"did you mean {close}?" if close else f"expected one of: {', '.join(sorted(known))}"


def nearest(unknown: str, known: Sequence[str]) -> str | None:
    """The known name closest to a mistyped one, if any is close (difflib's ratio >= 0.6)."""
    close = difflib.get_close_matches(unknown, list(known), n=1, cutoff=0.6)
    return close[0] if close else None


def _custom(error: Mapping[str, Any]) -> str:
    ctx = error.get("ctx") or {}
    if "error" in ctx:
        return str(ctx["error"])
    return str(error["msg"]).removeprefix("Value error, ")


def _expected(kind: str, error: Mapping[str, Any]) -> str:
    ctx = error.get("ctx") or {}
    given = error.get("input")
    if kind == "value_error":
        return _custom(error)
    if kind in ("list_type", "tuple_type", "set_type"):
        if isinstance(given, str):
            return f'expected a list, e.g. ["{given}"] (one string is not a list)'
        return "expected a list"
    if kind == "string_type":
        if isinstance(given, list) and len(given) == 1 and isinstance(given[0], str):
            return f'expected one name, e.g. "{given[0]}", not a list'
        return 'expected text in quotes, e.g. "…"'
    if kind in ("int_type", "int_from_float"):
        return "expected a whole number" + _not_like(given)
    if kind == "float_type":
        return "expected a number" + _not_like(given)
    if kind == "bool_type":
        return "expected true or false"
    if kind in ("dict_type", "model_type", "model_attributes_type"):
        return "expected a table"
    if kind == "date_type":
        return "expected a date like 2026-01-05 (no quotes)"
    if kind in ("string_too_short", "too_short"):
        return "expected at least one" if kind == "too_short" else "expected text, not empty"
    bounds = {
        "greater_than": ("gt", "greater than"),
        "greater_than_equal": ("ge", "at least"),
        "less_than": ("lt", "less than"),
        "less_than_equal": ("le", "at most"),
    }
    if kind in bounds:
        name, words = bounds[kind]
        return f"expected a number {words} {_number(ctx[name])}"
    return str(error["msg"])


def _not_like(given: Any) -> str:
    if isinstance(given, bool):
        return ", not true or false"
    if isinstance(given, str):
        return ", without quotes"
    return ""


def _number(value: Any) -> str:
    return str(int(value)) if isinstance(value, float) and value.is_integer() else str(value)


def _value_at(data: Any, loc: Loc) -> Any:
    """The whole value of the innermost key at loc (a list's item shows as the whole list)."""
    while loc and isinstance(loc[-1], int):
        loc = loc[:-1]
    for part in loc:
        in_table = isinstance(data, Mapping) and part in data
        in_list = isinstance(data, list) and isinstance(part, int) and part < len(data)
        if not (in_table or in_list):
            return None
        data = data[part]
    return data


# --- the known keys at a loc, for "did you mean" ----------------------------------------------


def known_keys(model: type[BaseModel], loc: Loc) -> list[str]:
    """The keys the model accepts in the table at loc (a path of keys and indexes)."""
    current: Any = model
    for part in loc:
        if _is_model(current):
            field = _field(current, str(part))
            if field is None:
                return []
            current = field
        else:
            current = item_type(current)
    current = model_in(current)
    if current is None:
        return []
    return [f.alias or name for name, f in current.model_fields.items()]


def _is_model(annotation: Any) -> bool:
    return isinstance(annotation, type) and issubclass(annotation, BaseModel)


def _field(model: Any, key: str) -> Any:
    for name, field in model.model_fields.items():
        if key in (name, field.alias):
            return unwrap(field.annotation)
    return None


def unwrap(annotation: Any) -> Any:
    while get_origin(annotation) is Annotated:
        annotation = get_args(annotation)[0]
    if get_origin(annotation) in (Union, types.UnionType):
        options = [a for a in get_args(annotation) if a is not type(None)]
        annotation = next((a for a in options if model_in(a) is not None), options[0])
    return annotation


def item_type(annotation: Any) -> Any:
    """The type of one entry of a list or a table (dict) annotation."""
    args = get_args(unwrap(annotation))
    return unwrap(args[-1]) if args else None


def model_in(annotation: Any) -> type[BaseModel] | None:
    annotation = unwrap(annotation)
    return annotation if _is_model(annotation) else None


# --- where a key is in the TOML text -----------------------------------------------------------

_HEADER = re.compile(r"^\s*(\[\[?)\s*([^\]]+?)\s*\]\]?\s*(#.*)?$")
_NAME = r"""(?:[A-Za-z0-9_-]+|"[^"]*"|'[^']*')"""
_KEY = re.compile(rf"^\s*({_NAME}(?:\s*\.\s*{_NAME})*)\s*=")


def _keys(dotted: str) -> list[str]:
    parts = re.findall(_NAME, dotted)
    return [p[1:-1] if p[:1] in "\"'" else p for p in parts]


def toml_line(text: str | None, loc: Loc) -> int | None:
    """The 1-based line where the key at loc (or the nearest table holding it) is written."""
    if not text:
        return None
    where: dict[Loc, int] = {}
    table: list[str | int] = []
    counts: dict[Loc, int] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        if header := _HEADER.match(line):
            names = _keys(header[2])
            path: list[str | int] = []
            for i, name in enumerate(names):
                path.append(name)
                last = i == len(names) - 1
                if header[1] == "[[" and last:
                    entries = tuple(path)
                    counts[entries] = counts.get(entries, -1) + 1
                    path.append(counts[entries])
                elif not last and tuple(path) in counts:
                    path.append(counts[tuple(path)])  # a sub-table of the newest [[entry]]
            table = path
            where.setdefault(tuple(table), number)
        elif assignment := _KEY.match(line):
            where.setdefault((*table, *_keys(assignment[1])), number)
    for end in range(len(loc), 0, -1):
        if loc[:end] in where:
            return where[loc[:end]]
    return None


def section_naming(loc: Loc, data: Any) -> tuple[str, str]:
    """BATON_CONFIG style: ("[transactions.sql] ", "table"); top-level keys have no section."""
    names = [str(p) for p in loc if not isinstance(p, int)]
    if not names:
        return "", ""
    section = ".".join(names[:-1])
    return (f"[{section}] " if section else ""), names[-1]
