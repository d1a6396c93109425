// Legends count only the areas of the layers shown: a legend row with data-counts (areas of
// that class per layer name) is recounted whenever a layer is switched on or off in the
// layer control. Loaded with defer, so it runs after the map script has built the map.
(function () {
  var rows = document.querySelectorAll(".legend li[data-counts]");
  if (!rows.length || !window.L) return;
  var map = null;
  Object.keys(window).forEach(function (name) {
    if (/^map_[0-9a-f]+$/.test(name) && window[name] instanceof L.Map) map = window[name];
  });
  if (!map) return;
  var shown = {};
  document.querySelectorAll(".leaflet-control-layers-overlays label").forEach(function (label) {
    var input = label.querySelector("input");
    if (input && input.checked) shown[label.textContent.trim()] = true;
  });
  function plain(html) { var d = document.createElement("div"); d.innerHTML = html; return d.textContent.trim(); }
  function recount() {
    rows.forEach(function (row) {
      var counts = JSON.parse(row.getAttribute("data-counts")), n = 0;
      Object.keys(counts).forEach(function (name) { if (shown[name]) n += counts[name]; });
      var span = row.querySelector(".count");
      var model = span.getAttribute(n === 1 ? "data-one" : "data-many");
      span.textContent = "(" + model.replace(/\d+/, String(n)) + ")";
    });
  }
  map.on("overlayadd", function (e) { shown[plain(e.name)] = true; recount(); });
  map.on("overlayremove", function (e) { delete shown[plain(e.name)]; recount(); });
})();
