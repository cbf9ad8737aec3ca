// The diagram editor page: bpmn-js's modeler (served from node_modules) opening the owner's draft, or
// the current version when there is none; save and discard the draft, check, deploy and download, all
// through PlanFlow's JSON API with the page's CSRF token.
(function () {
  "use strict";
  var NS = window.PlanFlowEditor || {};
  var root = document.getElementById("editor");
  if (!root || typeof window.BpmnJS !== "function" || !NS.spiffModdle) return;

  var texts = JSON.parse(root.dataset.texts);
  var status = document.getElementById("editor-status");
  var formEditor = document.getElementById("form-editor");
  var state = { hasDraft: root.dataset.hasDraft === "true", base: Number(root.dataset.version),
                current: Number(root.dataset.version), dirty: false };

  var modeler = new window.BpmnJS({ container: document.getElementById("canvas"),
                                     moddleExtensions: { spiffworkflow: NS.spiffModdle } });
  NS.modeler = modeler;  // for the browser's console and the browser tests

  // The form editor (another script) follows the selected step's form through this attribute and event.
  function onFormKey(key) {
    if (!formEditor || formEditor.dataset.formKey === key) return;
    formEditor.dataset.formKey = key;
    formEditor.dispatchEvent(new CustomEvent("planflow:form-key", { detail: { formKey: key }, bubbles: true }));
  }

  var lost = [];  // what bpmn-js could not read when the diagram was opened (it would not be saved)
  var panel = NS.panel(modeler, texts, onFormKey);
  var problems = NS.problems(modeler, JSON.parse(root.dataset.messages));

  function say(text, kind) {
    status.textContent = text;
    status.className = "editor-status" + (kind ? " editor-status-" + kind : "");
  }

  function request(method, url, body) {
    var options = { method: method, credentials: "same-origin", headers: { "X-CSRFToken": root.dataset.csrf } };
    if (body !== undefined) {
      options.body = body;
      options.headers["Content-Type"] = "application/xml";
    }
    return fetch(url, options).then(function (response) {
      var type = response.headers.get("Content-Type") || "";
      var read = type.indexOf("json") >= 0 ? response.json() : response.text();
      return read.then(function (data) { return { ok: response.ok, status: response.status, data: data }; });
    });
  }

  function failure(answer) {
    var error = answer.data && answer.data.error;
    return new Error(error ? error.message : "HTTP " + answer.status);
  }

  function currentXml() {
    return modeler.saveXML({ format: true }).then(function (result) { return result.xml; });
  }

  // The whole diagram in view, clear of the tool palette that floats over the canvas's left edge.
  function fit() {
    var canvas = modeler.get("canvas");
    var box = canvas.viewbox(), inner = box.inner, outer = box.outer;
    var left = 140, pad = 20;  // screen pixels: the palette's width and a margin
    if (!inner.width || !inner.height) return;
    var scale = Math.min((outer.width - left - pad) / inner.width, (outer.height - 2 * pad) / inner.height, 1.5);
    canvas.viewbox({ x: inner.x - left / scale, y: inner.y - pad / scale,
                     width: outer.width / scale, height: outer.height / scale });
  }

  function open(xml, note) {
    return modeler.importXML(xml).then(function (result) {
      lost = NS.keepUnresolvedReferences(modeler, result.warnings);
      fit();
      problems.clear();
      panel.refresh();
      state.dirty = false;
      document.getElementById("draft-state").textContent = note;
      root.dataset.ready = "true";
      if (lost.length) {
        say(texts.import_warnings + " " + lost.map(function (w) { return w.message; }).join("; "), "error");
      }
    });
  }

  function openCurrent() {
    return request("GET", root.dataset.versionUrl.replace(/\/\d+\/bpmn$/, "/" + state.current + "/bpmn"))
      .then(function (answer) {
        if (!answer.ok) throw failure(answer);
        state.base = state.current;
        return open(answer.data, texts.opened_current);
      });
  }

  function openDraft() {
    return request("GET", root.dataset.draftUrl).then(function (answer) {
      if (!answer.ok) throw failure(answer);
      state.base = answer.data.base_version || state.current;
      return open(answer.data.xml, texts.opened_draft);
    });
  }

  function saveDraft() {
    return currentXml().then(function (xml) {
      return request("PUT", root.dataset.draftUrl + "?base_version=" + state.base, xml);
    }).then(function (answer) {
      if (!answer.ok) throw failure(answer);
      state.hasDraft = true;
      state.dirty = false;
      return answer.data;
    });
  }

  function showCheck(answer) {
    var found = (answer.data && (answer.data.problems || (answer.data.error && answer.data.error.details))) || [];
    problems.show(found, found.length ? texts.check_bad : texts.check_ok);
    return found;
  }

  // Each action says it is working, then what happened; a failure is shown, never thrown away.
  function action(run) {
    return function () {
      say(texts.working, "busy");
      Promise.resolve().then(run).catch(function (error) { say(texts.failed + " " + error.message, "error"); });
    };
  }

  document.getElementById("save-draft").addEventListener("click", action(function () {
    return saveDraft().then(function () { say(texts.saved, "ok"); });
  }));

  document.getElementById("discard-draft").addEventListener("click", action(function () {
    if (!state.hasDraft && !state.dirty) { say(texts.no_draft, ""); return null; }
    if (!window.confirm(texts.confirm_discard)) { say("", ""); return null; }
    if (!state.hasDraft) return openCurrent().then(function () { say(texts.discarded, "ok"); });
    return request("DELETE", root.dataset.draftUrl).then(function (answer) {
      if (!answer.ok && answer.status !== 404) throw failure(answer);
      state.hasDraft = false;
      return openCurrent();
    }).then(function () { say(texts.discarded, "ok"); });
  }));

  document.getElementById("check").addEventListener("click", action(function () {
    return currentXml().then(function (xml) { return request("POST", root.dataset.checkUrl, xml); })
      .then(function (answer) {
        if (!answer.ok && !(answer.data && answer.data.error && answer.data.error.details)) throw failure(answer);
        var found = showCheck(answer);
        say(found.length ? texts.check_bad + " " + found.length : texts.check_ok, found.length ? "error" : "ok");
      });
  }));

  document.getElementById("deploy").addEventListener("click", action(function () {
    if (!window.confirm(texts.confirm_deploy)) { say("", ""); return null; }
    // The deploy takes the saved draft, so what is on screen is saved first.
    return saveDraft().then(function () { return request("POST", root.dataset.deployUrl); }).then(function (answer) {
      if (!answer.ok) {
        if (answer.data && answer.data.error && answer.data.error.details) {
          var found = showCheck(answer);
          say(texts.check_bad + " " + found.length, "error");
          return;
        }
        throw failure(answer);
      }
      if (answer.status === 200) {  // the same diagram as a deployed version: nothing new was stored
        say(texts.unchanged.replace("{n}", answer.data.version), "");
        return;
      }
      state.current = state.base = answer.data.version;
      state.hasDraft = false;
      root.dataset.version = String(answer.data.version);
      document.getElementById("current-version").textContent = String(answer.data.version);
      document.getElementById("draft-state").textContent = texts.opened_current;
      problems.clear();
      say(texts.deployed.replace("{n}", answer.data.version), "ok");
    });
  }));

  document.getElementById("download").addEventListener("click", action(function () {
    return currentXml().then(function (xml) {
      var link = document.createElement("a");
      link.href = URL.createObjectURL(new Blob([xml], { type: "application/xml" }));
      link.download = root.dataset.key + ".bpmn";
      document.body.appendChild(link);
      link.click();
      link.remove();
      setTimeout(function () { URL.revokeObjectURL(link.href); }, 1000);
      say("", "");
    });
  }));

  // Zoom around the middle of the canvas; the mouse wheel with Ctrl zooms too (bpmn-js's own).
  function zoomBy(factor) {
    var canvas = modeler.get("canvas"), outer = canvas.viewbox().outer;
    canvas.zoom(canvas.zoom() * factor, { x: outer.width / 2, y: outer.height / 2 });
  }
  document.getElementById("zoom-in").addEventListener("click", function () { zoomBy(1.25); });
  document.getElementById("zoom-out").addEventListener("click", function () { zoomBy(0.8); });
  document.getElementById("zoom-fit").addEventListener("click", fit);

  modeler.on("commandStack.changed", function (event) {
    if (event.trigger === "clear") return;  // opening a diagram empties the undo history: not an edit
    state.dirty = true;
    say(texts.unsaved, "dirty");
  });
  window.addEventListener("beforeunload", function (event) {
    if (state.dirty) event.preventDefault();
  });

  (state.hasDraft ? openDraft() : openCurrent()).catch(function (error) {
    root.dataset.ready = "error";
    say(texts.not_loaded + " " + error.message, "error");
  });
})();
