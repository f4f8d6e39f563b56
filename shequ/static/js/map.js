/* The grid map: GeoJSON layers of the user's scope over the configured base map (basemap.js). */
(function () {
  "use strict";

  function esc(text) {
    var div = document.createElement("div");
    div.textContent = text == null ? "" : String(text);
    return div.innerHTML;
  }

  function start() {
    var el = document.getElementById("map");
    if (!el || !window.L) { return; }
    var L = window.L;
    var map = L.map(el, { preferCanvas: false, zoomSnap: 0.25, attributionControl: false });
    var base = window.shequBaseMap.attach(map, el);
    map.setView([30, 120], 5);

    var styles = {
      community: { color: "#c8372d", weight: 2.5, fillColor: "#c8372d", fillOpacity: 0.04, dashArray: "6 4" },
      grid: { color: "#2563eb", weight: 1.5, fillColor: "#3b82f6", fillOpacity: 0.12 },
      micro_grid: { color: "#059669", weight: 1, fillColor: "#10b981", fillOpacity: 0.18 }
    };

    function layer(collection, kind) {
      return base.geoJSON(collection, {
        style: function () { return styles[kind]; },
        onEachFeature: function (feature, lyr) {
          var p = feature.properties || {};
          var html = '<div class="map-popup"><h4>' + esc(p.name) + '</h4><p class="mono">' + esc(p.code) + "</p>";
          if (p.url) { html += '<a href="' + esc(p.url) + '">' + esc(el.getAttribute("data-l-open")) + " →</a>"; }
          lyr.bindPopup(html + "</div>");
          lyr.shequLabel = esc(p.name);
          lyr.bindTooltip(lyr.shequLabel, { sticky: true, direction: "top" });
        }
      });
    }

    // Names stay on the map only where they fit: community names when a whole county is in view,
    // grid names once the user has zoomed in (or when there are few grids).
    function permanentLabels(group, on) {
      group.eachLayer(function (lyr) {
        lyr.unbindTooltip();
        lyr.bindTooltip(lyr.shequLabel, on
          ? { permanent: true, direction: "center", className: "map-label" }
          : { sticky: true, direction: "top" });
      });
    }

    fetch(el.getAttribute("data-url"), { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (r) { if (!r.ok) { throw new Error(r.status); } return r.json(); })
      .then(function (data) {
        var overlays = {};
        var communities = layer(data.communities, "community");
        var grids = layer(data.grids, "grid");
        var micro = layer(data.micro_grids, "micro_grid");
        overlays[el.getAttribute("data-l-communities")] = communities.addTo(map);
        overlays[el.getAttribute("data-l-grids")] = grids.addTo(map);
        overlays[el.getAttribute("data-l-micro")] = micro.addTo(map);
        L.control.layers(null, overlays, { collapsed: false }).addTo(map);
        L.control.scale({ imperial: false }).addTo(map);
        var bounds = L.featureGroup([communities, grids, micro]).getBounds();
        if (bounds.isValid()) {
          map.fitBounds(bounds, { padding: [20, 20] });
          var overview = map.getZoom();
          var few = grids.getLayers().length <= 30;
          var relabel = function () {
            var close = few || map.getZoom() >= overview + 2;
            permanentLabels(grids, close);
            permanentLabels(communities, !close);
          };
          relabel();
          map.on("zoomend", relabel);
        } else {
          var note = L.control({ position: "topright" });
          note.onAdd = function () {
            var d = L.DomUtil.create("div", "alert alert-info");
            d.textContent = el.getAttribute("data-l-empty");
            return d;
          };
          note.addTo(map);
        }
        el.setAttribute("data-loaded", "1");
      })
      .catch(function (err) { el.setAttribute("data-error", String(err)); });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
