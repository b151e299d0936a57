// Live figures: every few seconds ask /figures.json (same session, same unit and year as the
// page) and write each figure whose value moved. No library; the page works without it.
(function () {
  "use strict";
  var script = document.currentScript;
  var every = Math.max(1, parseFloat(script.dataset.every || "10")) * 1000;
  var lang = script.dataset.lang === "en" ? "en-GB" : "vi-VN";
  var whole = new Intl.NumberFormat(lang, { maximumFractionDigits: 0 });
  var share = new Intl.NumberFormat(lang, { minimumFractionDigits: 1, maximumFractionDigits: 1 });
  function written(value, format) {
    if (value === null || value === undefined) { return "–"; }
    if (format === "percent") {
      return share.format(value * 100) + (lang === "vi-VN" ? " %" : "%");
    }
    return whole.format(value);
  }
  function refresh() {
    fetch("/figures.json" + window.location.search, { credentials: "same-origin", cache: "no-store" })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (body) {
        if (!body) { return; }
        document.querySelectorAll("[data-figure]").forEach(function (node) {
          var id = node.dataset.figure;
          if (!(id in body.figures)) { return; }
          var value = body.figures[id];
          var raw = value === null ? "" : String(value);
          if (node.dataset.value !== raw) {
            node.dataset.value = raw;
            node.textContent = written(value, node.dataset.format);
          }
        });
      })
      .catch(function () { /* the next round tries again */ })
      .finally(function () { window.setTimeout(refresh, every); });
  }
  window.setTimeout(refresh, every);
})();
