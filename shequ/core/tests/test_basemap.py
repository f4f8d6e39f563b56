"""The base map presets (shequ.core.basemap) from settings to the Content-Security-Policy, and the
WGS 84 ⇄ GCJ-02 conversion in static/js/basemap.js against published reference pairs."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from shequ.core import basemap

KEY = "0123456789abcdef0123456789abcdef"
BASEMAP_JS = Path(__file__).resolve().parents[2] / "static" / "js" / "basemap.js"

# (WGS 84 lat, lng) → (GCJ-02 lat, lng): the reference pairs eviltransform and its ports test against.
REFERENCE = [
    ((31.1774276, 121.5272106), (31.17530398364597, 121.531541859215)),  # Shanghai
    ((22.543847, 113.912316), (22.540796131694766, 113.9171764808363)),  # Shenzhen
    ((39.911954, 116.377817), (39.91334545536069, 116.38404722455657)),  # Beijing
]


def test_default_is_tianditu_with_a_key_and_none_without() -> None:
    assert basemap.resolve("", tianditu_key=KEY).preset == "tianditu"
    assert basemap.resolve("").preset == "none"
    assert basemap.resolve("").layers == ()
    # The older single setting still works: any WGS 84 tile server.
    custom = basemap.resolve("", tile_url="https://{s}.tiles.example.org/{z}/{x}/{y}.png")
    assert (custom.preset, custom.datum) == ("custom", "wgs84")


def test_tianditu_draws_vector_and_annotation_layers_with_the_key_and_no_shift() -> None:
    base = basemap.resolve("tianditu", tianditu_key=KEY)
    assert base.datum == "wgs84"  # CGCS2000 is taken as WGS 84
    vec, cva = base.layers
    assert "/vec_w/wmts?" in vec.url and "LAYER=vec" in vec.url and "TILEMATRIXSET=w" in vec.url
    assert "/cva_w/wmts?" in cva.url and "LAYER=cva" in cva.url
    for layer in base.layers:
        assert f"tk={KEY}" in layer.url
        assert "TILEMATRIX={z}&TILEROW={y}&TILECOL={x}" in layer.url
        assert layer.url.startswith("https://t{s}.tianditu.gov.cn/")
        assert layer.subdomains == "01234567"
    assert base.csp_sources() == ["https://*.tianditu.gov.cn"]


@pytest.mark.parametrize(
    ("preset", "host"), [("gaode", "https://*.is.autonavi.com"), ("tencent", "https://*.map.gtimg.com")]
)
def test_gcj02_services_are_marked_for_conversion(preset: str, host: str) -> None:
    base = basemap.resolve(preset, tianditu_key=KEY)
    assert base.datum == "gcj02"
    assert base.csp_sources() == [host]
    assert "tianditu" not in json.dumps(base.as_json())  # a key set for another preset is not sent


def test_impossible_settings_are_refused() -> None:
    with pytest.raises(basemap.BaseMapError, match="SHEQU_TIANDITU_KEY"):
        basemap.resolve("tianditu")
    with pytest.raises(basemap.BaseMapError, match="SHEQU_MAP_TILE_URL"):
        basemap.resolve("custom")
    with pytest.raises(basemap.BaseMapError, match="baidu"):
        basemap.resolve("baidu")
    assert basemap.resolve(" Gaode ").preset == "gaode"


def _settings_in_a_fresh_process(**env: str) -> dict[str, object]:
    """Import the settings module with these environment variables, as a server would start."""
    code = (
        "import json, shequ.settings as s;"
        "print(json.dumps({'base': s.SHEQU_BASE_MAP.as_json(), 'img': s.SHEQU_CSP['img-src']}))"
    )
    clean = {k: v for k, v in os.environ.items() if not k.startswith("SHEQU_")}
    out = subprocess.run(
        [sys.executable, "-c", code],
        env={**clean, **env},
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_the_key_alone_turns_on_tianditu_and_only_its_host_enters_the_policy() -> None:
    found = _settings_in_a_fresh_process(SHEQU_TIANDITU_KEY=KEY)
    assert found["base"]["preset"] == "tianditu"  # type: ignore[index]
    assert found["img"] == ["'self'", "data:", "blob:", "https://*.tianditu.gov.cn"]

    found = _settings_in_a_fresh_process(SHEQU_TIANDITU_KEY=KEY, SHEQU_BASE_MAP="tencent")
    assert found["base"]["datum"] == "gcj02"  # type: ignore[index]
    assert found["img"] == ["'self'", "data:", "blob:", "https://*.map.gtimg.com"]

    found = _settings_in_a_fresh_process()
    assert found["base"] == {"preset": "none", "datum": "wgs84", "layers": []}
    assert found["img"] == ["'self'", "data:", "blob:"]


def _run_js(expression: str) -> object:
    node = shutil.which("node") or shutil.which("nodejs")
    if node is None:
        pytest.skip("node is not installed (the browser test evaluates the same functions)")
    script = f"const c = require({json.dumps(str(BASEMAP_JS))}); console.log(JSON.stringify({expression}));"
    out = subprocess.run([node, "-e", script], capture_output=True, text=True, check=True, timeout=30)
    return json.loads(out.stdout)


@pytest.mark.parametrize(("wgs", "gcj"), REFERENCE)
def test_wgs84_to_gcj02_and_back_match_the_reference_pairs(
    wgs: tuple[float, float], gcj: tuple[float, float]
) -> None:
    shifted, back = _run_js(f"[c.wgs84ToGcj02({wgs[0]}, {wgs[1]}), c.gcj02ToWgs84({gcj[0]}, {gcj[1]})]")  # type: ignore[misc]
    assert shifted == pytest.approx(gcj, abs=1e-9)
    assert back == pytest.approx(wgs, abs=1e-8)  # well under a millimetre


def test_outside_china_nothing_is_shifted() -> None:
    assert _run_js("[c.wgs84ToGcj02(51.5, -0.12), c.gcj02ToWgs84(51.5, -0.12)]") == [
        [51.5, -0.12],
        [51.5, -0.12],
    ]
