/* registry/grid_detail.html: the grid's boundary and its micro-grids on a small map, drawn as the
   grid map draws them (same colours), from a json_script block. */
(function () {
  "use strict";

  function gridMap() {
    var el = document.getElementById("grid-map");
    if (!el || !window.L || !window.shequBaseMap) { return; }
    var L = window.L;
    var data = JSON.parse(document.getElementById("grid-boundaries").textContent);
    var map = L.map(el, { attributionControl: false, zoomSnap: 0.25 });
    // The configured base map (or shequ's own buildings and roads), converted in one place.
    var base = window.shequBaseMap.attach(map, el);
    var grid = base.geoJSON(data.grid, {
      style: { color: "#2563eb", weight: 2, fillColor: "#3b82f6", fillOpacity: 0.12 }
    });
    var micro = base.geoJSON(data.micro_grids, {
      style: { color: "#059669", weight: 1, fillColor: "#10b981", fillOpacity: 0.18 }
    });
    // The view first, the layers after (Leaflet cannot clip a polygon on a map without a view).
    map.fitBounds(grid.getBounds().pad(0.1), { maxZoom: 18 });
    grid.addTo(map);
    micro.addTo(map);
    L.control.scale({ imperial: false }).addTo(map);
    el.setAttribute("data-loaded", "1");
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", gridMap);
  } else {
    gridMap();
  }
})();
