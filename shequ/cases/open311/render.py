"""Open311 bodies in JSON and XML from one description (the spec's "Spark convention"), and errors.

A body is a list of dicts (its XML root names the list, each dict becomes an item element) or a dict
(the root element's children). Empty values are `null` in JSON and empty elements in XML, as in the
spec's examples.
"""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from typing import Any

from django.http import HttpRequest, HttpResponse

FORMATS = {"json": "application/json; charset=utf-8", "xml": "text/xml; charset=utf-8"}
# The element name of one item of each list the spec defines.
ITEMS = {
    "services": "service",
    "service_requests": "request",
    "errors": "error",
    "endpoints": "endpoint",
    "formats": "format",
    "attributes": "attribute",
    "values": "value",
}
# Characters XML 1.0 cannot carry at all; a description typed with them must still give valid XML.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


class Open311Error(Exception):
    """A request Open311 refuses: the HTTP status (404 missing, 403 key, 400 anything else) and
    one or more descriptions a person can read."""

    def __init__(self, status: int, *descriptions: Any, headers: dict[str, str] | None = None) -> None:
        super().__init__(status, *descriptions)
        self.status = status
        self.descriptions = [str(d) for d in descriptions]
        self.headers = headers or {}


def negotiate(request: HttpRequest) -> str:
    """The format for a body when the URL did not name a usable one: JSON if asked for, else XML
    (the format every GeoReport client must read)."""
    return "json" if "json" in request.headers.get("Accept", "") else "xml"


def render(data: Any, root: str, fmt: str, *, status: int = 200) -> HttpResponse:
    if fmt == "json":
        body = json.dumps(_json(data), ensure_ascii=False)
    else:
        element = ET.Element(root)
        _fill(element, root, data)
        ET.indent(element)  # readable with curl; parsers ignore the whitespace between elements
        body = '<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(element, encoding="unicode")
    return HttpResponse(body.encode(), status=status, content_type=FORMATS[fmt])


def render_error(error: Open311Error, fmt: str) -> HttpResponse:
    items = [{"code": error.status, "description": d} for d in error.descriptions]
    response = render(items, "errors", fmt, status=error.status)
    for name, value in error.headers.items():
        response[name] = value
    return response


def _json(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _json(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_json(v) for v in value]
    return None if value == "" else value


def _fill(element: ET.Element, name: str, value: Any) -> None:
    if isinstance(value, dict):
        for key, child in value.items():
            _fill(ET.SubElement(element, key), key, child)
    elif isinstance(value, list):
        for child in value:
            _fill(ET.SubElement(element, ITEMS[name]), ITEMS[name], child)
    elif value is None:
        return
    elif isinstance(value, bool):
        element.text = "true" if value else "false"
    else:
        element.text = _NOT_XML.sub("", str(value))
