// Replay page: mark the path up to the chosen event on the diagram (bpmn_view.js draws it); the slider
// moves the marking at once (every event's path is in data-paths) and then loads that event's page.
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
    viewer.get("elementRegistry").getAll().forEach(function (element) {
      Object.keys(MARKERS).forEach(function (key) { canvas.removeMarker(element.id, MARKERS[key]); });
    });
    Object.keys(MARKERS).forEach(function (key) {
      window.PlanFlowDiagram.markAll(viewer, path[key], MARKERS[key]);
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

  window.PlanFlowDiagram.show(box, {
    marked: function (drawn) {
      viewer = drawn;
      mark(Number(box.dataset.index || 0));
    }
  });
})();
