// "Where cases wait": colour each step by its median total hours (waiting to be claimed plus being
// worked), with an overlay giving the hours and how many wait now. bpmn_view.js draws the diagram;
// without it the page still shows the same figures in its table.
(function () {
  "use strict";
  var box = document.getElementById("heatmap");
  if (!box) return;
  var heat = JSON.parse(box.dataset.heat || "{}");
  var ids = Object.keys(heat);
  var highest = ids.reduce(function (top, id) { return Math.max(top, heat[id].p50 || 0); }, 0);
  function level(hours) {
    if (!highest || !hours) return 0;
    return Math.min(4, Math.floor((hours / highest) * 4.999));
  }
  window.PlanFlowDiagram.show(box, {
    marked: function (viewer) {
      var canvas = viewer.get("canvas");
      var registry = viewer.get("elementRegistry");
      var overlays = viewer.get("overlays");
      ids.forEach(function (id) {
        if (!registry.get(id)) return;
        var step = heat[id];
        canvas.addMarker(id, "pf-heat-" + level(step.p50));
        var badge = document.createElement("div");
        badge.className = "pf-heat-badge";
        badge.textContent = (step.p50 || 0).toFixed(1) + " h · " + step.waiting;
        badge.title = step.name;
        overlays.add(id, "heat", { position: { top: -14, right: 10 }, html: badge });
      });
    }
  });
})();
