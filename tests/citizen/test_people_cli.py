from datetime import date

from services.people.identity import parse_national_id
from services.people.models import Role
from services.people.service import find_staff, staff_roles
from tests.plugins.factories import national_id_for


def test_staff_add_creates_staff_with_roles_without_echoing_the_number(cli):
    number = national_id_for(date(1975, 1, 20), 7)
    result = cli.invoke(args=[
        "staff", "add", "--national-id", number, "--name", "Sara Smittevern",
        "--hpr", "1234567", "--org-number", "883974832", "--org-name", "St. Olavs hospital HF",
        "--role", "infection_control", "--role", "records_officer",
    ])
    assert result.exit_code == 0, result.output
    assert number not in result.output
    assert "infection_control, records_officer at St. Olavs hospital HF" in result.output
    staff = find_staff(national_id=parse_national_id(number))
    assert staff.name == "Sara Smittevern" and staff.hpr_number == "1234567"
    assert list(staff_roles(staff).values()) == [
        {Role.INFECTION_CONTROL, Role.RECORDS_OFFICER}
    ]


def test_staff_add_refuses_bad_numbers(cli):
    bad_id = cli.invoke(args=["staff", "add", "--national-id", "12345678901", "--name", "X",
                              "--org-number", "883974832", "--role", "admin"])
    assert bad_id.exit_code == 1 and "not a valid" in bad_id.output
    bad_org = cli.invoke(args=["staff", "add", "--national-id",
                               national_id_for(date(1975, 1, 20), 8), "--name", "X",
                               "--org-number", "123456789", "--role", "admin"])
    assert bad_org.exit_code == 1 and "organisation number" in bad_org.output
