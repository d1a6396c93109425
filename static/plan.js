// Scenario page (/plan): a click on the map adds a site of the chosen kind at that point by
// going to the same page with one more change in its address (the scenario lives in the URL),
// and the sites the scenario adds are drawn as markers. No inline handler: the page's
// Content-Security-Policy admits scripts from the app itself.
(function () {
  var data = document.getElementById("plan-data");
  if (!data || typeof L === "undefined") return;
  var kind = data.dataset.kind, base = data.dataset.clickUrl;
  var markers = JSON.parse(data.dataset.markers || "[]");

  function findMap() {
    var names = Object.keys(window);
    for (var i = 0; i < names.length; i++) {
      var map = window[names[i]];
      if (/^map_[0-9a-f]+$/.test(names[i]) && map instanceof L.Map) return map;
    }
    return null;
  }

  function attach(map) {
    markers.forEach(function (m) {
      L.circleMarker([m.lat, m.lon], {radius: 8, color: "#08306b", weight: 3, fillColor: "#ffd92f", fillOpacity: 1,
                                      className: "plan-new-site"})
        .bindTooltip(m.kind + ": " + m.label).addTo(map);
    });
    map.getContainer().classList.add("plan-clickable");
    // "preclick": Leaflet fires it on the map for every click, also on a commune whose popup
    // stops the "click" itself from reaching the map
    map.on("preclick", function (e) {
      var lat = e.latlng.lat.toFixed(5), lon = e.latlng.lng.toFixed(5);
      var change = "add:" + kind + "@" + lat + "," + lon;
      window.location.assign(base + (base.indexOf("?") >= 0 ? "&" : "?") + "change=" + encodeURIComponent(change));
    });
    data.dataset.ready = "1";
  }

  function wait(tries) {
    var map = findMap();
    if (map) attach(map);
    else if (tries > 0) window.setTimeout(function () { wait(tries - 1); }, 50);
  }
  wait(100);
})();
