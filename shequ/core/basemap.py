"""The base map under every Leaflet map, chosen by configuration (docs/configuration.md, ADR 0010).

A preset names a tile service and the datum its tiles are drawn in. Stored coordinates are always
WGS 84; for a GCJ-02 service (高德, 腾讯) the browser shifts what it draws and un-shifts a point the
user picks, in one place: static/js/basemap.js. 天地图 is CGCS2000, which is WGS 84 to within a
metre, so it needs no conversion. With no tile service (`none`), or when the tiles do not load, the
maps draw a base layer from shequ's own buildings and area names.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

WGS84 = "wgs84"
GCJ02 = "gcj02"

TIANDITU = "tianditu"
GAODE = "gaode"
TENCENT = "tencent"
CUSTOM = "custom"
NONE = "none"
PRESETS = (TIANDITU, GAODE, TENCENT, CUSTOM, NONE)

_TIANDITU = (
    "https://t{s}.tianditu.gov.cn/{layer}_w/wmts?SERVICE=WMTS&REQUEST=GetTile&VERSION=1.0.0"
    "&LAYER={layer}&STYLE=default&TILEMATRIXSET=w&FORMAT=tiles&TILEMATRIX={z}&TILEROW={y}&TILECOL={x}"
    "&tk={key}"
)
_GAODE = "https://webrd0{s}.is.autonavi.com/appmaptile?lang=zh_cn&size=1&scale=1&style=8&x={x}&y={y}&z={z}"
# Tencent numbers tile rows from the south (TMS); Leaflet fills {-y} for that.
_TENCENT = "https://rt{s}.map.gtimg.com/tile?z={z}&x={x}&y={-y}&styleid=1000&scene=0&version=347"


class BaseMapError(ValueError):
    """A map setting that cannot work (an unknown preset, 天地图 without its key)."""


@dataclass(frozen=True)
class TileLayer:
    url: str
    subdomains: str = ""
    max_zoom: int = 18
    attribution: str = ""

    def as_json(self) -> dict[str, Any]:
        return {
            "url": self.url,
            "subdomains": self.subdomains,
            "maxZoom": self.max_zoom,
            "attribution": self.attribution,
        }


@dataclass(frozen=True)
class BaseMap:
    preset: str
    datum: str = WGS84
    layers: tuple[TileLayer, ...] = ()

    def as_json(self) -> dict[str, Any]:
        """What static/js/basemap.js reads from a map element's data-base attribute."""
        return {"preset": self.preset, "datum": self.datum, "layers": [t.as_json() for t in self.layers]}

    def csp_sources(self) -> list[str]:
        """The img-src sources the tiles need: only this preset's hosts."""
        sources: list[str] = []
        for layer in self.layers:
            source = tile_source(layer.url)
            if source and source not in sources:
                sources.append(source)
        return sources


def tile_source(url_template: str) -> str | None:
    """The CSP source for a Leaflet tile URL: `https://t{s}.tianditu.gov.cn/...` → `https://*.tianditu.gov.cn`."""
    if not url_template:
        return None
    parts = urlsplit(url_template)
    if not parts.scheme or not parts.netloc:
        return None  # a relative URL: tiles come from this site, which 'self' already allows
    labels = parts.netloc.split(".")
    if "{s}" in labels[0]:
        labels[0] = "*"  # the subdomain placeholder, whatever surrounds it (t{s}, webrd0{s}, {s})
    return f"{parts.scheme}://{'.'.join(labels)}"


def resolve(preset: str = "", *, tianditu_key: str = "", tile_url: str = "") -> BaseMap:
    """The base map for the settings. An empty preset means: 天地图 when its key is set, else the
    custom tile URL when one is set, else none."""
    preset = (preset or "").strip().lower()
    if not preset:
        preset = TIANDITU if tianditu_key else CUSTOM if tile_url else NONE
    if preset == TIANDITU:
        if not tianditu_key:
            raise BaseMapError("SHEQU_BASE_MAP=tianditu needs SHEQU_TIANDITU_KEY")
        # Vector streets, then the annotation layer (names) over them. CGCS2000 is WGS 84 to within
        # a metre: no conversion.
        layers = tuple(
            TileLayer(
                _TIANDITU.replace("{layer}", name).replace("{key}", tianditu_key), "01234567", 18, "© 天地图"
            )
            for name in ("vec", "cva")
        )
        return BaseMap(TIANDITU, WGS84, layers)
    if preset == GAODE:
        return BaseMap(GAODE, GCJ02, (TileLayer(_GAODE, "1234", 18, "© 高德地图"),))
    if preset == TENCENT:
        return BaseMap(TENCENT, GCJ02, (TileLayer(_TENCENT, "0123", 18, "© 腾讯地图"),))
    if preset == CUSTOM:
        if not tile_url:
            raise BaseMapError("SHEQU_BASE_MAP=custom needs SHEQU_MAP_TILE_URL")
        return BaseMap(CUSTOM, WGS84, (TileLayer(tile_url, "", 19),))
    if preset == NONE:
        return BaseMap(NONE)
    raise BaseMapError(f"SHEQU_BASE_MAP must be one of {', '.join(PRESETS)}, not {preset!r}")
