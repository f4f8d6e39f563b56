"""Template context every page may use."""

from __future__ import annotations

import json
from typing import Any

from django.conf import settings
from django.http import HttpRequest


def base_map(request: HttpRequest) -> dict[str, Any]:
    """The configured base map as JSON, for a map element's data-base attribute (static/js/basemap.js)."""
    return {"base_map_json": json.dumps(settings.SHEQU_BASE_MAP.as_json(), ensure_ascii=False)}
