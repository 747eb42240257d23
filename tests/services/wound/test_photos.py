"""A wound photo: taken by its content (JPEG or PNG), within the limits, re-encoded upright
without a trace of its metadata; stored with the case while it takes photos; read only by
the infection-control staff of the case's hospital, each look audited."""

from __future__ import annotations

import io

import pytest
import sqlalchemy as sa
from PIL import Image

from services.actors import Actor
from services.audit.models import AuditEvent
from services.db import db
from services.people.models import Role
from services.people.service import add_organisation
from services.wound import photos
from services.wound.models import CaseState, Photo
from services.wound.photos import PhotoLimits
from tests.plugins.db import table_rows
from tests.plugins.factories import make_organisation, make_person, make_staff
from tests.services.wound.factories import make_case
from tests.services.wound.images import (
    SECRET,
    other_format,
    phone_jpeg,
    png,
    png_claiming,
)

LIMITS = PhotoLimits()


@pytest.fixture
def hospital(db):
    return make_organisation()


@pytest.fixture
def patient(db):
    return make_person(given_name="Ola")


@pytest.fixture
def case(patient, hospital):
    return make_case(patient, hospital, state=CaseState.INVITED)


def add(case, data, *, limits=LIMITS, actor=None):
    photo = photos.add_photo(case_id=case.id, data=data, limits=limits,
                             actor=actor or Actor.person(case.person_id))
    db.session.commit()
    return photo


def opened(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    image.load()
    return image


# -- what is kept ---------------------------------------------------------------------

def test_a_phone_jpeg_is_kept_upright_without_any_of_its_metadata(case):
    photo = add(case, phone_jpeg(orientation=6))
    stored = db.session.get(Photo, photo.id)
    assert (stored.content_type, stored.width, stored.height) == ("image/jpeg", 20, 40)
    assert stored.size == len(stored.data)
    assert stored.uploaded_by == f"person:{case.person_id}"
    image = opened(stored.data)
    assert image.format == "JPEG" and image.size == (20, 40)
    # Turned a quarter clockwise: the left (red) half is now on top.
    red, blue = image.getpixel((10, 3)), image.getpixel((10, 36))
    assert red[0] > 200 > red[2] and blue[2] > 200 > blue[0]
    assert not set(image.info) & {"exif", "xmp", "comment", "icc_profile", "dpi"}
    assert dict(image.getexif()) == {}
    assert SECRET not in stored.data and b"PhoneMaker" not in stored.data
    assert b"Exif" not in stored.data and b"GPS" not in stored.data


def test_a_png_stays_a_png_with_its_transparency_and_without_its_text(case):
    from PIL import PngImagePlugin

    text = PngImagePlugin.PngInfo()
    text.add_text("Comment", SECRET.decode())
    photo = add(case, png(mode="RGBA", pnginfo=text))
    image = opened(db.session.get(Photo, photo.id).data)
    assert image.format == "PNG" and image.mode == "RGBA" and image.size == (30, 30)
    assert SECRET not in db.session.get(Photo, photo.id).data
    assert "Comment" not in image.info


@pytest.mark.parametrize("mode", ["P", "L", "I;16", "1"])
def test_pngs_of_other_modes_are_kept_as_pictures(case, mode):
    photo = add(case, png(mode=mode))
    assert opened(db.session.get(Photo, photo.id).data).size == (30, 30)


def test_a_cmyk_jpeg_is_kept_as_rgb(case):
    photo = add(case, other_format_jpeg_cmyk())
    assert opened(db.session.get(Photo, photo.id).data).mode == "RGB"


def other_format_jpeg_cmyk() -> bytes:
    out = io.BytesIO()
    Image.new("CMYK", (16, 16), (0, 255, 255, 0)).save(out, "JPEG")
    return out.getvalue()


def test_a_large_photo_is_made_smaller_on_its_longer_side(case):
    photo = add(case, phone_jpeg(orientation=1, size=(3000, 1000)))
    stored = db.session.get(Photo, photo.id)
    assert (stored.width, stored.height) == (photos.MAX_SIDE, 853)


def test_the_upload_is_audited(case):
    photo = add(case, png())
    assert [(e.action, e.resource_type, e.resource_id, e.subject_person_id)
            for e in table_rows(AuditEvent) if e.resource_type == "Media"] == [
        ("create", "Media", str(photo.id), case.person_id)]


# -- what is refused ------------------------------------------------------------------

@pytest.mark.parametrize(("data", "refusal"), [
    (b"%PDF-1.7\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF", photos.NotAnImage),
    (b"Hei, her er bildet", photos.NotAnImage),
    (b"", photos.NotAnImage),
    (other_format("GIF"), photos.NotAnImage),
    (other_format("BMP"), photos.NotAnImage),
    (other_format("WEBP"), photos.NotAnImage),
    (other_format("TIFF"), photos.NotAnImage),
    (phone_jpeg()[:400], photos.NotAnImage),  # cut short
    (png()[:60], photos.NotAnImage),
    (b"<svg xmlns='http://www.w3.org/2000/svg'/>", photos.NotAnImage),
    # Bombs: a header promising more pixels than the limit, than Pillow's warning and
    # than Pillow's error.
    (png_claiming(7000, 7000), photos.TooManyPixels),
    (png_claiming(9500, 9500), photos.TooManyPixels),
    (png_claiming(20000, 20000), photos.TooManyPixels),
    (png_claiming(0, 10), photos.NotAnImage),
])
def test_what_is_not_a_photo_we_take_is_refused_and_nothing_stored(case, data, refusal):
    with pytest.raises(refusal):
        add(case, data)
    db.session.rollback()
    assert table_rows(Photo) == []


def test_a_bomb_is_refused_without_being_decoded(case, monkeypatch):
    def decoded(*_args, **_kwargs):
        raise AssertionError("pixels were decoded")

    monkeypatch.setattr(Image.Image, "load", decoded)
    monkeypatch.setattr("PIL.ImageFile.ImageFile.load", decoded)
    with pytest.raises(photos.TooManyPixels):
        add(case, png_claiming(7000, 7000))


def test_the_limits_are_the_configured_ones_at_their_boundaries(case):
    data = png(size=(10, 10))
    with pytest.raises(photos.TooLarge):
        add(case, data, limits=PhotoLimits(max_bytes=len(data) - 1))
    add(case, data, limits=PhotoLimits(max_bytes=len(data)))
    with pytest.raises(photos.TooManyPixels):
        add(case, data, limits=PhotoLimits(max_pixels=99))
    add(case, data, limits=PhotoLimits(max_pixels=100))
    assert len(table_rows(Photo)) == 2


def test_a_case_takes_as_many_photos_as_configured(case):
    limits = PhotoLimits(per_case=2)
    add(case, png(), limits=limits)
    add(case, png(), limits=limits)
    with pytest.raises(photos.TooManyPhotos):
        add(case, png(), limits=limits)
    db.session.rollback()
    assert len(table_rows(Photo)) == 2


def test_the_limits_come_from_the_configuration():
    assert photos.photo_limits({}) == PhotoLimits()
    assert photos.photo_limits({"WOUND_PHOTO_MAX_BYTES": 10, "WOUND_PHOTO_MAX_PIXELS": 20,
                                "WOUND_PHOTOS_PER_CASE": 1}) == PhotoLimits(10, 20, 1)


@pytest.mark.parametrize("state", [CaseState.INVITED, CaseState.REMINDED,
                                   CaseState.NON_RESPONDER, CaseState.ANSWERED,
                                   CaseState.TRIAGED, CaseState.UNDER_REVIEW,
                                   CaseState.AWAITING_INFORMATION])
def test_a_photo_is_taken_while_open_and_under_review(patient, hospital, state):
    case = make_case(patient, hospital, state=state)
    add(case, png())
    assert len(table_rows(Photo)) == 1


@pytest.mark.parametrize("state", [CaseState.SCHEDULED, CaseState.CLASSIFIED,
                                   CaseState.CLOSED, CaseState.LOST])
def test_no_photo_before_the_case_opens_or_after_it_is_classified(patient, hospital, state):
    case = make_case(patient, hospital, state=state)
    with pytest.raises(photos.NotTaking):
        add(case, png())
    assert table_rows(Photo) == []


def test_an_unknown_case_is_not_found(db):
    with pytest.raises(photos.PhotoNotFound):
        photos.add_photo(case_id=999_999, data=png(), limits=LIMITS, actor=Actor.person(1))


# -- who sees it ----------------------------------------------------------------------

def staff_actor(staff, organisation):
    return Actor.staff(staff.id, organisation_id=organisation.id)


def test_infection_control_staff_of_the_hospital_see_it_and_each_look_is_audited(
        case, hospital):
    photo = add(case, phone_jpeg())
    nurse = staff_actor(make_staff(hospital, Role.INFECTION_CONTROL), hospital)
    listed = photos.photos_of(case_id=case.id, actor=nurse)
    assert [p.id for p in listed] == [photo.id]
    seen = photos.photo_of(photo_id=photo.id, actor=nurse)
    assert seen.data == db.session.get(Photo, photo.id).data
    reads = [(e.action, e.actor_kind, e.resource_id, e.subject_person_id, e.purpose)
             for e in table_rows(AuditEvent) if e.resource_type == "Media"
             and e.action == "read"]
    assert reads == [("read", "staff", f"case:{case.id}", case.person_id,
                      "quality-surveillance"),
                     ("read", "staff", str(photo.id), case.person_id, "quality-surveillance")]


def test_staff_of_the_trust_see_its_units_photos(patient, hospital):
    unit = add_organisation(name="Kirurgisk klinikk", org_number="974749025", parent=hospital)
    case = make_case(patient, unit, state=CaseState.INVITED)
    photo = add(case, png())
    nurse = staff_actor(make_staff(hospital, Role.INFECTION_CONTROL), hospital)
    assert photos.photo_of(photo_id=photo.id, actor=nurse).id == photo.id


@pytest.mark.parametrize("who", ["other_hospital", "other_role", "citizen", "system",
                                 "representative"])
def test_nobody_else_sees_it(case, hospital, who):
    photo = add(case, png())
    other = add_organisation(name="Helse Nord RHF", org_number="983658725")
    actors = {
        "other_hospital": staff_actor(make_staff(other, Role.INFECTION_CONTROL), other),
        "other_role": staff_actor(make_staff(hospital, Role.ULTRASOUND_CLINIC,
                                             Role.RECORDS_OFFICER, Role.ADMIN), hospital),
        "citizen": Actor.person(case.person_id),
        "system": Actor.system("helsenorge"),
        "representative": Actor.person(make_person().id, on_behalf_of=case.person_id),
    }
    with pytest.raises(photos.PhotoNotFound):
        photos.photo_of(photo_id=photo.id, actor=actors[who])
    with pytest.raises(photos.PhotoNotFound):
        photos.photos_of(case_id=case.id, actor=actors[who])
    assert not db.session.scalar(sa.select(sa.exists().where(
        AuditEvent.resource_type == "Media", AuditEvent.action == "read")))


def test_a_nurse_whose_role_is_elsewhere_does_not_see_it(case, hospital):
    """The role counts where she works now, not at another hospital of hers."""
    photo = add(case, png())
    other = add_organisation(name="Helse Nord RHF", org_number="983658725")
    nurse = make_staff(other, Role.INFECTION_CONTROL)
    with pytest.raises(photos.PhotoNotFound):
        photos.photo_of(photo_id=photo.id, actor=staff_actor(nurse, hospital))


def test_the_settings_are_read_from_the_environment_and_bounded():
    from citizen.config import ConfigError, flask_config, load_settings

    config = flask_config(load_settings({"WOUND_PHOTO_MAX_BYTES": "1000",
                                         "WOUND_PHOTO_MAX_PIXELS": "2000",
                                         "WOUND_PHOTOS_PER_CASE": "1"}))
    assert photos.photo_limits(config) == PhotoLimits(1000, 2000, 1)
    assert photos.photo_limits(flask_config(load_settings({}))) == PhotoLimits()
    for name, value in (("WOUND_PHOTO_MAX_BYTES", "0"),
                        ("WOUND_PHOTO_MAX_PIXELS", str(80_000_001)),
                        ("WOUND_PHOTOS_PER_CASE", "0"), ("WOUND_PHOTOS_PER_CASE", "lots")):
        with pytest.raises(ConfigError, match=name):
            load_settings({name: value})
