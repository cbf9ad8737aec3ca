// Case page: draw the case's diagram with bpmn-js (served from node_modules) and mark the steps done
// and the steps waiting now. Without the library the page still lists everything as text.
(function () {
  "use strict";
  var box = document.getElementById("diagram");
  if (!box || typeof window.BpmnJS !== "function") {
    if (box) box.hidden = true;
    return;
  }
  var done = JSON.parse(box.dataset.done || "[]");
  var current = JSON.parse(box.dataset.current || "[]");
  var viewer = new window.BpmnJS({ container: box });
  fetch(box.dataset.xmlUrl, { credentials: "same-origin" })
    .then(function (response) {
      if (!response.ok) throw new Error("HTTP " + response.status);
      return response.text();
    })
    .then(function (xml) { return viewer.importXML(xml); })
    .then(function () {
      var canvas = viewer.get("canvas");
      var registry = viewer.get("elementRegistry");
      done.forEach(function (id) { if (registry.get(id)) canvas.addMarker(id, "pf-done"); });
      current.forEach(function (id) { if (registry.get(id)) canvas.addMarker(id, "pf-current"); });
      canvas.zoom("fit-viewport");
      box.dataset.ready = "true";
    })
    .catch(function (error) {
      box.dataset.ready = "error";
      box.textContent = box.getAttribute("aria-label") + ": " + error.message;
    });
})();
