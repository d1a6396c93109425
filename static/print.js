// Print buttons ([data-print]) and print layout: a listener here, because the
// Content-Security-Policy blocks inline handlers such as onclick="window.print()".
// Before printing, every Leaflet map on the page re-measures its (print-sized) box and re-fits.
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
  document.querySelectorAll("[data-print]").forEach(function (button) {
    button.addEventListener("click", function () { window.print(); });
  });
  window.addEventListener("beforeprint", refit);
  if (window.matchMedia) {
    window.matchMedia("print").addEventListener("change", function (e) { if (e.matches) refit(); });
  }
})();
