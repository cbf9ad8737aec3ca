// Reading and writing PlanFlow's properties of a diagram element (spiffworkflow:properties, the step's
// instructions) through the modeler's modeling service, so that every change is one undoable command and
// ends up in the saved XML exactly where SpiffWorkflow and PlanFlow's engine read it.
(function () {
  "use strict";
  var NS = window.PlanFlowEditor = window.PlanFlowEditor || {};

  NS.extensions = function (modeler) {
    var moddle = modeler.get("moddle");
    var modeling = modeler.get("modeling");

    function extensionValues(bo) {
      var ext = bo.get("extensionElements");
      return ext ? ext.get("values") : [];
    }

    function firstOfType(bo, type) {
      return extensionValues(bo).filter(function (v) { return v.$instanceOf(type); })[0];
    }

    function ensureExtensionElements(element, bo) {
      var ext = bo.get("extensionElements");
      if (!ext) {
        ext = moddle.create("bpmn:ExtensionElements", { values: [] });
        ext.$parent = bo;
        modeling.updateModdleProperties(element, bo, { extensionElements: ext });
      }
      return ext;
    }

    function ensureChild(element, bo, type) {
      var found = firstOfType(bo, type);
      if (found) return found;
      var ext = ensureExtensionElements(element, bo);
      found = moddle.create(type);
      found.$parent = ext;
      modeling.updateModdleProperties(element, ext, { values: ext.get("values").concat([found]) });
      return found;
    }

    function propertiesNamed(bo, name) {
      var holder = firstOfType(bo, "spiffworkflow:Properties");
      if (!holder) return [];
      return holder.get("items").filter(function (p) { return p.name === name; });
    }

    // Values of every property with this name (legal references repeat the name, one per reference).
    function readAll(bo, name) {
      return propertiesNamed(bo, name).map(function (p) { return p.value || ""; });
    }

    function read(bo, name) {
      return readAll(bo, name)[0] || "";
    }

    // Replace the properties of this name by one per value, kept where the first one was; none when empty.
    function writeAll(element, bo, name, values) {
      values = values.filter(function (v) { return v !== ""; });
      if (!values.length && !propertiesNamed(bo, name).length) return;
      var holder = ensureChild(element, bo, "spiffworkflow:Properties");
      var items = holder.get("items");
      var at = items.findIndex(function (p) { return p.name === name; });
      var kept = items.filter(function (p) { return p.name !== name; });
      var added = values.map(function (value) {
        var prop = moddle.create("spiffworkflow:Property", { name: name, value: value });
        prop.$parent = holder;
        return prop;
      });
      at = at < 0 ? kept.length : Math.min(at, kept.length);
      modeling.updateModdleProperties(element, holder, { items: kept.slice(0, at).concat(added, kept.slice(at)) });
    }

    function write(element, bo, name, value) {
      var existing = propertiesNamed(bo, name);
      if (existing.length === 1 && value !== "") {
        modeling.updateModdleProperties(element, existing[0], { value: value });
      } else {
        writeAll(element, bo, name, [value]);
      }
    }

    function readText(bo, type) {
      var found = firstOfType(bo, type);
      return found ? found.value || "" : "";
    }

    function writeText(element, bo, type, text) {
      var found = firstOfType(bo, type);
      if (!text) {
        if (found) {
          var ext = bo.get("extensionElements");
          modeling.updateModdleProperties(element, ext, {
            values: ext.get("values").filter(function (v) { return v !== found; })
          });
        }
        return;
      }
      found = found || ensureChild(element, bo, type);
      modeling.updateModdleProperties(element, found, { value: text });
    }

    return { read: read, readAll: readAll, write: write, writeAll: writeAll, readText: readText,
             writeText: writeText };
  };
})();
