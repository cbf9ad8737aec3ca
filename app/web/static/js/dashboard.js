// Dashboard: a "select all" box for the bulk reassign (the page works without it).
(function () {
  "use strict";
  document.querySelectorAll(".select-all[data-target]").forEach(function (all) {
    var form = document.getElementById(all.dataset.target);
    if (!form) return;
    var boxes = form.querySelectorAll('input[name="task_id"]');
    all.hidden = false;
    all.addEventListener("change", function () {
      boxes.forEach(function (box) { box.checked = all.checked; });
    });
  });
})();
