"""`{{ text|mask_numbers }}`: ID and mobile numbers typed into free text, masked as on screen."""

from __future__ import annotations

from django import template

from shequ.core.masking import mask_numbers_in_text

register = template.Library()


@register.filter
def mask_numbers(text: object) -> str:
    """Free text (a description, a note) with every ID and mobile number masked; escaping stays
    with the template, so this goes before linebreaksbr or truncatechars."""
    return mask_numbers_in_text(str(text or ""))
