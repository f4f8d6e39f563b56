/* Cases, staff side: the report form's place (a building found by typing, a grid or community, or
   a point on the map) and the map on a case page. Loaded (deferred) before Alpine, from the pages'
   head block; Leaflet is loaded before it where a map is drawn. */
(function () {
  "use strict";

  var POINT = { radius: 9, color: "#fff", weight: 2, fillColor: "#c8372d", fillOpacity: 1 };
  var OUTLINES = {
    community: { color: "#c8372d", weight: 2, fillOpacity: 0.03, dashArray: "6 4" },
    grid: { color: "#2563eb", weight: 1.5, fillColor: "#3b82f6", fillOpacity: 0.1 }
  };

  /* cases/new.html: x-data="caseReport" on the form; data-mode, data-building-id and
     data-building-label carry what the form came back with. */
  document.addEventListener("alpine:init", function () {
    window.Alpine.data("caseReport", function () {
      var map = null, marker = null;  // Leaflet objects stay out of Alpine's reactive state
      return {
        mode: "building",
        buildingId: "",
        buildingLabel: "",
        lat: "",
        lon: "",
        init: function () {
          var form = this.$el;
          this.mode = form.getAttribute("data-mode") || "building";
          this.buildingId = form.getAttribute("data-building-id") || "";
          this.buildingLabel = form.getAttribute("data-building-label") || "";
          this.lat = form.querySelector("input[name=latitude]").value;
          this.lon = form.querySelector("input[name=longitude]").value;
          if (this.mode === "map") { this.$nextTick(this.startMap.bind(this)); }
        },
        isMode: function (mode) { return this.mode === mode; },
        modeClass: function (mode) { return { active: this.mode === mode }; },
        get noBuilding() { return !this.buildingId; },
        get noPoint() { return !this.lat; },
        get point() { return this.lat + ", " + this.lon; },
        setMode: function (mode) {
          this.mode = mode;
          if (mode === "map") { this.$nextTick(this.startMap.bind(this)); }
        },
        pick: function (el) {
          this.buildingId = el.getAttribute("data-id");
          this.buildingLabel = el.getAttribute("data-label");
        },
        clearBuilding: function () {
          this.buildingId = "";
          this.buildingLabel = "";
        },
        startMap: function () {
          var self = this, el = document.getElementById("report-map");
          if (!window.L || !el) { return; }
          if (map) { map.invalidateSize(); return; }
          var L = window.L;
          map = L.map(el, { attributionControl: false, zoomSnap: 0.25 });
          var base = window.shequBaseMap.attach(map, el);
          map.setView([30, 120], 5);
          // `latlng` is WGS 84, as stored; the base map may draw it elsewhere (GCJ-02).
          var put = function (latlng) {
            self.lat = latlng.lat.toFixed(6);
            self.lon = latlng.lng.toFixed(6);
            var shown = base.toMap(latlng);
            if (marker) { marker.setLatLng(shown); } else { marker = L.circleMarker(shown, POINT).addTo(map); }
          };
          map.on("click", function (e) { put(base.fromMap(e.latlng)); });
          fetch(el.dataset.url, { credentials: "same-origin", headers: { "Accept": "application/json" } })
            .then(function (r) { return r.ok ? r.json() : null; })
            .then(function (data) {
              if (data) {
                var layers = [
                  base.geoJSON(data.communities, { style: OUTLINES.community, interactive: false }),
                  base.geoJSON(data.grids, { style: OUTLINES.grid, interactive: false })
                ];
                layers.forEach(function (l) { l.addTo(map); });
                var bounds = L.featureGroup(layers).getBounds();
                if (bounds.isValid()) { map.fitBounds(bounds, { padding: [10, 10] }); }
              }
              if (self.lat && self.lon) { put(L.latLng(parseFloat(self.lat), parseFloat(self.lon))); }
              el.setAttribute("data-loaded", "1");
            })
            .catch(function (err) { el.setAttribute("data-error", String(err)); });
        }
      };
    });
  });

  /* cases/detail.html: the case's point and its grid's outline, from json_script blocks. */
  function caseMap() {
    var el = document.getElementById("case-map");
    if (!el || !window.L) { return; }
    var L = window.L;
    var point = JSON.parse(document.getElementById("case-point").textContent);
    var boundary = JSON.parse(document.getElementById("case-boundary").textContent);
    var map = L.map(el, { attributionControl: false, zoomSnap: 0.25 });
    var base = window.shequBaseMap.attach(map, el);
    point = base.toMap(point);
    var bounds = L.latLngBounds([point, point]);
    var grid = boundary ? base.geoJSON(boundary, { style: OUTLINES.grid }) : null;
    if (grid) { bounds.extend(grid.getBounds()); }
    // The view first, the layers after: a polygon added to a map without a view fails in Leaflet
    // (_clipPoints reads the renderer's bounds before they exist), which left this map blank.
    map.fitBounds(bounds.pad(0.2), { maxZoom: 17 });
    if (grid) { grid.addTo(map); }
    L.circleMarker(point, { radius: 8, color: "#fff", weight: 2, fillColor: "#c8372d", fillOpacity: 1 }).addTo(map);
    el.setAttribute("data-loaded", "1");
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", caseMap);
  } else {
    caseMap();
  }
})();
