"""Text as people type it, made safe to store, compare and export (DESIGN rule 10).

`clean_text` is applied once at every entry point: the page forms (`core.forms.CleanTextMixin`),
the API's serializer fields (`core.api.CharField`), Open311's parameters, the import's cells and
the management commands that take text. It does two things:

- NFKC normalisation, so that what looks the same is the same: full-width digits and letters
  (`３３０７２３……Ｘ`, `１３８００１３８０００`, `ＡＢＣ`) become ASCII, the ideographic space a space.
  The full-width punctuation of Chinese prose (，：；！？（）～) and the ellipsis (…) are kept as
  typed: NFKC would turn `你好，世界！` into `你好,世界!` and `……` into `......`, changing how a
  resident's words read while gaining nothing for matching numbers and names.
- Control characters removed: C0 and C1 (ESC, NUL, ...), the byte-order mark, zero-width spaces
  and the bidirectional overrides that make text display differently from what it holds. A
  multi-line field keeps its line breaks (CR LF and CR become LF) and tabs; a single-line field
  turns them into a space.
"""

from __future__ import annotations

import re
import unicodedata

# Compatibility characters that NFKC would change but Chinese text writes on purpose.
KEPT_AS_TYPED = "，：；！？（）～…"
_KEPT = re.compile(f"([{re.escape(KEPT_AS_TYPED)}])")
# C0 and C1 controls (DEL included), the byte-order mark, zero-width space/non-joiner, the line
# and paragraph separators, and the bidirectional embeddings, overrides and isolates.
_INVISIBLE = "\x7f-\x9f\ufeff\u200b\u200c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069"
_CONTROL = re.compile(f"[\x00-\x1f{_INVISIBLE}]")
_CONTROL_BUT_LINES = re.compile(f"[\x00-\x08\x0b-\x1f{_INVISIBLE}]")  # keeps tab and LF
_LINE_BREAK = re.compile("\r\n?|[\x85\u2028\u2029]")
_BLANK = re.compile("[\t\n\r\x0b\x0c\x85\u2028\u2029]")


def normalize(text: str) -> str:
    """NFKC, except for the punctuation of Chinese prose (see the module's docstring)."""
    if text.isascii():
        return text
    return "".join(
        part if part and part in KEPT_AS_TYPED else unicodedata.normalize("NFKC", part)
        for part in _KEPT.split(text)
    )


def strip_controls(text: str, *, multiline: bool = False) -> str:
    """`text` without control characters; line breaks and tabs kept in a multi-line field."""
    if multiline:
        return _CONTROL_BUT_LINES.sub("", _LINE_BREAK.sub("\n", text))
    return _CONTROL.sub("", _BLANK.sub(" ", _LINE_BREAK.sub("\n", text)))


def clean_text(value: str, *, multiline: bool = False) -> str:
    """What a text field stores: NFKC-normalised (Chinese punctuation kept), without control
    characters. Whitespace at the ends is left to the field (forms and serializers trim it)."""
    return strip_controls(normalize(value), multiline=multiline)


def clean_value(value: object, *, multiline: bool = False) -> object:
    """`clean_text` for strings; anything else (numbers, dates, files, None) as it is."""
    return clean_text(value, multiline=multiline) if isinstance(value, str) else value
