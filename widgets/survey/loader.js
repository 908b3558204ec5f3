// Loads the yasno survey widget only when needed: when the survey nears the viewport, gets focus,
// or an answer from an earlier visit waits in localStorage. Without WebAssembly nothing happens
// and the plain form stays. The widget's folder is data-widget-base on section#survey, else the
// folder of this script (so sites under a sub-path work).
(function () {
  var s = document.getElementById("survey"), d = document.currentScript, done;
  if (!s || typeof WebAssembly != "object" || !s.querySelector(".survey-data")) return;
  var base = s.getAttribute("data-widget-base") || (d && d.src ? d.src.replace(/[^/]*$/, "") : "/widgets/");
  function go() {
    if (done) return;
    done = 1;
    if (o) o.disconnect();
    s.removeEventListener("focusin", go);
    import(base + "survey.js").then(function (m) { return m.default({ module_or_path: base + "survey_bg.wasm" }); })
      .catch(function () { /* the plain form keeps working */ });
  }
  var o = window.IntersectionObserver && new IntersectionObserver(function (e) {
    if (e.some(function (x) { return x.isIntersecting; })) go();
  }, { rootMargin: "300px 0px" });
  s.addEventListener("focusin", go);
  if (o) o.observe(s);
  try { if (localStorage.getItem("yasno.pending")) go(); } catch (e) {}
})();
