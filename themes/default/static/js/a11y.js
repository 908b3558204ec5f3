// Low-vision settings: font size, colours, letter spacing, images. Saved in localStorage and
// applied on every page by a one-line script in <head>. Without this file the page is complete.
(function () {
  var KEY = "yasno.a11y", root = document.documentElement, bar = document.getElementById("a11y-bar");
  if (!bar) return;
  var load = function () { try { return JSON.parse(localStorage.getItem(KEY) || "{}"); } catch (e) { return {}; } };
  var save = function (s) { try { localStorage.setItem(KEY, JSON.stringify(s)); } catch (e) {} };
  var state = load();
  var toggle = bar.querySelector(".a11y-toggle"), panel = document.getElementById("a11y-panel");
  var buttons = panel.querySelectorAll("button[data-set]");
  var defaults = { fs: "1", scheme: "", spacing: "normal", images: "on" };
  function apply() {
    for (var k in defaults) {
      if (state[k] && state[k] !== defaults[k]) root.setAttribute("data-" + k, state[k]);
      else root.removeAttribute("data-" + k);
    }
    for (var i = 0; i < buttons.length; i++) {
      var b = buttons[i], cur = state[b.dataset.set] || defaults[b.dataset.set];
      b.setAttribute("aria-pressed", String(cur === b.dataset.value));
    }
  }
  bar.hidden = false;
  toggle.addEventListener("click", function () {
    var open = toggle.getAttribute("aria-expanded") !== "true";
    toggle.setAttribute("aria-expanded", String(open));
    panel.hidden = !open;
  });
  panel.addEventListener("click", function (e) {
    var b = e.target.closest("button");
    if (!b) return;
    if (b.hasAttribute("data-reset")) state = {};
    else state[b.dataset.set] = b.dataset.value;
    save(state); apply();
  });
  document.addEventListener("keydown", function (e) {
    if (e.key === "Escape" && !panel.hidden) { panel.hidden = true; toggle.setAttribute("aria-expanded", "false"); toggle.focus(); }
  });
  apply();
})();
