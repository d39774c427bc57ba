"""Document numbers through python-stdnum: valid or why not, and what a valid one encodes."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from types import ModuleType

from stdnum import exceptions
from stdnum.ar import cuit
from stdnum.br import cnpj, cpf
from stdnum.cl import rut
from stdnum.cn import ric
from stdnum.co import nit
from stdnum.es import dni, nie
from stdnum.mx import curp, rfc
from stdnum.pe import ruc
from stdnum.ru import inn
from stdnum.us import ssn

from bot.masking.spans import DOT

# The types `/baton kyc <type> <number>` takes (SPEC §15), each with its stdnum module.
MODULES: dict[str, ModuleType] = {
    "cpf": cpf,
    "cnpj": cnpj,
    "cn_ric": ric,
    "ru_inn": inn,
    "es_dni": dni,
    "es_nie": nie,
    "mx_curp": curp,
    "mx_rfc": rfc,
    "ar_cuit": cuit,
    "cl_rut": rut,
    "co_nit": nit,
    "pe_ruc": ruc,
    "us_ssn": ssn,
}
TYPES: tuple[str, ...] = (*MODULES, "mrz")
SHOWN = 3  # characters a masked number keeps at its end

# Why a number fails, by stdnum's exception (most specific first: they subclass each other).
_REASONS: tuple[tuple[type[exceptions.ValidationError], str], ...] = (
    (exceptions.InvalidLength, "length"),
    (exceptions.InvalidChecksum, "check_digit"),
    (exceptions.InvalidFormat, "format"),
    (exceptions.InvalidComponent, "component"),
)
# The CPF's ninth digit is the fiscal region that issued it (Receita Federal).
CPF_REGIONS = {
    "0": "RS",
    "1": "DF, GO, MS, MT, TO",
    "2": "AC, AM, AP, PA, RO, RR",
    "3": "CE, MA, PI",
    "4": "AL, PB, PE, RN",
    "5": "BA, SE",
    "6": "MG",
    "7": "ES, RJ",
    "8": "SP",
    "9": "PR, SC",
}
# The CURP's state of birth (RENAPO's two-letter codes; NE: born abroad).
CURP_STATES = {
    "AS": "Aguascalientes",
    "BC": "Baja California",
    "BS": "Baja California Sur",
    "CC": "Campeche",
    "CL": "Coahuila",
    "CM": "Colima",
    "CS": "Chiapas",
    "CH": "Chihuahua",
    "DF": "Ciudad de México",
    "DG": "Durango",
    "GT": "Guanajuato",
    "GR": "Guerrero",
    "HG": "Hidalgo",
    "JC": "Jalisco",
    "MC": "Estado de México",
    "MN": "Michoacán",
    "MS": "Morelos",
    "NT": "Nayarit",
    "NL": "Nuevo León",
    "OC": "Oaxaca",
    "PL": "Puebla",
    "QT": "Querétaro",
    "QR": "Quintana Roo",
    "SP": "San Luis Potosí",
    "SL": "Sinaloa",
    "SR": "Sonora",
    "TC": "Tabasco",
    "TS": "Tamaulipas",
    "TL": "Tlaxcala",
    "VZ": "Veracruz",
    "YN": "Yucatán",
    "ZS": "Zacatecas",
    "NE": "born abroad",
}


@dataclass(frozen=True)
class NumberCheck:
    """One number checked: masked, valid or the reason it is not, and what it encodes."""

    kind: str
    masked: str
    valid: bool
    reason: str | None = None  # length | check_digit | format | component | date
    # What a valid number encodes, as (field, value): birth_date, sex, region, holder.
    encodes: tuple[tuple[str, str], ...] = ()
    compact: str = ""  # the normalized number, for the keyed fingerprint only: never shown

    @property
    def birth_date(self) -> date | None:
        value = dict(self.encodes).get("birth_date")
        return date.fromisoformat(value) if value else None


def masked(value: str, *, shown: int = SHOWN) -> str:
    """Every character but the last ``shown`` letters or digits as a dot."""
    chars = [ch for ch in value if ch.isalnum()]
    keep = chars[-shown:] if len(chars) > shown else chars[-1:]
    return DOT * (len(chars) - len(keep)) + "".join(keep)


def check(kind: str, number: str) -> NumberCheck:
    """Validate number as a document of kind (one of MODULES); never raises for bad input."""
    module = MODULES[kind]
    shown = masked(number)
    try:
        if module is rfc:
            # stdnum leaves the RFC's check digit out by default (old RFCs lack one); asked
            # to check a customer's RFC, it must hold.
            compact = str(rfc.validate(number, validate_check_digits=True))
        else:
            compact = str(module.validate(number))
    except exceptions.ValidationError as err:
        reason = next((r for cls, r in _REASONS if isinstance(err, cls)), "format")
        # A cn_ric or CURP with a birth date that does not exist fails as "component".
        if reason == "component" and kind in ("cn_ric", "mx_curp", "mx_rfc"):
            reason = "date"
        if kind == "cn_ric" and _ric_fallback(number):
            # stdnum also wants the county in its table as of the birth year; that refuses
            # real ids (the standard's own example 440524188001010014): the check character
            # and the birth date must be enough.
            compact = ric.compact(number)
            return NumberCheck(kind, shown, True, None, _encodes(kind, compact), compact)
        return NumberCheck(kind, shown, False, reason)
    return NumberCheck(kind, shown, True, None, _encodes(kind, compact), compact)


def _ric_fallback(number: str) -> bool:
    try:
        value = ric.compact(number)
        return (
            len(value) == 18
            and value[:17].isdigit()
            and ric.calc_check_digit(value) == value[-1]
            and ric.get_birth_date(value) is not None
        )
    except (exceptions.ValidationError, ValueError):
        return False


def _sex(value: str) -> str:
    return "female" if value.upper() in ("F", "M_F", "W") else "male"


_Encoder = Callable[[str], list[tuple[str, str]]]


def _cn_ric(value: str) -> list[tuple[str, str]]:
    out = [("birth_date", ric.get_birth_date(value).isoformat())]
    out.append(("sex", "male" if int(value[16]) % 2 else "female"))
    try:
        place = ric.get_birth_place(value)
        out.append(
            ("region", " ".join(v for v in (place.get("province"), place.get("county")) if v))
        )
    except exceptions.ValidationError:
        out.append(("region", value[:6]))
    return out


def _mx_curp(value: str) -> list[tuple[str, str]]:
    gender = curp.get_gender(value)
    return [
        ("birth_date", curp.get_birth_date(value).isoformat()),
        ("sex", "female" if gender == "F" else "male"),
        ("region", CURP_STATES.get(value[11:13], value[11:13])),
    ]


def _cpf(value: str) -> list[tuple[str, str]]:
    return [("region", CPF_REGIONS[value[8]])]


def _ru_inn(value: str) -> list[tuple[str, str]]:
    holder = "person" if len(value) == 12 else "company"
    return [("holder", holder), ("region", value[:2])]


def _mx_rfc(value: str) -> list[tuple[str, str]]:
    holder = "person" if len(value) == 13 else "company"
    return [("holder", holder)]


def _ar_cuit(value: str) -> list[tuple[str, str]]:
    # The first two digits say who holds it: 20/23/24/27 people, 30/33/34 companies.
    holder = "company" if value[:2] in ("30", "33", "34") else "person"
    return [("holder", holder)]


def _pe_ruc(value: str) -> list[tuple[str, str]]:
    holder = "person" if value[:2] in ("10", "15", "17") else "company"
    return [("holder", holder)]


_ENCODERS: dict[str, _Encoder] = {
    "cn_ric": _cn_ric,
    "mx_curp": _mx_curp,
    "cpf": _cpf,
    "ru_inn": _ru_inn,
    "mx_rfc": _mx_rfc,
    "ar_cuit": _ar_cuit,
    "pe_ruc": _pe_ruc,
}


def _encodes(kind: str, value: str) -> tuple[tuple[str, str], ...]:
    encoder = _ENCODERS.get(kind)
    try:
        return tuple(encoder(value)) if encoder else ()
    except (exceptions.ValidationError, ValueError, KeyError, IndexError):
        return ()
