// The side panel: PlanFlow's properties of the selected element (or of the process when nothing is
// selected). The fields are drawn by the page in the reader's language; this shows the ones that apply
// to the element, fills them from the model, and writes each change back through the modeler.
(function () {
  "use strict";
  var NS = window.PlanFlowEditor = window.PlanFlowEditor || {};
  var STEP_TYPES = ["bpmn:UserTask", "bpmn:ManualTask", "bpmn:Task"];  // the steps a person does

  function kindOf(element) {
    if (!element || !element.businessObject) return "none";  // nothing, or the canvas while a diagram opens
    var type = element.businessObject.$type;
    if (type === "bpmn:Participant" || type === "bpmn:Process") return "process";
    if (type === "bpmn:Lane") return "lane";
    if (STEP_TYPES.indexOf(type) >= 0) return "step";
    if (element.type === "label" || type === "bpmn:Collaboration") return "none";
    return "element";
  }

  function participantOf(element) {
    var current = element;
    while (current && current.type !== "bpmn:Participant") current = current.parent;
    return current || null;
  }

  NS.panel = function (modeler, texts, onFormKey) {
    var form = document.getElementById("props");
    var none = document.getElementById("props-none");
    var formEditor = document.getElementById("form-editor");
    var groupMenu = document.getElementById("p-lane-group");
    var registry = modeler.get("elementRegistry");
    var modeling = modeler.get("modeling");
    var canvas = modeler.get("canvas");
    var ext = NS.extensions(modeler);
    var shown = null;  // the element whose properties are on screen

    // The process element that holds PlanFlow's process properties: the main participant's process, or
    // the root process of a diagram without pools.
    function mainProcess() {
      var pool = registry.filter(function (e) {
        return e.type === "bpmn:Participant" && e.businessObject.processRef;
      })[0];
      return pool || canvas.getRootElement();
    }

    function propertyTarget(element) {
      var bo = element.businessObject;
      return bo.$type === "bpmn:Participant" ? bo.processRef : bo;
    }

    function lanesBeside(element) {
      var pool = participantOf(element);
      return registry.filter(function (e) {
        var bo = e.businessObject;
        var parent = bo.childLaneSet && bo.childLaneSet.lanes.length;  // steps sit in the innermost lanes
        return e.type === "bpmn:Lane" && participantOf(e) === pool && !parent;
      });
    }

    function laneOf(element, lanes) {
      return lanes.filter(function (lane) {
        return (lane.businessObject.flowNodeRef || []).indexOf(element.businessObject) >= 0;
      })[0];
    }

    function fillStepLanes(element) {
      var select = document.getElementById("p-step-lane");
      var lanes = lanesBeside(element);
      var current = laneOf(element, lanes);
      select.textContent = "";
      if (!current) select.appendChild(new Option(texts.no_lane, "", true, true));
      lanes.forEach(function (lane) {
        // The group's name on screen, as the lane's group menu words it ("กลุ่มนโยบายและแผน (plan_staff)").
        var code = lane.businessObject.name || "";
        var group = Array.prototype.filter.call(groupMenu.options, function (option) {
          return option.value && option.value === code;
        })[0];
        var label = group ? group.textContent : code || lane.id;
        select.appendChild(new Option(label, lane.id, false, lane === current));
      });
    }

    function show(element) {
      var kind = kindOf(element);
      if (kind === "none") { element = mainProcess(); kind = element ? kindOf(element) : "none"; }
      shown = element;
      form.hidden = kind === "none";
      none.hidden = kind !== "none";
      if (formEditor) formEditor.hidden = true;
      if (kind === "none") return;
      var bo = element.businessObject, target = propertyTarget(element);
      var heading = { process: "process", lane: "lane", step: "user_task" }[kind] || "element";
      document.getElementById("props-kind").textContent = texts[heading];
      document.getElementById("props-id").textContent = bo.id;
      form.querySelectorAll("[data-for]").forEach(function (box) {
        box.hidden = box.dataset.for.split(" ").indexOf(kind) < 0;
      });
      form.querySelectorAll("[data-property]").forEach(function (input) {
        input.value = ext.read(target, input.dataset.property);
      });
      document.getElementById("p-name").value = (kind === "process" ? target.name || bo.name : bo.name) || "";
      document.getElementById("p-lane-group").value = kind === "lane" ? bo.name || "" : "";
      document.getElementById("p-instructions").value = ext.readText(bo, "spiffworkflow:InstructionsForEndUser");
      document.getElementById("p-legal").value = ext.readAll(target, "legalReference").join("\n");
      if (kind === "step") fillStepLanes(element);
      if (formEditor) formEditor.hidden = kind !== "step";
      onFormKey(kind === "step" ? ext.read(bo, "formJsonSchemaFilename") : "");
    }

    function moveIntoLane(element, lane) {
      var pool = participantOf(element);
      var cx = element.x + element.width / 2, cy = element.y + element.height / 2;
      // Inside the lane's drawing area: right of its label strip (30 px), centred on its height.
      var minX = lane.x + 30 + element.width / 2 + 10, maxX = lane.x + lane.width - element.width / 2 - 10;
      var tx = Math.min(Math.max(cx, minX), Math.max(minX, maxX));
      var ty = lane.y + lane.height / 2;
      modeling.moveElements([element], { x: Math.round(tx - cx), y: Math.round(ty - cy) }, pool);
      // A step already drawn inside the lane but missing from its list (a diagram made elsewhere) does not
      // move; have the lanes' lists recomputed from where the step is drawn.
      modeling.updateLaneRefs([element], lanesBeside(element));
    }

    function apply(input) {
      var element = shown;
      if (!element) return;
      var how = input.dataset.write;
      if (!how && !input.dataset.property) return;
      var bo = element.businessObject, target = propertyTarget(element), value = input.value.trim();
      if (input.dataset.property) {
        ext.write(element, target, input.dataset.property, value);
        if (input.dataset.property === "formJsonSchemaFilename") onFormKey(value);
      } else if (how === "label" || how === "lane-group") {
        // A pool's label and its process's name are one name to the office (the process list shows it).
        if (bo.$type !== "bpmn:Process") modeling.updateLabel(element, value);
        if (target !== bo || bo.$type === "bpmn:Process") {
          modeling.updateModdleProperties(element, target, { name: value });
        }
      } else if (how === "step-lane" && value) {
        moveIntoLane(element, registry.get(value));
      } else if (how === "instructions") {
        ext.writeText(element, bo, "spiffworkflow:InstructionsForEndUser", input.value);
      } else if (how === "legal") {
        var lines = input.value.split("\n").map(function (line) { return line.trim(); });
        ext.writeAll(element, target, "legalReference", lines);
      }
    }

    // Only the changed field is written: the others may hold edits not yet sent (typed, not left yet).
    form.addEventListener("change", function (event) {
      apply(event.target);
      if (event.target.id === "p-step-lane") fillStepLanes(shown);
    });
    form.addEventListener("submit", function (event) { event.preventDefault(); });
    modeler.on("selection.changed", function (event) {
      show(event.newSelection.length === 1 ? event.newSelection[0] : null);
    });
    modeler.on("elements.changed", function (event) {
      // Undo, redo and moves change what the panel shows; re-read it unless someone is typing in it.
      if (shown && !form.contains(document.activeElement) &&
          event.elements.some(function (e) { return e === shown || e.type === "bpmn:Lane"; })) show(shown);
    });
    return { show: show, refresh: function () { show(shown && registry.get(shown.id) ? shown : null); } };
  };
})();
