// The public pages' script: the quick exit (a click, or Esc twice), the
// place picker filled from /api/public/v1/orgs, and copying the tracking
// code. Every page works without it.
(function () {
  "use strict";
  document.documentElement.classList.add("js");

  // Quick exit: replace this page in the history, so Back does not come
  // back to it.
  function leave() { window.location.replace("/n"); }
  var exit = document.getElementById("quick-exit");
  if (exit) {
    exit.addEventListener("click", function (e) { e.preventDefault(); leave(); });
  }
  var lastEsc = 0;
  document.addEventListener("keydown", function (e) {
    if (e.key !== "Escape") return;
    var now = Date.now();
    if (now - lastEsc < 1500) leave();
    lastEsc = now;
  });

  // The place picker: choosing a district fills the streets, a street
  // the communities.
  // The step buttons are for browsers without script: removed, so Enter
  // in a field sends the form rather than a step.
  Array.prototype.forEach.call(document.querySelectorAll("button.step"), function (b) { b.remove(); });
  var levels = ["district", "street", "community"];
  var empty = { street: "请先选区县", community: "请先选街道" };
  function reset(sel, text) {
    while (sel.options.length > 0) sel.remove(0);
    sel.add(new Option(text, ""));
  }
  levels.forEach(function (level, i) {
    var sel = document.getElementById("f-" + level);
    var next = levels[i + 1] && document.getElementById("f-" + levels[i + 1]);
    if (!sel || !next) return;
    sel.addEventListener("change", function () {
      for (var j = i + 1; j < levels.length; j++) {
        reset(document.getElementById("f-" + levels[j]), empty[levels[j]]);
      }
      if (!sel.value) return;
      reset(next, "正在读取……");
      fetch("/api/public/v1/orgs?parent=" + encodeURIComponent(sel.value), { credentials: "omit" })
        .then(function (r) { if (!r.ok) throw new Error(String(r.status)); return r.json(); })
        .then(function (body) {
          reset(next, "请选择");
          body.items.forEach(function (p) { next.add(new Option(p.name, p.code)); });
        })
        .catch(function () { reset(next, "读取失败，可以不选，直接提交"); });
    });
  });

  // Copying the tracking code.
  var copy = document.getElementById("copy-code");
  if (copy && navigator.clipboard) {
    copy.hidden = false;
    copy.addEventListener("click", function () {
      navigator.clipboard.writeText(copy.getAttribute("data-copy")).then(function () {
        document.getElementById("copy-done").textContent = "已复制";
      }, function () {
        document.getElementById("copy-done").textContent = "没能复制，请长按编号复制";
      });
    });
  }
})();
