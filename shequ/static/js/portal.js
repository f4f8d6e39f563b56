/* The resident portal's behaviours (cases/portal/*.html). Loaded (deferred) before Alpine's CSP
   build, which runs only components registered here: the templates hold no script and no logic
   (docs/security.md). */
(function () {
  "use strict";

  function esc(text) {
    var div = document.createElement("div");
    div.textContent = text == null ? "" : String(text);
    return div.innerHTML;
  }

  var PIN = '<svg viewBox="0 0 24 24" width="34" height="34"><path d="M12 23s9-6 9-13a9 9 0 0 0-18 0c0 7 9 13 9 13z" fill="#c8372d" stroke="#fff" stroke-width="1.5"/><circle cx="12" cy="10" r="3.2" fill="#fff"/></svg>';

  document.addEventListener("alpine:init", function () {
    /* The report form: photo previews, the address search result chosen, or a point tapped on a
       map of the community and grid outlines over the base map (basemap.js). What
       the form came back with is in the json_script block #place-data; the photo limit in
       data-max-photos. */
    window.Alpine.data("portalReport", function () {
      var map = null, marker = null, base = null;  // Leaflet objects stay out of Alpine's reactive state

      /* `latlng` is WGS 84, as stored; the base map may draw it elsewhere (GCJ-02). */
      function place(latlng) {
        if (!map) { return; }
        latlng = base.toMap(latlng);
        if (marker) { marker.setLatLng(latlng); return; }
        var icon = window.L.divIcon({ className: "p-pin", html: PIN, iconSize: [34, 34], iconAnchor: [17, 33] });
        marker = window.L.marker(latlng, { icon: icon, interactive: false, keyboard: false }).addTo(map);
      }

      function unplace() {
        if (marker && map) { map.removeLayer(marker); }
        marker = null;
      }

      function drawMap(state) {
        var L = window.L, el = document.getElementById("portal-map");
        if (!L || !el) { return; }
        if (map) { map.invalidateSize(); return; }
        map = L.map(el, { zoomSnap: 0.25, attributionControl: false, tap: true });
        base = window.shequBaseMap.attach(map, el);
        map.setView([30, 120], 5);
        map.on("click", function (e) {
          var picked = base.fromMap(e.latlng);
          state.lat = picked.lat.toFixed(6);
          state.lng = picked.lng.toFixed(6);
          state.building = "";
          state.address = "";
          place(picked);
        });
        fetch(el.getAttribute("data-url"), { headers: { "Accept": "application/json" } })
          .then(function (r) { if (!r.ok) { throw new Error(r.status); } return r.json(); })
          .then(function (data) {
            var grids = base.geoJSON(data.grids, {
              interactive: false,
              style: function () { return { color: "#2563eb", weight: 1, fillColor: "#3b82f6", fillOpacity: 0.08 }; }
            }).addTo(map);
            var communities = base.geoJSON(data.communities, {
              interactive: false,
              style: function () { return { color: "#c8372d", weight: 2, fill: false, dashArray: "6 4" }; },
              onEachFeature: function (feature, layer) {
                layer.bindTooltip(esc((feature.properties || {}).name), { permanent: true, direction: "center", className: "p-map-label" });
              }
            }).addTo(map);
            var bounds = L.featureGroup([grids, communities]).getBounds();
            if (bounds.isValid()) { map.fitBounds(bounds, { padding: [12, 12] }); }
            if (state.lat && state.lng) { place(L.latLng(+state.lat, +state.lng)); }
            el.setAttribute("data-loaded", "1");
          })
          .catch(function (err) { el.setAttribute("data-error", String(err)); });
      }

      return {
        tab: "search",
        building: "",
        address: "",
        lat: "",
        lng: "",
        previews: [],
        maxPhotos: 0,
        sending: false,
        init: function () {
          var initial = JSON.parse(document.getElementById("place-data").textContent);
          this.building = String(initial.building || "");
          this.address = initial.address || "";
          this.lat = initial.lat || "";
          this.lng = initial.lng || "";
          this.maxPhotos = parseInt(this.$el.getAttribute("data-max-photos"), 10) || 0;
          if (this.lat) { this.showMap(); }
        },
        isTab: function (name) { return this.tab === name; },
        tabClass: function (name) { return { on: this.tab === name }; },
        get searching() { return this.tab === "search" && !this.building; },
        get noPoint() { return !this.lat; },
        get point() { return this.lat + ", " + this.lng; },
        get hasPreviews() { return this.previews.length > 0; },
        get noPreviews() { return this.previews.length === 0; },
        get tooManyPhotos() { return this.maxPhotos > 0 && this.previews.length > this.maxPhotos; },
        get notSending() { return !this.sending; },
        showSearch: function () { this.tab = "search"; },
        showMap: function () {
          this.tab = "map";
          var self = this;
          this.$nextTick(function () { drawMap(self); });
        },
        pick: function (el) {
          this.building = String(el.getAttribute("data-id"));
          this.address = el.getAttribute("data-address");
          this.lat = "";
          this.lng = "";
          unplace();
        },
        changePlace: function () {
          this.building = "";
          this.address = "";
          this.lat = "";
          this.lng = "";
          unplace();
          this.tab = "search";
        },
        onPhotos: function (event) {
          this.previews.forEach(function (p) { URL.revokeObjectURL(p.url); });
          this.previews = Array.prototype.map.call(event.target.files || [], function (f) {
            return { url: URL.createObjectURL(f), name: f.name, image: /^image\//.test(f.type) };
          });
        },
        send: function () { this.sending = true; }
      };
    });

    /* The evaluation on a case page: the face chosen is marked, and "unsatisfied" says what follows. */
    window.Alpine.data("portalEvaluate", function () {
      return {
        choice: "",
        init: function () { this.choice = this.$el.getAttribute("data-choice") || ""; },
        rateClass: function (value) { return { on: this.choice === value }; },
        get unsatisfied() { return this.choice === "unsatisfied"; }
      };
    });
  });

  /* A form sent back with errors: bring the first marked field into view (the summary is at the top).
     After Alpine has shown and hidden the parts of the form (this file is deferred, so the event is
     still to come). */
  document.addEventListener("DOMContentLoaded", function () {
    var first = document.querySelector(".p-has-error, #location-errors");
    if (first) { first.scrollIntoView({ block: "center" }); }
  });
})();
