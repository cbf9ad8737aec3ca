// Step forms: add and remove table rows, and bring the error summary into view after a refused send.
(function () {
  "use strict";

  function renumber(list, path) {
    Array.prototype.forEach.call(list.children, function (row, index) {
      row.dataset.index = String(index);
      row.querySelectorAll("[name], [id], [for], [aria-describedby]").forEach(function (el) {
        ["name", "id", "for", "aria-describedby"].forEach(function (attr) {
          var value = el.getAttribute(attr);
          if (value) el.setAttribute(attr, value.replace(new RegExp("(^|[ -])" + path.replace(/\./g, "\\.") + "\\.\\d+\\."), "$1" + path + "." + index + "."));
        });
      });
    });
  }

  function setUp(fieldset) {
    var path = fieldset.dataset.rows;
    var list = fieldset.querySelector(".row-list");
    var template = fieldset.querySelector("template");
    var add = fieldset.querySelector(".add-row");
    var max = parseInt(fieldset.dataset.max || "500", 10);
    var note = fieldset.querySelector(".no-js-note");
    if (note) note.hidden = true;

    function refresh() {
      add.disabled = list.children.length >= max;
      list.querySelectorAll(".remove-row").forEach(function (button) {
        button.hidden = false;
        button.disabled = list.children.length <= 1;
      });
    }

    add.hidden = false;
    add.addEventListener("click", function () {
      var html = template.innerHTML.replace(/__INDEX__/g, String(list.children.length));
      list.insertAdjacentHTML("beforeend", html);
      refresh();
      var first = list.lastElementChild.querySelector("input, select, textarea");
      if (first) first.focus();
    });
    list.addEventListener("click", function (event) {
      var button = event.target.closest(".remove-row");
      if (!button || list.children.length <= 1) return;
      var row = button.closest(".row-item");
      row.remove();
      renumber(list, path);
      refresh();
      add.focus();
    });
    refresh();
  }

  document.querySelectorAll("fieldset.rows").forEach(setUp);
  var summary = document.getElementById("error-summary");
  if (summary) summary.focus();
})();
