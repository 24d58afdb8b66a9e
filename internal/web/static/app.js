// halfsky progressive enhancement. Every page works without this file; it
// only adds conveniences. Loaded with defer on every page (the CSP allows no
// inline scripts, so behaviour lives here, bound by event delegation so it
// also covers content swapped in by htmx).
(function () {
  "use strict";

  // data-confirm="确定删除吗？" on a link, a button or a form asks first.
  document.addEventListener("click", function (e) {
    var el = e.target.closest && e.target.closest("[data-confirm]");
    if (!el || el.tagName === "FORM") return;
    if (!window.confirm(el.getAttribute("data-confirm"))) {
      e.preventDefault();
      e.stopImmediatePropagation();
    }
  }, true);
  document.addEventListener("submit", function (e) {
    var form = e.target;
    if (form.hasAttribute && form.hasAttribute("data-confirm") &&
        !window.confirm(form.getAttribute("data-confirm"))) {
      e.preventDefault();
      e.stopImmediatePropagation();
    }
  }, true);

  // Flash messages get a close button; success and info messages fade after
  // a while unless the pointer or focus is on them. Errors stay.
  function dismiss(flash) {
    flash.classList.add("is-leaving");
    setTimeout(function () { flash.remove(); }, 300);
  }
  function enhanceFlashes(root) {
    var flashes = root.querySelectorAll ? root.querySelectorAll(".flash") : [];
    Array.prototype.forEach.call(flashes, function (flash) {
      if (flash.querySelector(".flash-close")) return;
      var btn = document.createElement("button");
      btn.type = "button";
      btn.className = "flash-close";
      btn.setAttribute("aria-label", "关闭提示");
      btn.textContent = "×";
      btn.addEventListener("click", function () { dismiss(flash); });
      flash.appendChild(btn);
      if (flash.classList.contains("flash-error")) return;
      var timer = setTimeout(function () { dismiss(flash); }, 8000);
      function hold() { clearTimeout(timer); }
      flash.addEventListener("mouseenter", hold);
      flash.addEventListener("focusin", hold);
    });
  }
  enhanceFlashes(document);
  document.addEventListener("htmx:load", function (e) { enhanceFlashes(e.target); });

  // The phone menu (a <details>) closes on Escape and on a tap outside it.
  document.addEventListener("keydown", function (e) {
    if (e.key !== "Escape") return;
    document.querySelectorAll("details.menu[open]").forEach(function (d) {
      d.open = false;
      d.querySelector("summary").focus();
    });
  });
  document.addEventListener("click", function (e) {
    document.querySelectorAll("details.menu[open]").forEach(function (d) {
      if (!d.contains(e.target)) d.open = false;
    });
  });
})();
