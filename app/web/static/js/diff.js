// Comparing two versions: the newer diagram with added and changed elements coloured, the older one with
// the removed elements coloured (bpmn_view.js draws both; the table below says the same in words). An
// element the diagram has no drawing for (added by hand or by an import) is named under the diagram.
(function () {
  "use strict";

  function mark(box, markers) {
    window.PlanFlowDiagram.show(box, {
      marked: function (viewer) {
        var registry = viewer.get("elementRegistry");
        var undrawn = [];
        Object.keys(markers).forEach(function (key) {
          var ids = JSON.parse(box.dataset[key] || "[]");
          window.PlanFlowDiagram.markAll(viewer, ids, markers[key]);
          ids.forEach(function (id) { if (!registry.get(id)) undrawn.push(id); });
        });
        var note = document.getElementById(box.id + "-undrawn");
        if (note && undrawn.length) {
          note.hidden = false;
          note.querySelector("span").textContent = undrawn.join(", ");
        }
      }
    });
  }

  var newer = document.getElementById("diff-new");
  var older = document.getElementById("diff-old");
  if (newer) mark(newer, { added: "pf-added", changed: "pf-changed" });
  if (older) mark(older, { removed: "pf-removed" });
})();
