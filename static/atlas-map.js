// The map pages' client (docs/maps.md). A page's folium shell creates the map and empty layers,
// then calls atlasMap.start: the shared TopoJSON (one immutable URL, fetched once and then read
// from the browser's cache) is joined by code to the values of the view, a small JSON. Switching
// the view (another measure, kind or class scheme) fetches only the new values and updates the
// map, legend, side panel, table and address in place; the page without JavaScript keeps its
// server-rendered table. Every text from the data is escaped here (esc) or set as textContent.
// A view's layers are areas (joined to a TopoJSON object by code) or points (reception centres:
// markers at each row's position); a row's flags are drawn over it (stale: hatched; isolated:
// a marked centre).
(function () {
  "use strict";
  var topologies = {};
  var HIGHLIGHT = {weight: 3, color: "#08306b", opacity: 1, stroke: true};

  function getJSON(url) {
    return fetch(url, {credentials: "same-origin"}).then(function (response) {
      if (!response.ok) throw new Error(url + ": HTTP " + response.status);
      return response.json();
    });
  }

  function topology(url) {
    if (!topologies[url]) topologies[url] = getJSON(url);
    return topologies[url];
  }

  function esc(value) {
    return String(value === null || value === undefined ? "" : value).replace(/[&<>"']/g, function (c) {
      return {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;"}[c];
    });
  }

  function fold(text) {
    return String(text).toLowerCase().normalize("NFD").replace(/[\u0300-\u036f]/g, "");
  }

  function latLngs(lines) {
    return lines.map(function (line) { return line.map(function (p) { return L.latLng(p[1], p[0]); }); });
  }

  function mark(name) {
    if (window.performance && performance.mark) performance.mark(name);
  }

  function Atlas(map, config, parts) {
    this.map = map;
    this.config = config;
    this.parts = parts;
    this.view = null;
    this.shapes = {};      // layer id -> code -> Leaflet path
    this.features = {};    // layer id -> GeoJSON features (for the hatching of flagged rows)
    this.markers = {};     // layer of points id -> code -> Leaflet marker
    this.hatches = null;   // the hatching drawn for the current view
    this.geometries = {};  // TopoJSON object name -> geometries (for meshes)
    this.outlines = [];    // outline lines drawn for the current view
    this.hidden = null;    // codes the table filter hides (null: none)
    this.siteMarkers = null;
    this.container = map.getContainer();
  }

  Atlas.prototype.rowOf = function (layerId, code) {
    var layer = this.layerData(layerId);
    return layer ? layer.rows[code] : null;
  };

  Atlas.prototype.layerData = function (layerId) {
    var layers = this.view ? this.view.layers : [];
    for (var i = 0; i < layers.length; i++) if (layers[i].id === layerId) return layers[i];
    return null;
  };

  Atlas.prototype.style = function (layerId, code) {
    var row = this.rowOf(layerId, code);
    var faded = this.hidden && layerId === this.mainLayer && this.hidden[code];
    // each shape's own light stroke is the casing of the borders' dark line (drawn once, below)
    return {
      stroke: true,
      color: this.config.border.casing,
      weight: 1.4,
      opacity: 0.9,
      fillColor: row && row.fill ? row.fill : this.config.missingFill,
      fillOpacity: faded ? 0.12 : this.config.fillOpacity,
    };
  };

  // "6 initiatives", "2,31 initiatives per 10,000 inhabitants": a number with its unit, in the
  // plural form of the page's language (the table's header gives the unit instead)
  Atlas.prototype.withUnit = function (text, number, unit) {
    if (!unit || number === null || number === undefined) return text;
    var form = window.Intl && Intl.PluralRules ? new Intl.PluralRules(this.config.lang).select(number) : "other";
    return text + " " + (unit[form] || unit.other);
  };

  // At most 320 px wide, narrower than the map on a phone, no taller than the map (its content
  // scrolls), and opened clear of the layer control, which Leaflet draws above popups. Measured
  // when a popup opens (reading the map's size forces a layout: measured for every marker while
  // drawing, it cost 50 ms of a page); popups are bound with POPUP and sized by sizePopup.
  var POPUP = {autoPan: false};

  Atlas.prototype.popupOptions = function () {
    var width = Math.max(180, Math.min(320, this.container.clientWidth - 100));
    var control = this.container.querySelector(".leaflet-top.leaflet-right");
    var top = Math.max(40, control ? control.offsetHeight + 16 : 0);
    return {maxWidth: width, minWidth: Math.min(200, width), maxHeight: Math.max(160, this.container.clientHeight - top - 70),
            autoPan: true, autoPanPaddingTopLeft: [30, top], autoPanPaddingBottomRight: [30, 30]};
  };

  Atlas.prototype.sizePopup = function (popup) {
    L.setOptions(popup, this.popupOptions());
    popup.update();  // lays the popup out again and pans the map to show it
  };

  Atlas.prototype.rowHtml = function (layerId, code, popup) {
    var row = this.rowOf(layerId, code);
    var layerData = this.layerData(layerId);
    var columns = (layerData && layerData.columns) || this.view.columns;
    if (!row) return "<strong>" + esc(code) + "</strong>";
    var out = "<strong>" + esc(row.cells[0]) + "</strong><table class=\"popup\">";
    for (var i = 1; i < columns.length; i++) {
      if ((popup || columns[i].tooltip) && row.cells[i] !== "" && row.cells[i] !== null) {
        var url = popup && row.links ? row.links[i] : null;
        var text = this.withUnit(row.cells[i], row.numbers ? row.numbers[i] : null, columns[i].unit);
        var value = url ? "<a href=\"" + esc(url) + "\" rel=\"noopener\">" + esc(text) + "</a>" : esc(text);
        out += "<tr><th>" + esc(columns[i].label) + "</th><td>" + value + "</td></tr>";
      }
    }
    out += "</table>";
    if (!popup) return out;
    var links = (row.actions || []).slice();
    if (layerId === this.mainLayer) {
      var texts = this.config.texts;
      if (this.config.link) links.push([texts.page, this.config.link.replace("{code}", encodeURIComponent(code))]);
      if (this.config.correctLink) {
        links.push([texts.correct, this.config.correctLink.replace("{code}", encodeURIComponent(code))]);
      }
    }
    links.forEach(function (a) { out += "<div><a href=\"" + esc(a[1]) + "\">" + esc(a[0]) + "</a></div>"; });
    return out;
  };

  Atlas.prototype.build = function (topo, view) {
    var atlas = this;
    this.view = view;
    this.mainLayer = view.layers.length ? view.layers[0].id : null;
    view.layers.forEach(function (layerData) {
      var group = atlas.parts.layers[layerData.id];
      if (!group || !layerData.object) return;  // a layer of points is drawn by drawPoints
      var object = topo.objects[layerData.object];
      atlas.geometries[layerData.object] = object;
      group.options.style = function (feature) { return atlas.style(layerData.id, feature.id); };
      // Leaflet clips each path to the view at every redraw (new arrays of points each time):
      // the whole country is in view at first, and SVG clips for free when zoomed in
      group.options.noClip = true;
      var features = atlas.features[layerData.id] = topojson.feature(topo, object).features;
      mark("atlas:features");
      group.addData(features);
      mark("atlas:added");
      var shapes = atlas.shapes[layerData.id] = {};
      group.eachLayer(function (path) { if (path.feature) shapes[path.feature.id] = path; });
      mark("atlas:indexed");
      atlas.tooltip(group, layerData.id);
      if (atlas.config.clickOpens && layerData.id === atlas.mainLayer) {
        group.on("click", function (e) {
          window.location.assign(atlas.config.link.replace("{code}", encodeURIComponent(e.layer.feature.id)));
        });
      } else {
        group.bindPopup(function (path) { return atlas.rowHtml(layerData.id, path.feature.id, true); },
                        POPUP);
      }
      group.on("mouseover", function (e) { if (e.layer.feature) atlas.highlight(layerData.id, e.layer.feature.id, true); });
      group.on("mouseout", function (e) { if (e.layer.feature) atlas.highlight(layerData.id, e.layer.feature.id, false); });
      atlas.lines(group, topojson.mesh(topo, object), [{color: atlas.config.border.color,
                                                        weight: atlas.config.border.weight, opacity: 0.9}]);
      mark("atlas:mesh");
    });
  };

  // One tooltip for the whole layer, following the pointer. Not Leaflet's bindTooltip, which
  // listens for focus on every path: that makes Chromium put each of the 565 shapes in the Tab
  // order. The map is one Tab stop; the table below it is the keyboard's way to each commune.
  Atlas.prototype.tooltip = function (group, layerId) {
    var atlas = this, map = this.map;
    var tip = L.tooltip({direction: "auto", className: "atlas-tip", opacity: 0.96, offset: [12, 0]});
    group.on("mousemove", function (e) {
      if (!e.layer || !e.layer.feature) return;
      if (tip._code !== e.layer.feature.id) {
        tip._code = e.layer.feature.id;
        tip.setContent(atlas.rowHtml(layerId, tip._code, false));
      }
      tip.setLatLng(e.latlng);
      if (!map.hasLayer(tip)) tip.openOn(map);
    });
    group.on("mouseout", function () { tip._code = null; map.closeTooltip(tip); });
    map.on("popupopen", function () { map.closeTooltip(tip); });
  };

  // Lines drawn in two tones, a light casing under a dark line (or the reverse), so that every
  // border stands out (at least 3:1) against any fill, light or dark (mapviews/palette.py and
  // tests/test_maps.py: the ratios); ``styles`` are drawn in order, the last on top
  Atlas.prototype.lines = function (group, geometry, styles, keep) {
    var lines = geometry.type === "MultiLineString" ? geometry.coordinates : [geometry.coordinates];
    if (!lines.length) return [];
    var latlngs = latLngs(lines);
    var drawn = styles.map(function (style) {
      var line = L.polyline(latlngs, L.extend({interactive: false, fill: false, lineJoin: "round", noClip: true}, style));
      group.addLayer(line);
      return line;
    });
    if (keep) Array.prototype.push.apply(this.outlines, drawn);
    return drawn;
  };

  Atlas.prototype.highlight = function (layerId, code, on) {
    var path = this.shapes[layerId] && this.shapes[layerId][code];
    if (!path) return;
    if (on) {
      path.setStyle(HIGHLIGHT);
      path.bringToFront();
    } else {
      path.setStyle(this.style(layerId, code));
    }
  };

  Atlas.prototype.restyle = function () {
    var atlas = this;
    Object.keys(this.shapes).forEach(function (layerId) {
      var shapes = atlas.shapes[layerId];
      Object.keys(shapes).forEach(function (code) { shapes[code].setStyle(atlas.style(layerId, code)); });
    });
  };

  // Status outlines (the gaps map): a mesh of the borders of the communes with that outline
  Atlas.prototype.drawOutlines = function () {
    var atlas = this, view = this.view;
    this.outlines.forEach(function (line) { line.remove(); });
    this.outlines = [];
    var layerData = this.layerData(this.mainLayer);
    var group = layerData && this.parts.layers[layerData.id];
    var object = layerData && this.geometries[layerData.object];
    if (!group || !object || !view.outlines) return;
    Object.keys(view.outlines).forEach(function (key) {
      var style = view.outlines[key];
      var lineOf = function (g) { var row = layerData.rows[g.id]; return row && row.line; };
      var topo = atlas.topo;
      var mesh = topojson.mesh(topo, object, function (a, b) { return lineOf(a) === key || lineOf(b) === key; });
      atlas.lines(group, mesh, [{color: style.casing, weight: style.weight + 2, opacity: 1},
                                {color: style.color, weight: style.weight, dashArray: style.dashArray || null, opacity: 1}],
                  true);
    });
  };

  // Rows flagged "stale" are hatched over their fill (the SVG pattern #atlas-stale, light and
  // dark lines, seen on any fill and in print), between the fills and the status outlines
  Atlas.prototype.drawHatches = function () {
    if (this.hatches) this.hatches.remove();
    this.hatches = null;
    var layerData = this.layerData(this.mainLayer);
    var group = layerData && this.parts.layers[layerData.id];
    var features = layerData && this.features[layerData.id];
    if (!group || !features) return;
    var flagged = features.filter(function (f) {
      var row = layerData.rows[f.id];
      return row && row.flags && row.flags.indexOf("stale") >= 0;
    });
    if (!flagged.length) return;
    this.hatches = L.geoJSON(flagged, {interactive: false, style: function () {
      return {stroke: false, fill: true, fillColor: "url(#atlas-stale)", fillOpacity: 1, interactive: false};
    }});
    group.addLayer(this.hatches);
  };

  // Layers of points (the reception centres): a marker per row, its popup built from the row
  // like a commune's; not Tab stops (the table of the layer is the keyboard's way to them)
  Atlas.prototype.drawPoints = function () {
    var atlas = this;
    (this.view.layers || []).forEach(function (layerData) {
      var group = atlas.parts.layers[layerData.id];
      if (layerData.object || !group) return;
      group.clearLayers();
      var markers = atlas.markers[layerData.id] = {};
      (layerData.order || Object.keys(layerData.rows)).forEach(function (code) {
        var row = layerData.rows[code];
        if (!row.at) return;
        var flags = (row.flags || []).map(function (f) { return " flag-" + f; }).join("");
        var icon = L.divIcon({className: "point-marker layer-" + layerData.id + flags, iconSize: [16, 16]});
        markers[code] = L.marker(row.at, {icon: icon, title: row.cells[0], alt: row.cells[0], keyboard: false})
          .bindPopup(function () { return atlas.rowHtml(layerData.id, code, true); }, POPUP)
          .addTo(group);
      });
    });
  };

  Atlas.prototype.markPoint = function (layerId, code, on) {
    var marker = this.markers[layerId] && this.markers[layerId][code];
    var icon = marker && marker.getElement && marker.getElement();
    if (icon) icon.classList.toggle("is-highlighted", on);
  };

  Atlas.prototype.drawMarkers = function () {
    var group = this.parts.markers;
    if (!group) return;
    group.clearLayers();
    (this.view.markers || []).forEach(function (m) {
      var icon = L.divIcon({className: m[2], iconSize: [18, 18]});
      L.marker([m[0], m[1]], {icon: icon, title: m[4], alt: m[4], keyboard: true}).bindPopup(m[3], POPUP)
        .addTo(group);
    });
  };

  // site: [lat, lon, kind, name, initiative, NIS, precision, themes, groups, source, site id]
  // (themes, groups and source are positions in the document's shared lists)
  Atlas.prototype.sitePopup = function (site, lists) {
    var v = this.config.vocab, t = this.config.texts, commune = this.rowOf(this.mainLayer, site[5]);
    var rows = [
      [t.kind, v.kinds[site[2]] || site[2]],
      [t.themes, lists[site[7]].map(function (x) { return v.themes[x] || x; }).join(", ")],
      [t.groups, lists[site[8]].map(function (x) { return v.groups[x] || x; }).join(", ")],
      [t.commune, commune ? commune.cells[0] : site[5]],
      [t.precision, v.precisions[site[6]] || site[6]],
      [t.source, lists[site[9]]],
    ];
    var out = "<strong>" + esc(site[3]) + "</strong><table class=\"popup\">";
    rows.forEach(function (r) { if (r[1]) out += "<tr><th>" + esc(r[0]) + "</th><td>" + esc(r[1]) + "</td></tr>"; });
    out += "</table><div><a href=\"" + esc(this.config.initiativeLink.replace("{id}", encodeURIComponent(site[4]))) +
      "\">" + esc(t.initiative) + "</a></div>";
    if (this.config.correctSiteLink && site[10]) {
      out += "<div><a href=\"" + esc(this.config.correctSiteLink.replace("{id}", encodeURIComponent(site[10]))) + "\">" +
        esc(t.correct) + "</a></div>";
    }
    return out;
  };

  Atlas.prototype.drawSites = function () {
    var atlas = this, cluster = this.parts.sites, wanted = this.view.sites;
    if (!cluster || !wanted || !this.config.sitesUrl) return Promise.resolve();
    if (!this.sitesDoc) this.sitesDoc = getJSON(this.config.sitesUrl);
    return this.sitesDoc.then(function (doc) {
      var markers = atlas.siteMarkers = atlas.siteMarkers || {};  // made when first shown
      cluster.clearLayers();
      cluster.addLayers(atlas.view.sites.map(function (i) {
        if (!markers[i]) {
          var site = doc.sites[i];
          var title = site[3] + " (" + (atlas.config.vocab.kinds[site[2]] || site[2]) + ")";
          var icon = L.divIcon({className: "site-marker kind-" + site[2], iconSize: [14, 14]});
          markers[i] = L.marker([site[0], site[1]], {icon: icon, title: title, alt: title, keyboard: true});
          markers[i].bindPopup(function () { return atlas.sitePopup(site, doc.lists); }, POPUP);
        }
        return markers[i];
      }));
    });
  };

  // --- the page around the map: panel, legend, table, address -------------------------------

  Atlas.prototype.fill = function (selector, html) {
    if (html === undefined) return;
    document.querySelectorAll(selector).forEach(function (el) { el.innerHTML = html; });
  };

  Atlas.prototype.renderTable = function () {
    var table = document.querySelector("table[data-atlas-table]");
    var layerData = this.layerData(this.mainLayer);
    if (!table || !layerData) return;
    var columns = this.view.columns, link = this.config.link, body = document.createElement("tbody");
    var head = table.querySelector("thead tr");
    columns.forEach(function (column, i) {
      var th = head.children[i];
      if (!th) return;
      var label = th.querySelector("button") || th;
      label.textContent = column.label;
    });
    (layerData.order || Object.keys(layerData.rows)).forEach(function (code) {
      var row = layerData.rows[code], tr = document.createElement("tr");
      tr.dataset.code = code;
      if (row.group) tr.dataset.group = row.group;
      if (row.fill) tr.dataset.fill = row.fill;
      if (row.line) tr.dataset.line = row.line;
      if (row.flags && row.flags.length) tr.dataset.flags = row.flags.join(" ");
      columns.forEach(function (column, i) {
        var cell = document.createElement(i === 0 ? "th" : "td");
        if (i === 0) cell.scope = "row";
        var number = row.numbers ? row.numbers[i] : null;
        if (number !== null && number !== undefined) cell.dataset.sort = number;
        if (column.link && link) {
          var a = document.createElement("a");
          a.href = link.replace("{code}", encodeURIComponent(code));
          a.textContent = row.cells[i];
          cell.appendChild(a);
        } else {
          cell.textContent = row.cells[i];
        }
        tr.appendChild(cell);
      });
      body.appendChild(tr);
    });
    table.replaceChild(body, table.tBodies[0]);
    var caption = table.querySelector("caption");
    if (caption && this.view.title) caption.textContent = this.view.title;
    if (this.table) {
      this.table.sortBy(this.table.sorted, this.table.direction, true);
      this.table.filter();
    }
  };

  Atlas.prototype.apply = function (view, how) {
    this.view = view;
    if (how !== "initial") this.restyle();  // build styled the first view's shapes already
    this.drawHatches();
    this.drawOutlines();
    this.drawPoints();
    this.drawMarkers();
    var done = this.drawSites();
    if (how !== "initial") {
      this.fill("[data-atlas-panel]", view.panel);
      this.fill("[data-atlas-legend]", view.legend);
      this.fill("[data-atlas-intro]", view.intro);
      this.renderTable();
      if (view.documentTitle) document.title = view.documentTitle;
      if (how === "switch" && view.page) window.history.pushState({atlas: view.page}, "", view.page);
      this.syncForms(view.query || {});
      this.container.dataset.atlasView = view.page || "";
    }
    if (view.languages) {
      document.querySelectorAll(".lang-switch a[hreflang]").forEach(function (a) {
        var url = view.languages[a.getAttribute("hreflang")];
        if (url) a.href = url;
      });
    }
    if (view.downloads) {
      document.querySelectorAll("[data-atlas-download]").forEach(function (a) {
        var url = view.downloads[a.dataset.atlasDownload];
        if (url) a.href = url;
      });
    }
    return done;
  };

  Atlas.prototype.syncForms = function (query) {
    document.querySelectorAll("form[data-atlas-switch]").forEach(function (form) {
      form.querySelectorAll("select[name], input[name]:not([type=hidden])").forEach(function (field) {
        var value = query[field.name] || "";
        if (field.tagName === "SELECT" && !value && field.dataset.default) value = field.dataset.default;
        field.value = value;
      });
    });
  };

  Atlas.prototype.dataUrl = function (params) {
    var query = new URLSearchParams(params);
    query.set("lang", this.config.lang);
    query.set("v", this.config.version);
    return this.config.dataBase + "?" + query.toString();
  };

  Atlas.prototype.switchTo = function (params, how) {
    var atlas = this;
    this.container.dataset.atlasState = "loading";
    var started = performance.now();
    return getJSON(this.dataUrl(params)).then(function (view) {
      return atlas.apply(view, how);
    }).then(function () {
      atlas.container.dataset.atlasState = "drawn";
      atlas.container.dataset.atlasSwitchMs = String(Math.round(performance.now() - started));
    }, function (error) {
      atlas.container.dataset.atlasState = "failed";
      throw error;
    });
  };

  // the form's choices, without the language and the defaults (the canonical address of a view)
  Atlas.prototype.paramsOf = function (form) {
    var params = {};
    new FormData(form).forEach(function (value, name) {
      var field = form.elements[name];
      var fallback = field && field.dataset ? field.dataset.default : undefined;
      if (name !== "lang" && value !== "" && value !== fallback) params[name] = value;
    });
    return params;
  };

  Atlas.prototype.watchForms = function () {
    var atlas = this;
    document.querySelectorAll("form[data-atlas-switch]").forEach(function (form) {
      var submit = form.querySelector("button[type=submit]");
      if (submit) submit.hidden = true;  // each change redraws at once
      form.addEventListener("change", function () { atlas.switchTo(atlas.paramsOf(form), "switch"); });
      form.addEventListener("submit", function (e) {
        e.preventDefault();
        atlas.switchTo(atlas.paramsOf(form), "switch");
      });
    });
    window.addEventListener("popstate", function () {
      var params = {};
      new URLSearchParams(window.location.search).forEach(function (value, name) {
        if (name !== "lang") params[name] = value;
      });
      atlas.switchTo(params, "history");
    });
  };

  // --- the table tied to the map: sort, filter by province and text, highlight ---------------

  function Table(atlas, table) {
    this.atlas = atlas;
    this.el = table;
    this.sorted = null;
    this.direction = 1;
    var tools = document.querySelector("[data-atlas-table-tools]");
    this.group = tools && tools.querySelector("select[data-atlas-group]");
    this.text = tools && tools.querySelector("input[data-atlas-text]");
    this.count = tools && tools.querySelector("[data-atlas-count]");
    if (tools) tools.hidden = false;
    var self = this;
    table.querySelectorAll("thead th").forEach(function (th, i) {
      var button = document.createElement("button");
      button.type = "button";
      button.className = "sort";
      button.textContent = th.textContent;
      th.textContent = "";
      th.appendChild(button);
      th.setAttribute("aria-sort", "none");
      button.addEventListener("click", function () {
        self.sortBy(i, self.sorted === i ? -self.direction : 1);
      });
    });
    if (this.group) this.group.addEventListener("change", function () { self.filter(); });
    if (this.text) this.text.addEventListener("input", function () { self.filter(); });
    table.addEventListener("mouseover", function (e) { self.hover(e, true); });
    table.addEventListener("mouseout", function (e) { self.hover(e, false); });
    table.addEventListener("focusin", function (e) { self.hover(e, true); });
    table.addEventListener("focusout", function (e) { self.hover(e, false); });
  }

  Table.prototype.hover = function (e, on) {
    var tr = e.target.closest && e.target.closest("tr[data-code]");
    if (tr) this.atlas.highlight(this.atlas.mainLayer, tr.dataset.code, on);
  };

  Table.prototype.sortBy = function (index, direction, quiet) {
    if (index === null || index === undefined) return;
    var body = this.el.tBodies[0];
    var rows = Array.prototype.slice.call(body.rows);
    var key = function (tr) {
      var cell = tr.cells[index];
      if (!cell) return [1, ""];
      if (cell.dataset.sort !== undefined) return [0, Number(cell.dataset.sort)];
      return [0, fold(cell.textContent.trim())];
    };
    rows.sort(function (a, b) {
      var x = key(a), y = key(b);
      if (x[0] !== y[0]) return x[0] - y[0];
      if (typeof x[1] !== typeof y[1]) return typeof x[1] === "number" ? -1 : 1;  // numbers before notes
      return (x[1] < y[1] ? -1 : x[1] > y[1] ? 1 : 0) * direction;
    });
    rows.forEach(function (tr) { body.appendChild(tr); });
    this.sorted = index;
    this.direction = direction;
    this.el.querySelectorAll("thead th").forEach(function (th, i) {
      th.setAttribute("aria-sort", i === index ? (direction > 0 ? "ascending" : "descending") : "none");
    });
    if (!quiet) this.el.dataset.sortedBy = String(index);
  };

  Table.prototype.filter = function () {
    var group = this.group ? this.group.value : "", text = this.text ? fold(this.text.value.trim()) : "";
    var hidden = {}, shown = 0, total = 0, any = Boolean(group || text);
    Array.prototype.forEach.call(this.el.tBodies[0].rows, function (tr) {
      var keep = (!group || tr.dataset.group === group) && (!text || fold(tr.textContent).indexOf(text) >= 0);
      tr.hidden = !keep;
      total += 1;
      if (keep) shown += 1; else hidden[tr.dataset.code] = true;
    });
    this.atlas.hidden = any ? hidden : null;
    this.atlas.restyle();
    if (this.count) {
      this.count.textContent = this.count.dataset.model.replace("{shown}", shown).replace("{total}", total);
    }
  };

  // A table of points: pointing at a row, or focusing its link, highlights its marker
  function pointsTable(atlas, table) {
    var layerId = table.dataset.atlasPoints;
    var mark = function (e, on) {
      var tr = e.target.closest && e.target.closest("tr[data-code]");
      if (tr) atlas.markPoint(layerId, tr.dataset.code, on);
    };
    table.addEventListener("mouseover", function (e) { mark(e, true); });
    table.addEventListener("mouseout", function (e) { mark(e, false); });
    table.addEventListener("focusin", function (e) { mark(e, true); });
    table.addEventListener("focusout", function (e) { mark(e, false); });
  }

  function whenParsed(callback) {
    if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", callback);
    else callback();
  }

  // The page's own view: what it carries beside its table (#atlas-view) and the rows of the table
  function pageView(texts) {
    var view = JSON.parse(document.getElementById("atlas-view").textContent);
    var table = document.querySelector("table[data-atlas-table]");
    var rows = {}, order = [];
    Array.prototype.forEach.call(table.tBodies[0].rows, function (tr) {
      var cells = [], numbers = [];
      Array.prototype.forEach.call(tr.cells, function (cell) {
        cells.push(cell.textContent);
        numbers.push(cell.dataset.sort === undefined ? null : Number(cell.dataset.sort));
      });
      order.push(tr.dataset.code);
      rows[tr.dataset.code] = {cells: cells, numbers: numbers, fill: tr.dataset.fill || null,
                               line: tr.dataset.line || null, group: tr.dataset.group || null,
                               flags: tr.dataset.flags ? tr.dataset.flags.split(" ") : []};
    });
    view.layers[0].rows = rows;
    view.layers[0].order = order;
    view.layers.slice(1).forEach(function (layer) {
      var points = document.querySelector("table[data-atlas-points=\"" + layer.id + "\"]");
      if (!layer.object && points) pointRows(layer, points, texts);
    });
    return view;
  }

  // A layer of points from its table: each row's cells (the columns'), flags, position, and the
  // links of its popup (its page, from the first cell; the others from the last cell)
  function pointRows(layer, table, texts) {
    layer.rows = {};
    layer.order = [];
    Array.prototype.forEach.call(table.tBodies[0].rows, function (tr) {
      var cells = [], actions = [];
      Array.prototype.slice.call(tr.cells, 0, layer.columns.length).forEach(function (cell) {
        cells.push(cell.textContent);
      });
      var page = tr.cells[0].querySelector("a");
      if (page) actions.push([texts.initiative, page.getAttribute("href")]);
      tr.cells[tr.cells.length - 1].querySelectorAll("a").forEach(function (a) {
        actions.push([a.textContent, a.getAttribute("href")]);
      });
      var at = tr.dataset.at ? tr.dataset.at.split(",").map(Number) : null;
      layer.rows[tr.dataset.code] = {cells: cells, at: at, actions: actions, group: tr.dataset.group || null,
                                     flags: tr.dataset.flags ? tr.dataset.flags.split(" ") : []};
      layer.order.push(tr.dataset.code);
    });
  }

  // A legend over a wide map (bottom left on the coverage and gaps maps, top right on the
  // employment map) hid communes of West Flanders and Hainaut, or of Limburg: the country is
  // fitted beside it, at a quarter zoom step if need be
  function clearOfLegend(map, bounds) {
    var legend = map.getContainer().parentNode.querySelector(".map-legend");
    if (!bounds || !legend || getComputedStyle(legend).position !== "absolute") return;
    var width = legend.offsetWidth + 12;
    if (map.getSize().x - width < 400) return;  // a narrow map keeps the country large
    var options = {animate: false};
    options[legend.classList.contains("left") ? "paddingTopLeft" : "paddingBottomRight"] = [width, 0];
    var snap = map.options.zoomSnap;
    map.options.zoomSnap = 0.25;
    map.fitBounds(bounds, options);
    map.options.zoomSnap = snap;  // the zoom buttons step to whole levels again
  }

  function start(map, config, parts) {
    var atlas = new Atlas(map, config, parts);
    atlasMap.maps.push(atlas);
    mark("atlas:start");
    map.on("popupopen", function (e) { atlas.sizePopup(e.popup); });
    clearOfLegend(map, config.bounds);  // before any shape is drawn, so nothing is drawn twice
    atlas.container.dataset.atlasState = "loading";
    var view = config.data ? Promise.resolve(config.data) : new Promise(function (resolve) {
      whenParsed(function () { resolve(pageView(config.texts)); });
    });
    if (config.sitesUrl) atlas.sitesDoc = getJSON(config.sitesUrl);
    Promise.all([topology(config.topology), view]).then(function (loaded) {
      mark("atlas:loaded");
      atlas.topo = loaded[0];
      atlas.build(loaded[0], loaded[1]);
      mark("atlas:built");
      var done = atlas.apply(loaded[1], "initial");
      whenParsed(function () {  // the map script runs before the table below it is parsed
        var table = document.querySelector("table[data-atlas-table]");
        if (table) atlas.table = new Table(atlas, table);
        document.querySelectorAll("table[data-atlas-points]").forEach(function (points) { pointsTable(atlas, points); });
        atlas.watchForms();
      });
      return done;
    }).then(function () {
      mark("atlas:drawn");
      atlas.container.dataset.atlasState = "drawn";
      atlas.container.dataset.atlasDrawnMs = String(Math.round(performance.now()));
    }, function (error) {
      atlas.container.dataset.atlasState = "failed";
      var note = document.createElement("p");
      note.className = "map-failed notice";
      note.textContent = config.texts.failed;
      atlas.container.parentNode.insertBefore(note, atlas.container);
      if (window.console) window.console.warn(error);
    });
    return atlas;
  }

  window.atlasMap = {start: start, maps: [], esc: esc};
})();
