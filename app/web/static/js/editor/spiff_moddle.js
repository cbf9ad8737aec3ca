// The spiffworkflow extension elements of PlanFlow's diagrams, described for bpmn-js's moddle. Registered
// with the modeler, they are read as typed elements the side panel can edit and written back on save;
// an element of this namespace that is not described here would be dropped when the diagram is opened.
(function () {
  "use strict";

  // Elements whose whole content is their text (instructions, scripts, variable names).
  function textElement(name) {
    return { name: name, superClass: ["Element"], properties: [{ name: "value", type: "String", isBody: true }] };
  }

  window.PlanFlowEditor = window.PlanFlowEditor || {};
  window.PlanFlowEditor.spiffModdle = {
    name: "SpiffWorkflow",
    prefix: "spiffworkflow",
    uri: "http://spiffworkflow.org/bpmn/schema/1.0/core",
    xml: { tagAlias: "lowerCase" },
    associations: [],
    types: [
      { name: "Properties", superClass: ["Element"],
        properties: [{ name: "items", type: "Property", isMany: true }] },
      { name: "Property", superClass: ["Element"],
        properties: [{ name: "name", type: "String", isAttr: true }, { name: "value", type: "String", isAttr: true }] },
      // A multi-instance step's scripts run per instance (an attribute SpiffWorkflow reads).
      { name: "MultiInstanceScripts", extends: ["bpmn:MultiInstanceLoopCharacteristics"],
        properties: [{ name: "scriptsOnInstances", type: "Boolean", isAttr: true }] },
      textElement("InstructionsForEndUser"),
      textElement("PreScript"),
      textElement("PostScript"),
      textElement("MessageVariable"),
      textElement("MessagePayload"),
      textElement("CalledDecisionId")
    ]
  };
})();
