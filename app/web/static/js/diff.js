// Comparing two versions: the newer diagram with added and changed elements coloured, the older one with
// the removed elements coloured (bpmn_view.js draws both; the table below says the same in words).
(function () {
  "use strict";
  window.PlanFlowDiagram.showMarked(document.getElementById("diff-new"),
                                    { added: "pf-added", changed: "pf-changed" });
  window.PlanFlowDiagram.showMarked(document.getElementById("diff-old"), { removed: "pf-removed" });
})();
