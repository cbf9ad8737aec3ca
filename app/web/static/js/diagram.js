// Case page: the case's diagram with the steps done and the steps waiting now marked (bpmn_view.js draws it).
(function () {
  "use strict";
  window.PlanFlowDiagram.showMarked(document.getElementById("diagram"),
                                    { done: "pf-done", current: "pf-current" });
})();
