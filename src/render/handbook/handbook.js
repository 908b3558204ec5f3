// The staff handbook's script: due dates from the date a request arrived, search over
// templates and scripts, and a copy button per text. Works from file:// (the data comes
// from data.js, a <script>, not a fetch) and degrades to plain pages without it.
(function () {
  "use strict";
  var data = window.YASNO_HANDBOOK || { index: [], calendar: { off: [], work: [] } };
  var off = {}, work = {};
  data.calendar.off.forEach(function (d) { off[d] = true; });
  data.calendar.work.forEach(function (d) { work[d] = true; });

  function iso(d) { return d.toISOString().slice(0, 10); }
  function ru(d) { var s = iso(d); return s.slice(8, 10) + "." + s.slice(5, 7) + "." + s.slice(0, 4); }
  function isWorking(d) {
    var s = iso(d);
    if (work[s]) return true;
    if (off[s]) return false;
    var w = d.getUTCDay();
    return w !== 0 && w !== 6;
  }
  // The same rule as yasno's Rust code (src/handbook.rs, due_date).
  function due(received, days, kind) {
    var d = new Date(received.getTime());
    if (kind === "working") {
      var left = days;
      while (left > 0) { d.setUTCDate(d.getUTCDate() + 1); if (isWorking(d)) left--; }
    } else {
      d.setUTCDate(d.getUTCDate() + days);
      while (!isWorking(d)) d.setUTCDate(d.getUTCDate() + 1);
    }
    return d;
  }
  window.yasnoDueDate = function (receivedIso, days, kind) { return iso(due(new Date(receivedIso + "T00:00:00Z"), days, kind)); };

  var KEY = "yasno-handbook-received";
  function applyReceived(value) {
    if (!/^\d{4}-\d{2}-\d{2}$/.test(value || "")) return;
    var received = new Date(value + "T00:00:00Z");
    var times = document.querySelectorAll("time.due");
    for (var i = 0; i < times.length; i++) {
      var t = times[i];
      var d = due(received, parseInt(t.getAttribute("data-days"), 10), t.getAttribute("data-kind"));
      t.setAttribute("datetime", iso(d));
      t.textContent = ru(d);
    }
  }
  var input = document.getElementById("received");
  var saved = null;
  try { saved = window.sessionStorage.getItem(KEY); } catch (e) { saved = null; }
  if (input) {
    if (saved) input.value = saved;
    input.addEventListener("change", function () {
      try { window.sessionStorage.setItem(KEY, input.value); } catch (e) { /* file:// may forbid storage */ }
      applyReceived(input.value);
    });
    input.addEventListener("input", function () { applyReceived(input.value); });
    applyReceived(input.value);
  } else if (saved) {
    applyReceived(saved);
  }

  // Search: every word must appear in the title, the page or the text.
  var q = document.getElementById("q"), results = document.getElementById("results");
  function search() {
    var words = q.value.toLowerCase().split(/\s+/).filter(Boolean);
    results.textContent = "";
    if (!words.length) { results.hidden = true; return; }
    // Texts whose title or page name the words are in come first.
    var score = function (e) {
      var title = e.title.toLowerCase(), page = e.page.toLowerCase();
      return words.reduce(function (n, w) { return n + (title.indexOf(w) >= 0 ? 2 : 0) + (page.indexOf(w) >= 0 ? 1 : 0); }, 0);
    };
    var found = data.index.filter(function (e) {
      var hay = (e.title + " " + e.page + " " + e.kind + " " + e.text).toLowerCase();
      return words.every(function (w) { return hay.indexOf(w) >= 0; });
    }).map(function (e, i) { return { e: e, s: score(e), i: i }; })
      .sort(function (a, b) { return b.s - a.s || a.i - b.i; })
      .map(function (x) { return x.e; })
      .slice(0, 50);
    var p = document.createElement("p");
    p.textContent = found.length ? "Найдено: " + found.length : "Ничего не найдено. Попробуйте другое слово.";
    results.appendChild(p);
    if (found.length) {
      var ol = document.createElement("ol");
      found.forEach(function (e) {
        var li = document.createElement("li"), a = document.createElement("a");
        a.href = e.url;
        a.textContent = e.title + " — " + e.page;
        li.appendChild(a);
        ol.appendChild(li);
      });
      results.appendChild(ol);
    }
    results.hidden = false;
  }
  if (q && results) q.addEventListener("input", search);

  // Copy: the text parts without their headings, as plain text.
  function textOf(body) {
    var copy = body.cloneNode(true);
    var names = copy.querySelectorAll(".part-name");
    for (var i = 0; i < names.length; i++) names[i].parentNode.removeChild(names[i]);
    return copy.innerText.replace(/\n{3,}/g, "\n\n").trim();
  }
  function fallbackCopy(text) {
    var area = document.createElement("textarea");
    area.value = text;
    area.setAttribute("readonly", "");
    area.style.position = "absolute";
    area.style.left = "-9999px";
    document.body.appendChild(area);
    area.select();
    var ok = false;
    try { ok = document.execCommand("copy"); } catch (e) { ok = false; }
    document.body.removeChild(area);
    return ok;
  }
  var buttons = document.querySelectorAll("button.copy");
  for (var i = 0; i < buttons.length; i++) {
    buttons[i].addEventListener("click", function (ev) {
      var button = ev.currentTarget;
      var body = document.getElementById(button.getAttribute("data-target"));
      var status = button.parentNode.querySelector(".copied");
      var text = textOf(body);
      // What was copied, for tests and for a person to check.
      button.setAttribute("data-copied", text);
      function done(ok) { status.textContent = ok ? "Скопировано" : "Не получилось скопировать. Выделите текст и нажмите Ctrl+C."; }
      if (navigator.clipboard && navigator.clipboard.writeText) {
        navigator.clipboard.writeText(text).then(function () { done(true); }, function () { done(fallbackCopy(text)); });
      } else {
        done(fallbackCopy(text));
      }
    });
  }
})();
