"""A wound photo with her answer: checked by its content, cleaned, kept in the database,
shown only to the infection-control staff who review the case.

- **What is taken**: JPEG or PNG as Pillow reads the bytes (the type the sender declares
  is not trusted; no other format is even parsed), under the configured size in bytes and
  number of pixels. The pixel count is read from the header and refused before anything is
  decoded, so a small file that would unpack to gigabytes (a decompression bomb) costs
  nothing; Pillow's own bomb check stands behind it.
- **What is kept**: the picture re-encoded from its pixels alone, turned upright first by
  its EXIF orientation, colours converted to sRGB where it carries a colour profile, and at
  most :data:`MAX_SIDE` pixels on its longer side. No EXIF (GPS position, camera, time), no
  XMP, no comment, no profile survives: only what the reviewer needs to see.
- **When**: while the case is open (she may send it before or with her answer), and after
  her final answer until the case is classified or closed: staff reviewing it may ask her
  for one. At most ``per_case`` photos per case.
- **Who sees it**: staff with the infection-control role in the case's hospital (or the
  trust above its unit), each look audited. Not the citizen's representatives, not the
  citizen's own pages: a photo is sent, never shown back.
"""

from __future__ import annotations

import contextlib
import io
import warnings
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from PIL import Image, ImageCms, ImageOps, UnidentifiedImageError

from services import audit
from services.actors import Actor, ActorKind
from services.clock import utcnow
from services.db import db
from services.people.models import Role, RoleAssignment
from services.people.service import with_units
from services.people.staff_access import record_staff_read
from services.wound import states
from services.wound.answers import OPEN
from services.wound.models import CaseState, FollowUp, Photo

JPEG, PNG = "image/jpeg", "image/png"
CONTENT_TYPES = (JPEG, PNG)
#: Pillow's names of what we read: a phone's JPEG with a depth map or a second picture is
#: an MPO (JPEG with extra frames; the first is kept).
_FORMATS = {"JPEG": JPEG, "MPO": JPEG, "PNG": PNG}
#: The longer side of a stored photo: a reviewer sees a wound's edges and redness on a
#: screen at this size, and a 12-megapixel original would be four times the bytes.
MAX_SIDE = 2560
JPEG_QUALITY = 85
#: States in which a photo is taken besides the open ones: answered, until classified.
REVIEWING = frozenset({CaseState.ANSWERED, CaseState.TRIAGED, CaseState.UNDER_REVIEW,
                       CaseState.AWAITING_INFORMATION})
TAKES_PHOTOS = OPEN | REVIEWING
RESOURCE = "Media"
_SRGB = ImageCms.createProfile("sRGB")


@dataclass(frozen=True)
class PhotoLimits:
    #: The largest photo taken, in bytes (WOUND_PHOTO_MAX_BYTES).
    max_bytes: int = 8 * 1024 * 1024
    #: The most pixels a photo may declare (WOUND_PHOTO_MAX_PIXELS).
    max_pixels: int = 48_000_000
    #: Photos per case (WOUND_PHOTOS_PER_CASE).
    per_case: int = 3


def photo_limits(config: Mapping[str, Any]) -> PhotoLimits:
    """The limits from the app's configuration (``WOUND_PHOTO_*``), defaults for the rest."""
    defaults = PhotoLimits()
    return PhotoLimits(
        max_bytes=int(config.get("WOUND_PHOTO_MAX_BYTES", defaults.max_bytes)),
        max_pixels=int(config.get("WOUND_PHOTO_MAX_PIXELS", defaults.max_pixels)),
        per_case=int(config.get("WOUND_PHOTOS_PER_CASE", defaults.per_case)))


class PhotoRefused(ValueError):
    """The photo is not taken; ``code`` says why (the API's error code)."""

    code = "photo-refused"


class NotAnImage(PhotoRefused):
    """Not a JPEG or PNG that opens (another format, not an image, or broken)."""

    code = "not-an-image"


class TooLarge(PhotoRefused):
    """More bytes than the limit."""

    code = "too-large"


class TooManyPixels(PhotoRefused):
    """More pixels than the limit: a decompression bomb, or a picture far too big."""

    code = "too-many-pixels"


class TooManyPhotos(PhotoRefused):
    """The case has as many photos as it takes."""

    code = "too-many-photos"


class NotTaking(PhotoRefused):
    """The case takes no photo in its state (not open yet, classified, closed, lost)."""

    code = "not-open"


class PhotoNotFound(LookupError):
    """No such photo or case, or not one this member of staff may see."""


@dataclass(frozen=True)
class Cleaned:
    content_type: str
    width: int
    height: int
    data: bytes


def clean(data: bytes, *, limits: PhotoLimits) -> Cleaned:
    """``data`` as a JPEG or PNG made from its pixels alone (upright, sRGB, no metadata);
    :class:`PhotoRefused` when it is not one we take."""
    if len(data) > limits.max_bytes:
        raise TooLarge(f"the photo is {len(data)} bytes; at most {limits.max_bytes} are taken")
    with warnings.catch_warnings():
        # Pillow warns from MAX_IMAGE_PIXELS and raises from twice that; both are ours to
        # refuse, and neither may decode anything.
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            content_type = _check(data, limits)
            return _reencoded(_pixels(data), content_type)
        except PhotoRefused:
            raise
        except (Image.DecompressionBombError, Image.DecompressionBombWarning):
            raise TooManyPixels("the photo has too many pixels") from None
        except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError,
                IndexError, TypeError, KeyError, ZeroDivisionError) as exc:
            # What Pillow's decoders raise for bytes that are not what they claim.
            raise NotAnImage(f"not a JPEG or PNG photo that opens ({type(exc).__name__})") \
                from None


def _reencoded(image: Image.Image, content_type: str) -> Cleaned:
    if content_type == PNG and image.mode not in ("RGB", "RGBA", "L", "LA"):
        image = image.convert("RGBA" if _has_alpha(image) else "RGB")
    if content_type == JPEG and image.mode not in ("RGB", "L"):
        image = image.convert("RGB")
    image.thumbnail((MAX_SIDE, MAX_SIDE), Image.Resampling.LANCZOS)
    # Pillow's encoders copy a comment, an ICC profile or a transparency from ``info``
    # into the new file: nothing of the original's may ride along.
    image.info = {}
    out = io.BytesIO()
    if content_type == JPEG:
        image.save(out, "JPEG", quality=JPEG_QUALITY, optimize=True)
    else:
        image.save(out, "PNG", optimize=True)
    return Cleaned(content_type=content_type, width=image.width, height=image.height,
                   data=out.getvalue())


def _check(data: bytes, limits: PhotoLimits) -> str:
    """The photo's type, after its header and structure are checked and before any pixel
    is decoded."""
    with Image.open(io.BytesIO(data), formats=("JPEG", "PNG")) as probe:
        content_type = _FORMATS.get(probe.format or "")
        if content_type is None:
            raise UnidentifiedImageError(f"format {probe.format}")
        width, height = probe.size
        if width < 1 or height < 1:
            raise ValueError("an empty picture")
        if width * height > limits.max_pixels:
            raise TooManyPixels(f"the photo has {width * height} pixels; at most "
                                f"{limits.max_pixels} are taken")
        probe.verify()
    return content_type


def _pixels(data: bytes) -> Image.Image:
    """The photo's pixels, upright and in sRGB (verify() leaves an image unusable, so it is
    opened again)."""
    with Image.open(io.BytesIO(data), formats=("JPEG", "PNG")) as image:
        image.seek(0)
        upright = ImageOps.exif_transpose(image)
    profile = image.info.get("icc_profile")
    if profile and upright.mode in ("RGB", "RGBA", "CMYK"):
        # A broken profile: the pixels as they are, which is what most viewers show.
        with contextlib.suppress(ImageCms.PyCMSError, OSError, ValueError):
            upright = ImageCms.profileToProfile(
                upright, ImageCms.ImageCmsProfile(io.BytesIO(profile)), _SRGB,
                outputMode="RGBA" if upright.mode == "RGBA" else "RGB")
    return upright


def _has_alpha(image: Image.Image) -> bool:
    return image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info


def add_photo(*, case_id: int, data: bytes, actor: Actor, limits: PhotoLimits,
              now: datetime | None = None) -> Photo:
    """Clean ``data`` and keep it with the case, audited. :class:`PhotoRefused` (stores
    nothing) when the photo or the case's state does not allow it; :class:`PhotoNotFound`
    for no such case."""
    # Locked: two uploads at once never both become the fourth photo.
    case = db.session.scalar(sa.select(FollowUp).where(FollowUp.id == case_id)
                             .with_for_update())
    if case is None:
        raise PhotoNotFound("no such follow-up case")
    if case.state not in TAKES_PHOTOS:
        raise NotTaking(f"the case takes no photo while {case.state.value}")
    if photo_count(case.id) >= limits.per_case:
        raise TooManyPhotos(f"a case takes at most {limits.per_case} photos")
    cleaned = clean(data, limits=limits)
    photo = Photo(follow_up_id=case.id, content_type=cleaned.content_type,
                  width=cleaned.width, height=cleaned.height, size=len(cleaned.data),
                  data=cleaned.data, uploaded_at=now or utcnow(), uploaded_by=actor.ref)
    db.session.add(photo)
    db.session.flush()
    audit.record(actor=actor, action="create", resource_type=RESOURCE, resource_id=photo.id,
                 subject_person_id=case.person_id, purpose=states.PURPOSE)
    return photo


def photo_count(case_id: int) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(Photo).where(
        Photo.follow_up_id == case_id)) or 0


def photos_of(*, case_id: int, actor: Actor) -> list[Photo]:
    """The case's photos without their bytes, for the reviewing staff; audited."""
    case = _reviewed_case(case_id, actor)
    found = list(db.session.scalars(sa.select(Photo).where(Photo.follow_up_id == case.id)
                                    .order_by(Photo.uploaded_at, Photo.id)))
    record_staff_read(actor=actor, subject_person_id=case.person_id, resource_type=RESOURCE,
                      resource_id=f"case:{case.id}", purpose=states.PURPOSE, on_worklist=True)
    return found


def photo_of(*, photo_id: int, actor: Actor, case_id: int | None = None) -> Photo:
    """One photo with its bytes (of the case ``case_id``, when given), for the reviewing
    staff; audited."""
    photo = db.session.get(Photo, photo_id)
    if photo is None or case_id not in (None, photo.follow_up_id):
        raise PhotoNotFound("no such photo")
    case = _reviewed_case(photo.follow_up_id, actor)
    record_staff_read(actor=actor, subject_person_id=case.person_id, resource_type=RESOURCE,
                      resource_id=photo.id, purpose=states.PURPOSE, on_worklist=True)
    return photo


def _reviewed_case(case_id: int, actor: Actor) -> FollowUp:
    """The case, if ``actor`` is infection-control staff of its hospital; else
    :class:`PhotoNotFound` (whether it exists is not theirs to know)."""
    if actor.kind is not ActorKind.STAFF or actor.organisation_id is None:
        raise PhotoNotFound("photos are for the reviewing staff")
    reviewer = db.session.scalar(sa.select(sa.exists().where(
        RoleAssignment.staff_id == int(actor.id),
        RoleAssignment.organisation_id == actor.organisation_id,
        RoleAssignment.role == Role.INFECTION_CONTROL)))
    case = db.session.get(FollowUp, case_id)
    if not reviewer or case is None or case.organisation_id not in with_units(
            {actor.organisation_id}):
        raise PhotoNotFound("no such case among this hospital's")
    return case
