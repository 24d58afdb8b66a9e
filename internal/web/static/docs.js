// The requirement form: add more numeric-field rows. Without this file the
// form still offers three rows, enough for most requirements.
(function () {
  "use strict";
  document.querySelectorAll("[data-add-row]").forEach(function (btn) {
    var box = btn.closest("fieldset").querySelector("[data-rows]");
    if (!box) return;
    btn.hidden = false;
    btn.addEventListener("click", function () {
      var rows = box.querySelectorAll("[data-row]");
      if (rows.length >= 20) return;
      var row = rows[rows.length - 1].cloneNode(true);
      var n = rows.length;
      row.querySelectorAll("input").forEach(function (input) {
        input.value = "";
        input.id = input.id.replace(/-\d+$/, "-" + n);
      });
      row.querySelectorAll("label").forEach(function (label) {
        label.htmlFor = label.htmlFor.replace(/-\d+$/, "-" + n);
      });
      box.appendChild(row);
      row.querySelector("input").focus();
    });
  });
})();
