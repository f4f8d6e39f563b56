"""Copy the dist files of the npm packages into shequ/static/vendor (no build step)."""

import shutil
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NODE = ROOT / "node_modules"
VENDOR = ROOT / "shequ" / "static" / "vendor"
FILES = {
    "htmx.org/dist/htmx.min.js": "htmx.min.js",
    # Alpine's CSP build: evaluates directives without `new Function`, so the policy needs no
    # 'unsafe-eval' (docs/security.md).
    "@alpinejs/csp/dist/cdn.min.js": "alpine-csp.min.js",
    "leaflet/dist/leaflet.js": "leaflet/leaflet.js",
    "leaflet/dist/leaflet.css": "leaflet/leaflet.css",
    "leaflet/dist/images": "leaflet/images",
    "echarts/dist/echarts.min.js": "echarts.min.js",
}

for src, dst in FILES.items():
    source, target = NODE / src, VENDOR / dst
    target.parent.mkdir(parents=True, exist_ok=True)
    if source.is_dir():
        shutil.copytree(source, target, dirs_exist_ok=True)
    else:
        shutil.copy2(source, target)
print(f"vendor files copied to {VENDOR.relative_to(ROOT)}")
