// SpiffWorkflow names a multi-instance step's collections by variable name (loopDataInputRef "schools"),
// where BPMN expects the id of a data element. bpmn-js drops such a reference when it opens the diagram and
// would save the step without it; this puts each one back as a bare reference so the saved XML says what
// the opened one said.
(function () {
  "use strict";
  var NS = window.PlanFlowEditor = window.PlanFlowEditor || {};

  NS.keepUnresolvedReferences = function (modeler, warnings) {
    var moddle = modeler.get("moddle");
    return warnings.filter(function (warning) {
      var element = warning.element, name = warning.property;
      var property = element && name && element.$descriptor.propertiesByName[name];
      if (!property || !property.isReference || !/^unresolved reference/.test(warning.message)) return true;
      var stand_in = moddle.create(property.type, { id: warning.value });
      if (property.isMany) {
        element.get(property.name).push(stand_in);
      } else {
        element.set(property.name, stand_in);
      }
      return false;  // handled: not a loss worth telling the owner about
    });
  };
})();
