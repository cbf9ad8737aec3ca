// Replay page: draw the case's diagram and mark the path up to the chosen event; the slider moves the
// marking at once (every event's path is in data-paths) and then loads that event's page for its data.
(function () {
  "use strict";
  var box = document.getElementById("diagram");
  var slider = document.getElementById("replay-slider");
  var paths = box ? JSON.parse(box.dataset.paths || "[]") : [];
  var seqs = slider ? JSON.parse(slider.dataset.seqs || "[]") : [];
  var viewer = null;
  var MARKERS = { done: "pf-done", active: "pf-current", cancelled: "pf-cancelled" };

  function mark(index) {
    var path = paths[index] || {};
    Object.keys(MARKERS).forEach(function (key) {
      var list = document.getElementById("path-" + key);
      if (list) list.textContent = (path[key] || []).join(", ");
    });
    var seq = document.getElementById("replay-seq");
    if (seq && seqs[index] !== undefined) seq.textContent = seqs[index];
    if (!viewer) return;
    var canvas = viewer.get("canvas");
    var registry = viewer.get("elementRegistry");
    registry.getAll().forEach(function (element) {
      Object.keys(MARKERS).forEach(function (key) { canvas.removeMarker(element.id, MARKERS[key]); });
    });
    Object.keys(MARKERS).forEach(function (key) {
      (path[key] || []).forEach(function (id) { if (registry.get(id)) canvas.addMarker(id, MARKERS[key]); });
    });
    box.dataset.marked = String(index);
  }

  if (slider) {
    slider.addEventListener("input", function () { mark(Number(slider.value)); });
    slider.addEventListener("change", function () {
      var seq = seqs[Number(slider.value)];
      if (seq !== undefined) window.location.assign(slider.dataset.url + "?at=" + encodeURIComponent(seq));
    });
  }

  if (!box || typeof window.BpmnJS !== "function") {
    if (box) box.hidden = true;
    return;
  }
  viewer = new window.BpmnJS({ container: box });
  fetch(box.dataset.xmlUrl, { credentials: "same-origin" })
    .then(function (response) {
      if (!response.ok) throw new Error("HTTP " + response.status);
      return response.text();
    })
    .then(function (xml) { return viewer.importXML(xml); })
    .then(function () {
      viewer.get("canvas").zoom("fit-viewport");
      mark(Number(box.dataset.index || 0));
      box.dataset.ready = "true";
    })
    .catch(function (error) {
      box.dataset.ready = "error";
      box.textContent = box.getAttribute("aria-label") + ": " + error.message;
    });
})();
