"""Identity numbers: validated with check digits and dates, never echoed back."""

from datetime import date

import pytest

from services.people.identity import (
    DNR_SYSTEM,
    FNR_SYSTEM,
    IdKind,
    InvalidNationalId,
    generate_national_id,
    parse_national_id,
)
from tests.plugins.factories import national_id_for


def test_valid_fodselsnummer_gives_kind_and_birth_date():
    parsed = parse_national_id(national_id_for(date(1985, 6, 15)))
    assert parsed.kind is IdKind.FNR and parsed.kind.system == FNR_SYSTEM
    assert parsed.birth_date == date(1985, 6, 15)


def test_d_number_is_recognised():
    parsed = parse_national_id(national_id_for(date(1990, 2, 3), d_number=True))
    assert parsed.kind is IdKind.DNR and parsed.kind.system == DNR_SYSTEM
    assert parsed.birth_date == date(1990, 2, 3)


def test_spaces_are_tolerated():
    number = national_id_for(date(1985, 6, 15))
    assert parse_national_id(f"{number[:6]} {number[6:]}").value == number


def _synthetic(birth: date) -> str:
    return generate_national_id(birth, synthetic=True)


def test_synthetic_test_numbers_only_where_allowed():
    number = _synthetic(date(1980, 5, 17))
    with pytest.raises(InvalidNationalId, match="synthetic"):
        parse_national_id(number)
    parsed = parse_national_id(number, allow_synthetic=True)
    assert parsed.is_synthetic and parsed.birth_date == date(1980, 5, 17)


@pytest.mark.parametrize(
    "raw",
    ["", "1234567890", "123456789012", "abcdefghijk", "15076500051", "32136500050", None],
)
def test_invalid_numbers_are_refused_without_repeating_them(raw):
    with pytest.raises(InvalidNationalId) as caught:
        parse_national_id(raw)
    assert raw is None or raw == "" or raw not in str(caught.value)


def test_number_is_kept_out_of_repr():
    number = national_id_for(date(1985, 6, 15))
    parsed = parse_national_id(number)
    assert number not in repr(parsed) and number not in str(parsed)
