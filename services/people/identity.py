"""National identity numbers: fødselsnummer and D-number (Norwegian personal identifiers).

A fødselsnummer (fnr) is given at birth or immigration; a D-number (dnr) to people without
one, with 40 added to the day of birth. Synthetic test numbers from Skatteetaten's Tenor
test register add 80 to the month; they are accepted only where test data is allowed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from stdnum.exceptions import ValidationError
from stdnum.no import fodselsnummer

FNR_SYSTEM = "urn:oid:2.16.578.1.12.4.1.4.1"
DNR_SYSTEM = "urn:oid:2.16.578.1.12.4.1.4.2"


class IdKind(StrEnum):
    FNR = "fnr"
    DNR = "dnr"

    @property
    def system(self) -> str:
        return FNR_SYSTEM if self is IdKind.FNR else DNR_SYSTEM


class InvalidNationalId(ValueError):
    """Not a valid fødselsnummer or D-number. The message never repeats the number."""


@dataclass(frozen=True)
class NationalId:
    value: str
    kind: IdKind
    birth_date: date
    is_synthetic: bool = False

    def __repr__(self) -> str:  # keep the number out of tracebacks and debug output
        return f"NationalId(kind={self.kind.value}, synthetic={self.is_synthetic})"

    __str__ = __repr__


def parse_national_id(raw: str, *, allow_synthetic: bool = False) -> NationalId:
    """Validate check digits and birth date; say whether it is an fnr or a D-number."""
    # Eleven ASCII digits are already compact. stdnum's ``compact`` (which its ``validate``
    # and ``get_birth_date`` each repeat) was most of the cost of a search by number.
    number = raw if len(raw or "") == 11 and raw.isascii() and raw.isdigit() \
        else fodselsnummer.compact(raw or "")
    if len(number) != 11 or not number.isdigit():
        raise InvalidNationalId("a national identity number has 11 digits")
    synthetic = int(number[2:4]) > 80
    if synthetic:
        if not allow_synthetic:
            raise InvalidNationalId("synthetic test numbers are not accepted here")
        real_shape = number[:2] + f"{int(number[2:4]) - 80:02d}" + number[4:]
        _check_digits(number)
        birth = _birth_date(real_shape)
    else:
        try:
            fodselsnummer.validate(number)
        except ValidationError:
            raise InvalidNationalId("not a valid fødselsnummer or D-number") from None
        birth = fodselsnummer.get_birth_date(number)
    kind = IdKind.DNR if int(number[0]) >= 4 else IdKind.FNR
    return NationalId(value=number, kind=kind, birth_date=birth, is_synthetic=synthetic)


def _check_digits(number: str) -> None:
    if (number[-2] != fodselsnummer.calc_check_digit1(number)
            or number[-1] != fodselsnummer.calc_check_digit2(number)):
        raise InvalidNationalId("not a valid fødselsnummer or D-number")


def _birth_date(number: str) -> date:
    try:
        return fodselsnummer.get_birth_date(number)
    except ValidationError:
        raise InvalidNationalId("not a valid fødselsnummer or D-number") from None


def generate_national_id(birth_date: date, index: int = 0, *, d_number: bool = False,
                         synthetic: bool = False) -> str:
    """The ``index``-th valid number for ``birth_date``: for demo and test data only.

    ``synthetic`` gives Tenor-style test numbers (80 added to the month), which cannot
    belong to a real person; demo data uses nothing else.
    """
    day = birth_date.day + (40 if d_number else 0)
    month = birth_date.month + (80 if synthetic else 0)
    stem = f"{day:02d}{month:02d}{birth_date.year % 100:02d}"
    # Individual numbers encode the century: 000–499 for 1900–1999, 500–999 for 2000–2039.
    first = 0 if birth_date.year < 2000 else 500
    found = 0
    for individual in range(first, first + 500):
        base = f"{stem}{individual:03d}"
        k1 = fodselsnummer.calc_check_digit1(base)
        k2 = fodselsnummer.calc_check_digit2(base + k1)
        if len(k1) == 1 and len(k2) == 1:
            if found == index:
                return base + k1 + k2
            found += 1
    raise ValueError("no identity number with that index for that date")
