"""Cleaning resident fields as people type them. One set of rules for the import, the API and
the pages, so a row the API refuses is refused by the import with the same Chinese message."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from django.utils import translation
from django.utils.translation import gettext as _

from shequ.core import codes, idnumber
from shequ.core.models import CodeTable
from shequ.core.parsing import is_valid_phone, normalize_phone, parse_date

from .models import IdType, ResidenceType

CODED_FIELDS: dict[str, CodeTable] = {
    "ethnicity": CodeTable.ETHNICITY,
    "political_status": CodeTable.POLITICAL_STATUS,
    "education": CodeTable.EDUCATION,
    "marital_status": CodeTable.MARITAL_STATUS,
    "relation_to_head": CodeTable.RELATIONSHIP,
}

# The resident's own fields: every field clean_resident knows (a full clean treats each as
# present), as the import, the API and the create form take them.
RESIDENT_FIELDS = (
    "name",
    "id_type",
    "id_number",
    "gender",
    "birth_date",
    "phone",
    *CODED_FIELDS,
    "residence_type",
    "hukou_address",
    "workplace",
    "notes",
)
_EVERY_FIELD = frozenset(RESIDENT_FIELDS)

GENDER_WORDS = {"男": "1", "女": "2", "1": "1", "2": "2", "m": "1", "f": "2", "male": "1", "female": "2"}


# Short forms of the choices' labels that spreadsheets use; matched whole, never by prefix.
_CHOICE_ALIASES: dict[str, str] = {
    "身份证": "resident_id",
    "户籍": "registered",
    "流动": "floating",
    "外来人口": "floating",
    "人户分离": "away",
    "境外": "foreign",
}


def choice_lookup(choices: Any, text: str) -> str | None:
    """Accept a choice's value or its label in either language (户籍人口 / registered)."""
    key = codes.normalize(text)
    if not key:
        return None
    # A label's text depends on the active language; an import asks the same few texts per row.
    return _choice_lookup(choices, key, translation.get_language())


@lru_cache(maxsize=4096)
def _choice_lookup(choices: Any, text: str, language: str | None) -> str | None:
    text = codes.normalize(text)
    for value, label in choices.choices:
        if text in (value, codes.normalize(str(label))):
            return value
    with translation.override("zh-hans"):
        for value, label in choices.choices:
            if text == codes.normalize(str(label)):
                return value
    value = _CHOICE_ALIASES.get(text)
    return value if value in choices.values else None


@dataclass
class Cleaned:
    data: dict[str, Any] = field(default_factory=dict)
    errors: dict[str, list[str]] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)

    def error(self, name: str, message: str) -> None:
        self.errors.setdefault(name, []).append(message)


def _text(raw: dict[str, Any], name: str) -> str:
    value = raw.get(name)
    if type(value) is str:  # nearly every cell
        return value.strip()
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def clean_resident(raw: dict[str, Any], *, partial: bool = False, today: dt.date | None = None) -> Cleaned:
    """Validate and normalise resident fields. `partial` skips missing fields (an update)."""
    out = Cleaned()
    present = raw if partial else _EVERY_FIELD  # `name in present`: the field is to be cleaned
    language = translation.get_language()

    if "name" in present:
        name = _text(raw, "name")
        if not name:
            out.error("name", _("Name is required."))
        elif len(name) > 64:
            out.error("name", _("Name is too long."))
        else:
            out.data["name"] = name

    id_type = IdType.RESIDENT_ID
    id_type_text = _text(raw, "id_type") if "id_type" in present else ""
    if id_type_text:
        found = _choice_lookup(IdType, id_type_text, language)
        if found is None:
            out.error("id_type", _("Unknown document type."))
        else:
            id_type = IdType(found)
    if "id_type" in present or "id_number" in present:
        out.data["id_type"] = id_type

    derived_birth: dt.date | None = None
    derived_gender = ""
    if "id_number" in present:
        number = idnumber.normalize(_text(raw, "id_number"))
        if not number:
            if id_type == IdType.RESIDENT_ID and not partial:
                out.error("id_number", _("ID number is required."))
            out.data["id_number"] = ""
        elif id_type == IdType.RESIDENT_ID:
            try:
                parsed = idnumber.parse(number, today=today, known_regions=codes.known_regions())
            except idnumber.IdNumberError as exc:
                out.error("id_number", str(exc))
            else:
                out.data["id_number"] = parsed.value
                derived_birth, derived_gender = parsed.birth_date, parsed.gender
                out.warnings.extend(parsed.warnings)
        else:
            if len(number) > 32:
                out.error("id_number", _("Document number is too long."))
            else:
                out.data["id_number"] = number

    if "birth_date" in present:
        try:
            birth = parse_date(raw.get("birth_date"))
        except (ValueError, OverflowError):
            out.error("birth_date", _("Birth date is not a date (use 2023-01-05)."))
            birth = None
        if birth and derived_birth and birth != derived_birth:
            out.error("birth_date", _("Birth date does not match the ID number."))
        if birth and birth > (today or dt.date.today()):  # noqa: DTZ011
            out.error("birth_date", _("Birth date is in the future."))
        if birth or derived_birth:
            out.data["birth_date"] = derived_birth or birth
        elif not partial and id_type != IdType.RESIDENT_ID:
            out.data["birth_date"] = None
    elif derived_birth:
        out.data["birth_date"] = derived_birth

    if "gender" in present:
        gender_text = _text(raw, "gender").lower()
        gender = GENDER_WORDS.get(gender_text, "") if gender_text else ""
        if gender_text and not gender:
            out.error("gender", _("Sex must be 男 or 女."))
        elif gender and derived_gender and gender != derived_gender:
            out.error("gender", _("Sex does not match the ID number."))
        out.data["gender"] = derived_gender or gender
    elif derived_gender:
        out.data["gender"] = derived_gender

    if "phone" in present:
        phone = normalize_phone(raw.get("phone"))
        if phone and not is_valid_phone(phone):
            out.error(
                "phone", _("Phone number is not valid (11-digit mobile or landline such as 0579-87654321).")
            )
        else:
            out.data["phone"] = phone

    for name, table in CODED_FIELDS.items():
        if name not in present:
            continue
        text = _text(raw, name)
        if not text:
            out.data[name] = ""
            continue
        try:
            out.data[name] = codes.resolve(table, text) or ""
        except codes.UnknownCode as exc:
            out.error(name, exc.message)

    if "residence_type" in present:
        text = _text(raw, "residence_type")
        found = _choice_lookup(ResidenceType, text, language) if text else ResidenceType.REGISTERED
        if found is None:
            out.error("residence_type", _("Unknown residence type."))
        else:
            out.data["residence_type"] = found

    for name, limit in (("hukou_address", 200), ("workplace", 200), ("notes", 2000)):
        if name in present:
            text = _text(raw, name)
            if len(text) > limit:
                out.error(name, _("Too long (at most %(n)d characters).") % {"n": limit})
            else:
                out.data[name] = text
    return out


_CREDIT_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_CREDIT_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


def is_valid_credit_code(code: str) -> bool:
    """A unified social credit code (GB 32100): 18 characters, the last a MOD 31 check character."""
    if len(code) != 18 or any(ch not in _CREDIT_CHARS for ch in code):
        return False
    total = sum(_CREDIT_CHARS.index(ch) * w for ch, w in zip(code[:17], _CREDIT_WEIGHTS, strict=True))
    return code[17] == _CREDIT_CHARS[(31 - total % 31) % 31]
