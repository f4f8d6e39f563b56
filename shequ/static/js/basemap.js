/* The base map under every Leaflet map (ADR 0010), loaded after Leaflet and before the page's own
   script. The configured tile service comes from the map element's data-base attribute (set from
   settings.SHEQU_BASE_MAP); data-base-url names the GeoJSON of shequ's own buildings and area
   names, drawn when there is no tile service or its tiles do not load.

   Stored coordinates are WGS 84. A GCJ-02 service (高德, 腾讯) draws China shifted by a few hundred
   metres, so what is drawn on it is shifted the same way (toMap) and a point the user picks is
   shifted back (fromMap). This file is the only place that conversion happens. */
(function (root) {
  "use strict";

  // GCJ-02 as published (Krasovsky 1940 ellipsoid); the same formulas as eviltransform.
  var A = 6378245.0;
  var EE = 0.00669342162296594323;

  function outOfChina(lat, lng) {
    return lng < 72.004 || lng > 137.8347 || lat < 0.8293 || lat > 55.8271;
  }

  function transform(x, y) {
    var xy = x * y, absX = Math.sqrt(Math.abs(x)), xPi = x * Math.PI, yPi = y * Math.PI;
    var d = 20.0 * Math.sin(6.0 * xPi) + 20.0 * Math.sin(2.0 * xPi);
    var lat = d, lng = d;
    lat += 20.0 * Math.sin(yPi) + 40.0 * Math.sin(yPi / 3.0);
    lng += 20.0 * Math.sin(xPi) + 40.0 * Math.sin(xPi / 3.0);
    lat += 160.0 * Math.sin(yPi / 12.0) + 320 * Math.sin(yPi / 30.0);
    lng += 150.0 * Math.sin(xPi / 12.0) + 300.0 * Math.sin(xPi / 30.0);
    lat *= 2.0 / 3.0;
    lng *= 2.0 / 3.0;
    lat += -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * xy + 0.2 * absX;
    lng += 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * xy + 0.1 * absX;
    return [lat, lng];
  }

  function delta(lat, lng) {
    var d = transform(lng - 105.0, lat - 35.0);
    var radLat = lat / 180.0 * Math.PI;
    var magic = Math.sin(radLat);
    magic = 1 - EE * magic * magic;
    var sqrtMagic = Math.sqrt(magic);
    return [
      (d[0] * 180.0) / ((A * (1 - EE)) / (magic * sqrtMagic) * Math.PI),
      (d[1] * 180.0) / (A / sqrtMagic * Math.cos(radLat) * Math.PI)
    ];
  }

  /* WGS 84 → GCJ-02: [lat, lng] in, [lat, lng] out. Outside China the two are the same. */
  function wgs84ToGcj02(lat, lng) {
    if (outOfChina(lat, lng)) { return [lat, lng]; }
    var d = delta(lat, lng);
    return [lat + d[0], lng + d[1]];
  }

  /* GCJ-02 → WGS 84, by iteration to well under a millimetre (the shift has no closed inverse). */
  function gcj02ToWgs84(lat, lng) {
    if (outOfChina(lat, lng)) { return [lat, lng]; }
    var wLat = lat, wLng = lng;
    for (var i = 0; i < 30; i++) {
      var g = wgs84ToGcj02(wLat, wLng);
      var dLat = lat - g[0], dLng = lng - g[1];
      wLat += dLat;
      wLng += dLng;
      if (Math.abs(dLat) < 1e-10 && Math.abs(dLng) < 1e-10) { break; }
    }
    return [wLat, wLng];
  }

  var coords = { wgs84ToGcj02: wgs84ToGcj02, gcj02ToWgs84: gcj02ToWgs84, outOfChina: outOfChina };
  if (typeof module !== "undefined" && module.exports) { module.exports = coords; }  // the unit test (node)
  if (!root || !root.document) { return; }

  function esc(text) {
    var div = root.document.createElement("div");
    div.textContent = text == null ? "" : String(text);
    return div.innerHTML;
  }

  function readConfig(el) {
    try { return JSON.parse(el.getAttribute("data-base") || "{}"); } catch (e) { return {}; }
  }

  /* Sets up the base of the Leaflet map `map` drawn in `el`; returns what the page's script uses to
     place WGS 84 things on it and read picked points back. */
  function attach(map, el) {
    var L = root.L;
    var cfg = readConfig(el);
    var shifted = cfg.datum === "gcj02";
    var own = null;

    function toMap(latlng) {
      var ll = L.latLng(latlng);
      if (!shifted) { return ll; }
      var c = wgs84ToGcj02(ll.lat, ll.lng);
      return L.latLng(c[0], c[1]);
    }

    function fromMap(latlng) {
      var ll = L.latLng(latlng);
      if (!shifted) { return ll; }
      var c = gcj02ToWgs84(ll.lat, ll.lng);
      return L.latLng(c[0], c[1]);
    }

    /* L.geoJSON for WGS 84 GeoJSON, drawn where the base map has it. */
    function geoJSON(data, options) {
      var opts = L.extend({}, options || {});
      if (shifted) { opts.coordsToLatLng = function (c) { return toMap([c[1], c[0]]); }; }
      return L.geoJSON(data, opts);
    }

    function drawOwn() {
      if (own) { return; }
      own = true;
      el.classList.add("base-own");
      var url = el.getAttribute("data-base-url");
      if (!url) { return; }
      fetch(url, { credentials: "same-origin", headers: { "Accept": "application/json" } })
        .then(function (r) { if (!r.ok) { throw new Error(r.status); } return r.json(); })
        .then(function (data) { own = ownLayer(map, el, data, toMap); })
        .catch(function (err) { el.setAttribute("data-base-error", String(err)); });
    }

    var layers = cfg.layers || [];
    if (layers.length) {
      var failed = 0, loaded = 0;
      layers.forEach(function (t) {
        var opts = { maxZoom: t.maxZoom || 18, attribution: t.attribution || "" };
        if (t.subdomains) { opts.subdomains = t.subdomains; }
        var tiles = L.tileLayer(t.url, opts).addTo(map);
        tiles.on("tileload", function () { loaded++; });
        // No network or a wrong key: the map still needs something under it.
        tiles.on("tileerror", function () { if (++failed >= 4 && !loaded) { drawOwn(); } });
      });
      if (layers.some(function (t) { return t.attribution; })) {
        L.control.attribution({ prefix: false }).addTo(map);
      }
      el.setAttribute("data-base-preset", cfg.preset || "");
    } else {
      el.setAttribute("data-base-preset", "none");
      drawOwn();
    }
    var api = { map: map, config: cfg, toMap: toMap, fromMap: fromMap, geoJSON: geoJSON };
    el.shequBase = api;  // for the browser tests
    return api;
  }

  var MAX_LABELS = 300;  // building names drawn at once; more would hide each other and the map

  /* shequ's own base layer: roads with their names, building dots with their names when zoomed in,
     estate names at the middle of their buildings, community and grid names. */
  function ownLayer(map, el, data, toMap) {
    var L = root.L;
    // Names under the page's own overlays (a case's point, a picked pin), as on a printed base map.
    if (!map.getPane("baseLabels")) { map.createPane("baseLabels").style.zIndex = 350; }
    if (!map.getPane("baseRoads")) { map.createPane("baseRoads").style.zIndex = 300; }
    var renderer = L.canvas({ padding: 0.3 });

    // Roads: a white band with a darker edge, as on a paper street map, under everything else.
    var roadRenderer = L.svg({ pane: "baseRoads" });
    var roads = [];
    ((data.roads || {}).features || []).forEach(function (f) {
      var latlngs = f.geometry.coordinates.map(function (c) { return toMap([c[1], c[0]]); });
      L.polyline(latlngs, { renderer: roadRenderer, interactive: false, color: "#cfc6b4", weight: 9, lineCap: "butt" }).addTo(map);
      L.polyline(latlngs, { renderer: roadRenderer, interactive: false, color: "#ffffff", weight: 6, lineCap: "butt" }).addTo(map);
      var a = latlngs[0], b = latlngs[latlngs.length - 1];
      roads.push({ latlng: L.latLng((a.lat + b.lat) / 2, (a.lng + b.lng) / 2), name: (f.properties || {}).name || "" });
    });
    var dots = L.layerGroup().addTo(map);
    var buildings = ((data.buildings || {}).features || []).map(function (f) {
      var c = f.geometry.coordinates, p = f.properties || {};
      return { latlng: toMap([c[1], c[0]]), name: p.name || "", estate: p.estate || "", url: p.url || "" };
    });
    var estates = {};
    buildings.forEach(function (b) {
      var marker = L.circleMarker(b.latlng, {
        renderer: renderer, radius: 4, weight: 1, color: "#6b7280", fillColor: "#d6cfc2", fillOpacity: 1
      });
      if (b.url) { marker.bindPopup('<a href="' + esc(b.url) + '">' + esc(b.estate + " " + b.name) + "</a>"); }
      marker.addTo(dots);
      if (b.estate) {
        var e = estates[b.estate] || (estates[b.estate] = { lat: 0, lng: 0, n: 0 });
        e.lat += b.latlng.lat; e.lng += b.latlng.lng; e.n++;
      }
    });

    function label(latlng, text, cls) {
      return L.marker(latlng, {
        interactive: false, keyboard: false, pane: "baseLabels",
        icon: L.divIcon({ className: "base-label " + cls, html: "<span>" + esc(text) + "</span>", iconSize: null })
      });
    }

    var names = L.layerGroup().addTo(map);
    // A page that writes area names itself (the grid map, the portal's picker) says data-base-areas="off".
    var allAreas = (data.areas || {}).features || [];
    var areas = el.getAttribute("data-base-areas") === "off" ? [] : allAreas;
    areas.forEach(function (f) {
      var c = f.geometry.coordinates, p = f.properties || {};
      label(toMap([c[1], c[0]]), p.name, "base-" + (p.kind || "area")).addTo(names);
    });
    var estateNames = L.layerGroup().addTo(map);
    Object.keys(estates).forEach(function (name) {
      var e = estates[name];
      label([e.lat / e.n, e.lng / e.n], name, "base-estate").addTo(estateNames);
    });

    // Building names only for the buildings in view, once few enough are in view to read, and only
    // where a name does not cover another name (estate and area names are placed first).
    var fixed = [];
    allAreas.forEach(function (f) {  // drawn here or by the page: either way, not to be covered
      var c = f.geometry.coordinates;
      fixed.push({ latlng: toMap([c[1], c[0]]), text: (f.properties || {}).name || "", size: 14, centred: true });
    });
    Object.keys(estates).forEach(function (name) {
      var e = estates[name];
      fixed.push({ latlng: L.latLng(e.lat / e.n, e.lng / e.n), text: name, size: 13, centred: true });
    });

    function box(latlng, text, size, centred) {
      var p = map.latLngToContainerPoint(latlng), w = text.length * size + 6, h = size + 4;
      return centred ? [p.x - w / 2, p.y - h / 2, p.x + w / 2, p.y + h / 2] : [p.x + 4, p.y - h / 2, p.x + 8 + w, p.y + h / 2];
    }

    function free(taken, b) {
      for (var i = 0; i < taken.length; i++) {
        var t = taken[i];
        if (b[0] < t[2] && t[0] < b[2] && b[1] < t[3] && t[1] < b[3]) { return false; }
      }
      return true;
    }

    var buildingNames = L.layerGroup().addTo(map);
    function relabel() {
      buildingNames.clearLayers();
      var view = map.getBounds(), inView = buildings.filter(function (b) { return view.contains(b.latlng); });
      var show = inView.length <= MAX_LABELS, drawn = 0;
      el.classList.toggle("base-close", show);
      var taken = fixed.map(function (f) { return box(f.latlng, f.text, f.size, f.centred); });
      roads.forEach(function (r) {  // a street's name on each stretch in view, where it fits
        if (!r.name || !view.contains(r.latlng)) { return; }
        var bx = box(r.latlng, r.name, 12, true);
        if (!free(taken, bx)) { return; }
        taken.push(bx);
        label(r.latlng, r.name, "base-road").addTo(buildingNames);
      });
      if (show) {
        inView.forEach(function (b) {
          var bx = box(b.latlng, b.name, 11, false);
          if (!free(taken, bx)) { return; }
          taken.push(bx);
          label(b.latlng, b.name, "base-building").addTo(buildingNames);
          drawn++;
        });
      }
      el.setAttribute("data-base-labels", String(drawn));
    }
    map.on("moveend", relabel);
    map.whenReady(relabel);
    el.setAttribute("data-base-features", String(buildings.length));
    el.setAttribute("data-base-loaded", "1");
    el.setAttribute("data-base-roads", String(roads.length));
    return { dots: dots, names: names };
  }

  root.shequBaseMap = { attach: attach, wgs84ToGcj02: wgs84ToGcj02, gcj02ToWgs84: gcj02ToWgs84 };
})(typeof window !== "undefined" ? window : null);
