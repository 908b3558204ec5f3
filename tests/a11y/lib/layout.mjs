// In-page layout checks used for reflow (320 px), zoom (200 %) and text spacing (WCAG 1.4.12).
// Each check returns a list of human-readable problems; an empty list means the page passed.

/** The WCAG 1.4.12 text-spacing overrides (the standard bookmarklet's values). */
export const TEXT_SPACING_CSS = `* { line-height: 1.5 !important; letter-spacing: 0.12em !important;
  word-spacing: 0.16em !important; } p { margin-bottom: 2em !important; }`;

/** Text-only 200 % zoom: every rem/em size doubles while the viewport stays the same. */
export const TEXT_ZOOM_CSS = 'html { font-size: 200% !important; }';

/**
 * Runs in the page. Options: { overlap: boolean }.
 * - horizontal scroll of the whole page;
 * - text cut by an element that hides overflow (or scrolls, outside tables);
 * - text outside the viewport horizontally;
 * - with overlap: text boxes of different text nodes that overlap each other.
 */
export function inPageLayoutProblems(opts) {
  const problems = [];
  const vw = document.documentElement.clientWidth;
  const name = (el) => {
    if (!el || el.nodeType !== 1) return String(el);
    let s = el.tagName.toLowerCase();
    if (el.id) s += '#' + el.id;
    if (el.classList.length) s += '.' + [...el.classList].join('.');
    return s;
  };
  // Content a screen reader still gets but that is deliberately not painted. Memoised per
  // element: the walks below ask for every element and every text node, and recomputing each
  // ancestor chain made a long page cost seconds on a slow host.
  const hiddenMemo = new Map();
  const hiddenOnPurpose = (el) => {
    if (!el || el.nodeType !== 1) return false;
    let hidden = hiddenMemo.get(el);
    if (hidden === undefined) {
      const cs = getComputedStyle(el);
      hidden = cs.clipPath !== 'none' || (!!cs.clip && cs.clip !== 'auto')
        || el.classList.contains('hp') || el.classList.contains('visually-hidden')
        || el.getAttribute('aria-hidden') === 'true'
        || cs.visibility === 'hidden' || cs.display === 'none'
        || hiddenOnPurpose(el.parentElement);
      hiddenMemo.set(el, hidden);
    }
    return hidden;
  };
  const scrollsOnPurpose = (el) => !!el.querySelector('table, pre');

  if (document.documentElement.scrollWidth > vw + 1) {
    // Name the elements that stick out, deepest first.
    const wide = [...document.body.querySelectorAll('*')].filter((e) => {
      const r = e.getBoundingClientRect();
      return r.right > vw + 1 && !hiddenOnPurpose(e);
    }).slice(-5).map((e) => `${name(e)} right=${Math.round(e.getBoundingClientRect().right)}`);
    problems.push(`horizontal scroll: page is ${document.documentElement.scrollWidth}px wide in a ${vw}px viewport (${wide.join('; ')})`);
  }

  for (const el of document.body.querySelectorAll('*')) {
    if (hiddenOnPurpose(el)) continue;
    const cs = getComputedStyle(el);
    const ox = cs.overflowX, oy = cs.overflowY;
    if (ox === 'visible' && oy === 'visible') continue;
    if (!el.textContent.trim()) continue;
    const cutX = el.scrollWidth > el.clientWidth + 1, cutY = el.scrollHeight > el.clientHeight + 1;
    const hides = (o) => o === 'hidden' || o === 'clip';
    if ((cutX && hides(ox)) || (cutY && hides(oy))) {
      problems.push(`text cut: ${name(el)} hides ${el.scrollWidth}x${el.scrollHeight} of content in ${el.clientWidth}x${el.clientHeight}`);
    } else if ((cutX || cutY) && !scrollsOnPurpose(el)) {
      problems.push(`text in a scroll box: ${name(el)} scrolls ${el.scrollWidth}x${el.scrollHeight} in ${el.clientWidth}x${el.clientHeight}`);
    }
  }

  // Text node boxes, skipping text that is hidden on purpose or lives in a table scroller.
  const boxes = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let n = walker.nextNode(); n; n = walker.nextNode()) {
    if (!n.data.trim()) continue;
    const el = n.parentElement;
    if (!el || ['SCRIPT', 'STYLE', 'NOSCRIPT', 'TEXTAREA', 'OPTION'].includes(el.tagName)) continue;
    if (hiddenOnPurpose(el)) continue;
    if (el.closest('.table-wrap')) continue;
    const range = document.createRange();
    range.selectNodeContents(n);
    for (const r of range.getClientRects()) {
      if (r.width < 1 || r.height < 1) continue;
      const sx = window.scrollX;
      if (r.left + sx < -1 || r.right + sx > vw + 1) {
        problems.push(`text outside the viewport: "${n.data.trim().slice(0, 40)}" in ${name(el)} spans ${Math.round(r.left + sx)}..${Math.round(r.right + sx)} of ${vw}px`);
      }
      boxes.push({ n, el, l: r.left + sx, r: r.right + sx, t: r.top + window.scrollY, b: r.bottom + window.scrollY });
    }
  }
  if (opts && opts.overlap) {
    boxes.sort((a, b) => a.t - b.t);
    const seen = new Set();
    for (let i = 0; i < boxes.length; i++) {
      const a = boxes[i];
      for (let j = i + 1; j < boxes.length && boxes[j].t < a.b; j++) {
        const b = boxes[j];
        if (a.n === b.n) continue;
        const w = Math.min(a.r, b.r) - Math.max(a.l, b.l), h = Math.min(a.b, b.b) - Math.max(a.t, b.t);
        // A pixel of touching is rounding; real overlap hides part of a glyph.
        if (w > 2 && h > 2) {
          const key = `${name(a.el)}|${name(b.el)}`;
          if (seen.has(key)) continue;
          seen.add(key);
          problems.push(`text overlaps: "${a.n.data.trim().slice(0, 30)}" (${name(a.el)}) and "${b.n.data.trim().slice(0, 30)}" (${name(b.el)}) by ${Math.round(w)}x${Math.round(h)}px`);
        }
      }
    }
  }
  return problems.slice(0, 20);
}
