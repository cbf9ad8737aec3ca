// One way for every page to draw a deployed diagram read-only: bpmn-js's NavigatedViewer (served from
// node_modules) fills a box whose data-xml-url names the version's XML. The pages only say what to mark.
// Without the library the box is hidden and each page's text (lists, tables) still says everything.
(function () {
  "use strict";

  function fail(box, error) {
    box.dataset.ready = "error";
    box.textContent = box.getAttribute("aria-label") + ": " + error.message;
  }

  // Add `marker` to each element id that the diagram holds (ids from an older version may be gone).
  function markAll(viewer, ids, marker) {
    var canvas = viewer.get("canvas");
    var registry = viewer.get("elementRegistry");
    (ids || []).forEach(function (id) { if (registry.get(id)) canvas.addMarker(id, marker); });
  }

  // Draw the diagram into `box`, then call options.marked(viewer) to mark it, fit it, and set
  // data-ready="true" (which the pages' tests wait for). Returns the viewer, or null without bpmn-js.
  function show(box, options) {
    options = options || {};
    if (!box) return null;
    if (typeof window.BpmnJS !== "function") {
      box.hidden = true;
      return null;
    }
    var viewer = new window.BpmnJS({ container: box });
    fetch(box.dataset.xmlUrl, { credentials: "same-origin" })
      .then(function (response) {
        if (!response.ok) throw new Error("HTTP " + response.status);
        return response.text();
      })
      .then(function (xml) { return viewer.importXML(xml); })
      .then(function () {
        viewer.get("canvas").zoom("fit-viewport");
        if (options.marked) options.marked(viewer);
        box.dataset.ready = "true";
      })
      .catch(function (error) { fail(box, error); });
    return viewer;
  }

  // The common case: markers from the box's own data attributes, e.g. {done: "pf-done"} reads data-done.
  function showMarked(box, markers) {
    return show(box, {
      marked: function (viewer) {
        Object.keys(markers).forEach(function (key) {
          markAll(viewer, JSON.parse(box.dataset[key] || "[]"), markers[key]);
        });
      }
    });
  }

  window.PlanFlowDiagram = { show: show, showMarked: showMarked, markAll: markAll };
})();
