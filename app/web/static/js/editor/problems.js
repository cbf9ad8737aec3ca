// The check's results: listed in the side panel in the reader's language, and marked on the diagram
// (a red outline and a numbered badge on each element named). Clicking a problem selects its element.
(function () {
  "use strict";
  var NS = window.PlanFlowEditor = window.PlanFlowEditor || {};

  // The page's patterns turn the check's English wording into the reader's language; `$1` … are what
  // the pattern captured. Unknown wording is shown as the check wrote it.
  function translator(patterns) {
    var compiled = patterns.map(function (p) { return { re: new RegExp(p.pattern), text: p.text }; });
    return function (message) {
      for (var i = 0; i < compiled.length; i++) {
        var found = compiled[i].re.exec(message);
        if (found) {
          return compiled[i].text.replace(/\$(\d)/g, function (_, n) { return found[Number(n)] || ""; });
        }
      }
      return message;
    };
  }

  NS.problems = function (modeler, patterns) {
    var box = document.getElementById("problems-box");
    var list = document.getElementById("problems");
    var summary = document.getElementById("problems-summary");
    var registry = modeler.get("elementRegistry");
    var canvas = modeler.get("canvas");
    var overlays = modeler.get("overlays");
    var selection = modeler.get("selection");
    var translate = translator(patterns);
    var marked = [];

    function clear() {
      marked.forEach(function (id) { if (registry.get(id)) canvas.removeMarker(id, "pf-problem"); });
      marked = [];
      overlays.remove({ type: "pf-problem" });
      list.textContent = "";
    }

    function focus(id) {
      var element = id && registry.get(id);
      if (!element) return;
      selection.select(element);
      canvas.scrollToElement(element);
    }

    function badge(id, number) {
      var element = registry.get(id);
      if (!element || element.type === "label") return;
      if (marked.indexOf(id) < 0) {
        canvas.addMarker(id, "pf-problem");
        marked.push(id);
        var tag = document.createElement("span");
        tag.className = "pf-problem-badge";
        tag.textContent = String(number);
        overlays.add(id, "pf-problem", { position: { top: -10, right: 10 }, html: tag });
      }
    }

    function show(problems, heading) {
      clear();
      box.hidden = false;
      summary.textContent = heading;
      summary.className = problems.length ? "problems-bad" : "problems-ok";
      problems.forEach(function (problem, index) {
        var item = document.createElement("li");
        var english = problem.message || "";
        var text = translate(english);
        var button = document.createElement("button");
        button.type = "button";
        button.className = "link problem";
        button.dataset.elementId = problem.element_id || "";
        button.textContent = text;
        if (text !== english) button.title = english;
        button.addEventListener("click", function () { focus(problem.element_id); });
        var where = document.createElement("code");
        where.textContent = problem.element_id || "";
        item.appendChild(where);
        item.appendChild(document.createTextNode(" "));
        item.appendChild(button);
        list.appendChild(item);
        if (problem.element_id) badge(problem.element_id, index + 1);
      });
    }

    return { show: show, clear: function () { clear(); box.hidden = true; } };
  };
})();
