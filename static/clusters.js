// A group of nearby sites on a map (Leaflet.markercluster's iconCreateFunction): a ring cut in the
// colours of the kinds it holds, the number of sites in the middle. The colours are those of the
// "Kinds of site" legend, read from site.css (.kind-<kind>), so legend and map cannot disagree.
(function () {
  var colours = {};
  function colourOf(kind) {
    if (!(kind in colours)) {
      var probe = document.createElement("span");
      probe.className = "kind-" + kind;
      probe.style.display = "none";
      document.body.appendChild(probe);
      colours[kind] = getComputedStyle(probe).backgroundColor || "#666666";
      probe.remove();
    }
    return colours[kind];
  }
  window.kindClusterIcon = function (cluster) {
    var counts = {}, total = 0, stops = [], start = 0;
    cluster.getAllChildMarkers().forEach(function (m) {
      var found = /kind-([a-z_]+)/.exec((m.options.icon && m.options.icon.options.className) || "");
      var kind = found ? found[1] : "";
      counts[kind] = (counts[kind] || 0) + 1;
      total += 1;
    });
    Object.keys(counts).sort(function (a, b) { return counts[b] - counts[a]; }).forEach(function (kind) {
      var end = start + 100 * counts[kind] / total;
      stops.push(colourOf(kind) + " " + start.toFixed(1) + "% " + end.toFixed(1) + "%");
      start = end;
    });
    var size = total < 10 ? 30 : (total < 100 ? 36 : 44);
    return L.divIcon({html: '<div class="kind-ring" style="background: conic-gradient(' + stops.join(", ") +
      ')"><span>' + total + "</span></div>", className: "marker-cluster kind-cluster", iconSize: L.point(size, size)});
  };
})();
