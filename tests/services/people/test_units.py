"""``with_units``: an organisation and every unit below it, at any depth, and nobody else's."""

from services.people.service import add_organisation, with_units
from tests.plugins.factories import make_organisation


def test_units_at_every_depth_and_not_a_sibling_trust(db):
    trust = make_organisation()
    clinic = add_organisation(name="Kirurgisk klinikk", org_number="974749025", parent=trust)
    ward = add_organisation(name="Sengepost", org_number="983974724", parent=clinic)
    other = make_organisation("Helse Bergen HF", "983974910")
    add_organisation(name="Kvinneklinikken", org_number="974633698", parent=other)

    assert with_units({trust.id}) == {trust.id, clinic.id, ward.id}
    assert with_units({clinic.id}) == {clinic.id, ward.id}
    assert with_units({ward.id}) == {ward.id}


def test_nothing_gives_nothing_and_an_unknown_id_is_kept(db):
    assert with_units(set()) == set()
    assert with_units({999_999}) == {999_999}
