// Before printing, let every Leaflet map on the page re-measure its (print-sized) box and re-fit.
(function () {
  function refit() {
    Object.keys(window).forEach(function (name) {
      var map = window[name];
      if (/^map_[0-9a-f]+$/.test(name) && map && typeof map.invalidateSize === "function") {
        var bounds = map.getBounds();
        map.invalidateSize(false);
        map.fitBounds(bounds, {animate: false});
      }
    });
  }
  window.addEventListener("beforeprint", refit);
  if (window.matchMedia) {
    window.matchMedia("print").addEventListener("change", function (e) { if (e.matches) refit(); });
  }
})();
