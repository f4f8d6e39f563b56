"""Photos on a case: checked to be real images, re-encoded without EXIF (which can carry the
reporter's position and phone model), shrunk to a sensible size, and stored once."""

from __future__ import annotations

import hashlib
import io
import uuid
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

from shequ.core.errors import RuleError

from .models import Case, CaseAttachment, CaseEvent

FORMATS = {"JPEG": ("image/jpeg", "jpg"), "PNG": ("image/png", "png"), "WEBP": ("image/webp", "webp")}
MAX_SIDE = 2560


@dataclass(frozen=True)
class Photo:
    name: str
    content: bytes
    content_type: str
    extension: str


def _fail(message: Any) -> RuleError:
    return RuleError("invalid_photo", message, fields={"photos": [message]})


def prepare(files: list[Any] | None) -> list[Photo]:
    """Check uploaded files before anything is stored, so a bad photo changes nothing."""
    files = [f for f in (files or []) if f]
    if len(files) > settings.SHEQU_CASE_PHOTOS_MAX:
        raise _fail(_("At most %(n)d photos.") % {"n": settings.SHEQU_CASE_PHOTOS_MAX})
    limit = settings.SHEQU_CASE_PHOTO_MAX_MB * 1024 * 1024
    photos = []
    for f in files:
        name = str(getattr(f, "name", "photo"))[-100:]
        size = getattr(f, "size", None)
        if size is not None and size > limit:
            raise _fail(
                _("%(name)s is larger than %(mb)d MB.")
                % {"name": name, "mb": settings.SHEQU_CASE_PHOTO_MAX_MB}
            )
        raw = f.read(limit + 1)
        if len(raw) > limit:
            raise _fail(
                _("%(name)s is larger than %(mb)d MB.")
                % {"name": name, "mb": settings.SHEQU_CASE_PHOTO_MAX_MB}
            )
        photos.append(_reencode(name, raw))
    return photos


def _check_pixels(name: str, image: Image.Image) -> None:
    """Refuse a picture too large to decode, from its header alone: a 656 KB PNG of 13,000 ×
    13,000 pixels took 1.5 GB of memory to open (docs/security.md)."""
    width, height = image.size
    if width * height > settings.SHEQU_CASE_PHOTO_MAX_PIXELS:
        raise _too_many_pixels(name)


def _too_many_pixels(name: str) -> RuleError:
    return _fail(
        _("%(name)s has too many pixels: at most %(mp)d million.")
        % {"name": name, "mp": max(1, settings.SHEQU_CASE_PHOTO_MAX_PIXELS // 1_000_000)}
    )


def _reencode(name: str, raw: bytes) -> Photo:
    # Pillow's own bomb check (a warning past the limit, an error past twice it) as a second line,
    # for any image opened anywhere in the process.
    Image.MAX_IMAGE_PIXELS = settings.SHEQU_CASE_PHOTO_MAX_PIXELS
    try:
        with Image.open(io.BytesIO(raw)) as probe:  # reads the header only
            _check_pixels(name, probe)
            probe.verify()
        image: Image.Image = Image.open(io.BytesIO(raw))
        fmt = image.format or ""
        if fmt not in FORMATS:
            raise _fail(_("%(name)s is not a JPEG, PNG or WebP photo.") % {"name": name})
        _check_pixels(name, image)
        if fmt == "JPEG":
            # Decode at 1/2, 1/4 or 1/8 scale straight away when that still covers MAX_SIDE.
            image.draft("RGB", (MAX_SIDE, MAX_SIDE))
        image = ImageOps.exif_transpose(image)
        image.thumbnail((MAX_SIDE, MAX_SIDE))
        if fmt == "JPEG" and image.mode not in ("RGB", "L"):
            image = image.convert("RGB")
        out = io.BytesIO()
        image.save(out, format=fmt, **({"quality": 85} if fmt in ("JPEG", "WEBP") else {}))
    except RuleError:
        raise
    except Image.DecompressionBombError as exc:  # Pillow's own check, past twice the limit
        raise _too_many_pixels(name) from exc
    except (UnidentifiedImageError, OSError, ValueError) as exc:
        raise _fail(_("%(name)s is not a photo that can be opened.") % {"name": name}) from exc
    content_type, extension = FORMATS[fmt]
    return Photo(name=name, content=out.getvalue(), content_type=content_type, extension=extension)


def store(case: Case, event: CaseEvent, photos: list[Photo], kind: str) -> list[CaseAttachment]:
    stored = []
    for photo in photos:
        attachment = CaseAttachment(
            case=case,
            event=event,
            kind=kind,
            name=photo.name,
            content_type=photo.content_type,
            size=len(photo.content),
            sha256=hashlib.sha256(photo.content).hexdigest(),
        )
        attachment.file.save(f"{uuid.uuid4().hex}.{photo.extension}", ContentFile(photo.content), save=False)
        attachment.save()
        stored.append(attachment)
    return stored
