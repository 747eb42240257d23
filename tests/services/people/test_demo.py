from datetime import date

from services.demo import seed_demo_data
from services.people.models import Area, Person, StaffMember
from services.people.representation import Basis, representations
from services.people.service import national_id_of
from tests.plugins.db import table_rows


def test_demo_people_cover_every_kind_of_representation(db, frozen_clock):
    assert seed_demo_data() == {"citizens": 8, "guardianships": 2, "fullmakter": 1,
                                "organisations": 1, "staff members": 4,
                                "notification settings": 3, "notifications": 4,
                                "due dates": 1, "ultrasound schedules": 2,
                                "ultrasound slots": 8, "ultrasound appointments": 2,
                                "record documents": 11, "access-log entries": 3,
                                "access questions": 2, "wound operations": 4,
                                "wound answers": 2, "surveillance patients": 273,
                                "surveillance operations": 273, "surveillance answers": 206,
                                "surveillance notes and calls": 112,
                                "surveillance classifications": 192}
    people = {p.given_name: p for p in table_rows(Person)}
    today = date(2026, 3, 2)

    kids = {r.subject.given_name: r for r in representations(actor=people["Kari"], today=today)
            if r.basis is Basis.GUARDIAN}
    assert kids["Emil"].areas == frozenset(Area)
    assert kids["Sofie"].areas == {Area.APPOINTMENTS, Area.QUESTIONNAIRES}
    [for_father] = [r for r in representations(actor=people["Hilde"], today=today)
                    if r.basis is Basis.FULLMAKT]
    assert for_father.subject.given_name == "Arne"
    assert people["Anne"].has_protected_address
    # only synthetic numbers (month + 80): none can belong to a real person
    assert all(int(national_id_of(p)[2:4]) > 80 for p in people.values())
    assert {s.name for s in table_rows(StaffMember)} >= {"Siri Smittevern", "Admin Anders"}

    assert seed_demo_data() == {"citizens": 0, "guardianships": 0, "fullmakter": 0,
                                "organisations": 0, "staff members": 0,
                                "notification settings": 0, "notifications": 0,
                                "due dates": 0, "ultrasound schedules": 0,
                                "ultrasound slots": 0, "ultrasound appointments": 0,
                                "record documents": 0, "access-log entries": 0,
                                "access questions": 0, "wound operations": 0,
                                "wound answers": 0, "surveillance patients": 0,
                                "surveillance operations": 0, "surveillance answers": 0,
                                "surveillance notes and calls": 0,
                                "surveillance classifications": 0}
