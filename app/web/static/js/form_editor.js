// Form editor: fills every <div id="form-editor" data-form-key="..."> (its own page, or the diagram
// editor's side panel) with a list of the form's fields (kind, Thai and English titles, required), lets a
// process owner add, remove and reorder them, shows the form as the step page draws it (the server
// renders the preview with the step page's own macros), and saves it through PUT /api/v1/forms/<key>.
// The form is JSON Schema; keys the editor does not show (lengths, patterns, help) are kept as they were.
// Embedding: load this script after the box exists. A panel that points the box at another form sets its
// data-form-key and dispatches "planflow:form-key" on it (or calls window.PlanFlowFormEditor.open(box));
// an empty key empties the box. The page must carry a CSRF token field (base.html's language form does):
// the preview and the save send it, as every write from a signed-in browser must.
(function () {
  "use strict";

  // The words come from the catalogs, rendered by the page as a JSON data block (forms/_editor_words.html).
  var WORDS = JSON.parse(document.getElementById("form-editor-words").textContent);
  var KINDS = WORDS.kinds;  // [widget, its name], the step page's widgets
  var NAME = /^[a-z][a-z0-9_]{0,59}$/;
  var TYPE_KEYS = ["type", "format", "enum", "x-enum-titles", "x-enum-titles-en", "items", "minimum", "maximum",
                   "exclusiveMinimum", "exclusiveMaximum", "multipleOf", "minItems", "maxItems", "uniqueItems",
                   "minLength", "maxLength", "pattern", "examples", "default"];

  // --- The schema: which kind a property is (as widgets.widget_of decides), and turning it into another. ---

  function kindOf(prop) {
    var hint = (prop["x-ui"] || {}).widget;
    if (prop.type === "array") {
      var items = prop.items || {};
      if (items.type === "object") return "table";
      return items.enum ? "multichoice" : "textarea";
    }
    if (prop.enum) return "choice";
    if (prop.type === "boolean") return "boolean";
    if (prop.type === "number" || prop.type === "integer") return hint === "money" ? "money" : prop.type;
    if (prop.format === "attachment") return "attachment";
    if (prop.format === "date") return "date";
    return hint === "textarea" ? "textarea" : "text";
  }

  function option(value) { return { enum: [value], "x-enum-titles": [value], "x-enum-titles-en": [value] }; }

  function withKind(prop, kind) {
    var next = {};
    Object.keys(prop).forEach(function (key) { if (TYPE_KEYS.indexOf(key) < 0) next[key] = prop[key]; });
    var ui = Object.assign({}, next["x-ui"] || {});
    delete ui.widget;
    var shapes = {
      text: { type: "string", maxLength: 500 }, textarea: { type: "string", maxLength: 5000 },
      number: { type: "number" }, integer: { type: "integer" }, money: { type: "number", minimum: 0 },
      date: { type: "string", format: "date" }, choice: Object.assign({ type: "string" }, option("1")),
      multichoice: { type: "array", items: Object.assign({ type: "string" }, option("1")) },
      boolean: { type: "boolean" }, attachment: { type: "string", format: "attachment" },
      table: { type: "array", minItems: 1, maxItems: 100, items: {
        type: "object", properties: { item: { title: "รายการ", "x-title-en": "Item", type: "string", maxLength: 500 } },
        required: [], additionalProperties: false } }
    };
    Object.assign(next, shapes[kind]);
    if (kind === "textarea" || kind === "money") ui.widget = kind;
    if (Object.keys(ui).length) next["x-ui"] = ui; else delete next["x-ui"];
    return next;
  }

  function order(node) {
    var props = node.properties || {};
    var listed = ((node["x-ui"] || {}).order || []).filter(function (n) { return n in props; });
    Object.keys(props).forEach(function (n) { if (listed.indexOf(n) < 0) listed.push(n); });
    node["x-ui"] = Object.assign({}, node["x-ui"] || {}, { order: listed });
    return listed;
  }

  function choiceSource(prop) { return prop.type === "array" ? prop.items : prop; }

  function choicesText(prop) {
    var source = choiceSource(prop);
    return (source.enum || []).map(function (value, i) {
      return [value, (source["x-enum-titles"] || [])[i] || "", (source["x-enum-titles-en"] || [])[i] || ""].join("|");
    }).join("\n");
  }

  function setChoices(prop, text) {
    var source = choiceSource(prop);
    var lines = text.split("\n").map(function (l) { return l.trim(); }).filter(Boolean);
    source.enum = lines.map(function (l) { return l.split("|")[0].trim(); });
    source["x-enum-titles"] = lines.map(function (l) { return (l.split("|")[1] || l.split("|")[0]).trim(); });
    source["x-enum-titles-en"] = lines.map(function (l) { return (l.split("|")[2] || l.split("|")[0]).trim(); });
  }

  // --- The page. ---

  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (key) {
      if (key === "text") node.textContent = attrs[key];
      else if (key === "value" || (key in node && typeof attrs[key] !== "string")) node[key] = attrs[key];
      else node.setAttribute(key, attrs[key]);
    });
    (children || []).forEach(function (child) { node.appendChild(child); });
    return node;
  }

  function labelled(text, input) { return el("label", { "class": "fe-label" }, [el("span", { text: text }), input]); }

  function csrfToken() {
    var input = document.querySelector('input[name="csrf_token"]');
    return input ? input.value : "";
  }

  function Editor(box, schema, sha256) {
    this.box = box;
    this.schema = schema;
    this.sha256 = sha256 || null;
    this.key = box.dataset.formKey.replace(/\.json$/, "");
    this.previewUrl = box.dataset.previewUrl || "/forms/" + encodeURIComponent(this.key) + "/preview";
    this.saveUrl = box.dataset.saveUrl || "/api/v1/forms/" + encodeURIComponent(this.key);
    this.timer = null;
    this.build();
  }

  Editor.prototype.build = function () {
    var self = this;
    this.box.textContent = "";
    var title = el("input", { "class": "fe-form-title", value: this.schema.title || "" });
    var titleEn = el("input", { "class": "fe-form-title-en", value: this.schema["x-title-en"] || "" });
    title.addEventListener("input", function () { self.schema.title = title.value; self.changed(); });
    titleEn.addEventListener("input", function () { self.schema["x-title-en"] = titleEn.value; self.changed(); });
    this.list = el("ol", { "class": "fe-fields" });
    var add = el("button", { type: "button", "class": "fe-add", text: WORDS.add });
    add.addEventListener("click", function () { self.addField(self.schema, self.list); });
    this.status = el("p", { "class": "fe-status", role: "status" });
    this.problems = el("ul", { "class": "fe-problems field-error" });
    var save = el("button", { type: "button", "class": "primary fe-save", text: WORDS.save });
    save.addEventListener("click", function () { self.save(); });
    this.preview = el("div", { "class": "fe-preview", "aria-live": "polite" });
    this.box.appendChild(el("div", { "class": "fe-layout" }, [
      el("div", { "class": "fe-edit" }, [labelled(WORDS.formTitle, title), labelled(WORDS.formTitleEn, titleEn),
        el("h2", { text: WORDS.fields }), this.list, add, this.problems, el("div", { "class": "actions" }, [save]),
        this.status]),
      el("section", { "class": "fe-preview-box box" }, [el("h2", { text: WORDS.preview }), this.preview])
    ]));
    this.renderFields(this.schema, this.list, true);
    this.refreshPreview();
    this.box.dataset.ready = "true";
  };

  // The rows of one object's fields (the form's, or a table's columns when `top` is false).
  Editor.prototype.renderFields = function (node, list, top) {
    var self = this;
    list.textContent = "";
    order(node).forEach(function (name, index, names) {
      list.appendChild(self.fieldRow(node, list, name, index, names.length, top));
    });
  };

  Editor.prototype.fieldRow = function (node, list, name, index, count, top) {
    var self = this;
    var prop = node.properties[name];
    var kind = kindOf(prop);
    var required = (node.required || []).indexOf(name) >= 0;
    var row = el("li", { "class": "fe-field", "data-name": name });
    var nameInput = el("input", { "class": "fe-name", value: name, spellcheck: false });
    var kindSelect = el("select", { "class": "fe-kind" });
    KINDS.forEach(function (k) {
      if (!top && k[0] === "table") return;  // a table cannot hold another table
      kindSelect.appendChild(el("option", { value: k[0], text: k[1], selected: k[0] === kind }));
    });
    var title = el("input", { "class": "fe-title", value: prop.title || "" });
    var titleEn = el("input", { "class": "fe-title-en", value: prop["x-title-en"] || "" });
    var req = el("input", { type: "checkbox", "class": "fe-required", checked: required });
    var buttons = [["fe-up", "↑", WORDS.up, index === 0], ["fe-down", "↓", WORDS.down, index === count - 1],
                   ["fe-remove", "✕", WORDS.remove, false]].map(function (b) {
      return el("button", { type: "button", "class": b[0], text: b[1], title: b[2], "aria-label": b[2], disabled: b[3] });
    });
    row.appendChild(el("div", { "class": "fe-row" }, [labelled(WORDS.name, nameInput), labelled(WORDS.kind, kindSelect),
      labelled(WORDS.title, title), labelled(WORDS.titleEn, titleEn), labelled(WORDS.required, req)].concat(buttons)));

    title.addEventListener("input", function () { prop.title = title.value; self.changed(); });
    titleEn.addEventListener("input", function () { prop["x-title-en"] = titleEn.value; self.changed(); });
    req.addEventListener("change", function () {
      var listed = (node.required || []).filter(function (n) { return n !== name; });
      if (req.checked) listed.push(name);
      node.required = listed;
      self.changed();
    });
    nameInput.addEventListener("change", function () { self.rename(node, list, name, nameInput, top); });
    kindSelect.addEventListener("change", function () {
      node.properties[name] = withKind(prop, kindSelect.value);
      self.renderFields(node, list, top);
      self.changed();
    });
    buttons[0].addEventListener("click", function () { self.move(node, list, index, -1, top); });
    buttons[1].addEventListener("click", function () { self.move(node, list, index, 1, top); });
    buttons[2].addEventListener("click", function () { self.remove(node, list, name, top); });

    if (kind === "choice" || kind === "multichoice") {
      var choices = el("textarea", { "class": "fe-choices", rows: 3, value: choicesText(prop) });
      choices.addEventListener("input", function () { setChoices(prop, choices.value); self.changed(); });
      row.appendChild(labelled(WORDS.options, choices));
    }
    if (kind === "table") {
      var columns = el("ol", { "class": "fe-fields fe-columns" });
      var addColumn = el("button", { type: "button", "class": "fe-add-column", text: WORDS.addColumn });
      addColumn.addEventListener("click", function () { self.addField(prop.items, columns); });
      row.appendChild(el("div", { "class": "fe-table" }, [el("p", { text: WORDS.columns }), columns, addColumn]));
      this.renderFields(prop.items, columns, false);
    }
    return row;
  };

  Editor.prototype.addField = function (node, list) {
    node.properties = node.properties || {};
    var n = Object.keys(node.properties).length + 1;
    while (("field_" + n) in node.properties) n += 1;
    var name = "field_" + n;
    node.properties[name] = withKind({ title: "", "x-title-en": "" }, "text");
    order(node);
    this.renderFields(node, list, node === this.schema);
    var added = list.querySelector('.fe-field[data-name="' + name + '"] .fe-title');
    if (added) added.focus();
    this.changed();
  };

  Editor.prototype.rename = function (node, list, from, input, top) {
    var to = input.value.trim();
    if (to === from) return;
    if (!NAME.test(to) || to in node.properties) {
      input.setCustomValidity(WORDS.badName);
      input.reportValidity();
      return;
    }
    input.setCustomValidity("");
    var props = {};
    Object.keys(node.properties).forEach(function (n) { props[n === from ? to : n] = node.properties[n]; });
    node.properties = props;
    node.required = (node.required || []).map(function (n) { return n === from ? to : n; });
    node["x-ui"].order = node["x-ui"].order.map(function (n) { return n === from ? to : n; });
    this.renderFields(node, list, top);
    this.changed();
  };

  Editor.prototype.move = function (node, list, index, step, top) {
    var names = order(node);
    var target = index + step;
    if (target < 0 || target >= names.length) return;
    names.splice(target, 0, names.splice(index, 1)[0]);
    node["x-ui"].order = names;
    this.renderFields(node, list, top);
    var moved = list.children[target] && list.children[target].querySelector(step < 0 ? ".fe-up" : ".fe-down");
    if (moved && !moved.disabled) moved.focus();
    this.changed();
  };

  Editor.prototype.remove = function (node, list, name, top) {
    delete node.properties[name];
    node.required = (node.required || []).filter(function (n) { return n !== name; });
    order(node);
    this.renderFields(node, list, top);
    this.changed();
  };

  // Every change: the preview follows a moment after typing stops.
  Editor.prototype.changed = function () {
    var self = this;
    this.status.textContent = "";
    clearTimeout(this.timer);
    this.timer = setTimeout(function () { self.refreshPreview(); }, 300);
  };

  Editor.prototype.showProblems = function (error) {
    var list = this.problems;
    list.textContent = "";
    if (!error) return;
    var fields = error.fields || {};
    var lines = Object.keys(fields).length ? Object.keys(fields).map(function (path) {
      return (path === "_form" ? "" : path + ": ") + fields[path].join("; ");
    }) : [error.message];
    lines.forEach(function (line) { list.appendChild(el("li", { text: line })); });
  };

  Editor.prototype.refreshPreview = function () {
    var self = this;
    var sent = JSON.stringify({ schema: this.schema });
    fetch(this.previewUrl, {
      method: "POST", credentials: "same-origin", body: sent,
      headers: { "Content-Type": "application/json", Accept: "application/json", "X-CSRFToken": csrfToken() }
    }).then(function (response) {
      return response.json().then(function (body) { return { ok: response.ok, body: body }; });
    }).then(function (answer) {
      if (sent !== JSON.stringify({ schema: self.schema })) return;  // a newer change's preview is on its way
      if (answer.ok) {
        self.preview.innerHTML = answer.body.html;  // rendered and escaped by the server's templates
        self.showProblems(null);
      } else {
        self.showProblems(answer.body.error || {});
      }
      self.box.dataset.previewed = String(Number(self.box.dataset.previewed || 0) + 1);
    }).catch(function (error) { self.showProblems({ message: error.message }); });
  };

  Editor.prototype.save = function () {
    var self = this;
    this.status.textContent = WORDS.saving;
    fetch(this.saveUrl, {
      method: "PUT", credentials: "same-origin",
      body: JSON.stringify({ schema: this.schema, base_sha256: this.sha256 }),
      headers: { "Content-Type": "application/json", Accept: "application/json", "X-CSRFToken": csrfToken() }
    }).then(function (response) {
      return response.json().then(function (body) { return { status: response.status, body: body }; });
    }).then(function (answer) {
      if (answer.status === 200) {
        self.sha256 = answer.body.sha256;
        self.box.dataset.sha256 = self.sha256;
        self.showProblems(null);
        self.status.textContent = WORDS.saved;
      } else {
        self.status.textContent = answer.status === 409 ? WORDS.conflict : WORDS.problems;
        self.showProblems(answer.body.error || {});
      }
    }).catch(function (error) { self.status.textContent = error.message; });
  };

  function start(box) {
    if (!box || box.dataset.ready) return;
    if (!box.dataset.formKey) {  // the panel shows something that has no form
      box.textContent = "";
      return;
    }
    if (box.dataset.schema) {
      new Editor(box, JSON.parse(box.dataset.schema), box.dataset.sha256);
      return;
    }
    // Embedded without the form (the diagram editor's panel): read it, or start a new one.
    var key = box.dataset.formKey.replace(/\.json$/, "");
    fetch("/api/v1/forms/" + encodeURIComponent(key), { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        if (response.status === 404) {
          return { schema: { type: "object", title: "", "x-title-en": "", properties: {}, required: [],
                             additionalProperties: false, "x-ui": { order: [] } }, sha256: null };
        }
        if (!response.ok) throw new Error(WORDS.loadError + " (HTTP " + response.status + ")");
        return response.json();
      })
      .then(function (form) {
        if (box.dataset.formKey.replace(/\.json$/, "") !== key) return;  // another step was chosen meanwhile
        new Editor(box, form.schema, form.sha256);
      })
      .catch(function (error) { box.textContent = error.message; box.dataset.ready = "error"; });
  }

  // The diagram editor's panel shows another step's form in the same box: `open` starts over with it.
  function open(box) {
    if (!box) return;
    delete box.dataset.ready;
    delete box.dataset.schema;
    start(box);
  }

  window.PlanFlowFormEditor = { start: start, open: open, kindOf: kindOf };
  document.querySelectorAll("#form-editor, .form-editor[data-form-key]").forEach(function (box) {
    box.addEventListener("planflow:form-key", function (event) {
      if (event.target === box) open(box);
    });
    start(box);
  });
})();
