// Inbox: a "select all" box for the bulk actions (the page works without it).
(function () {
  "use strict";
  var all = document.querySelector(".select-all");
  if (!all) return;
  var boxes = document.querySelectorAll('#bulk-form input[name="task_id"]');
  all.hidden = false;
  all.addEventListener("change", function () {
    boxes.forEach(function (box) { box.checked = all.checked; });
  });
})();
