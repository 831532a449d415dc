// arena serve: live updates (poll the store's version, swap in the new page body) and the
// replay viewer (step through frames, draw boards). No libraries, nothing fetched from afar.
"use strict";

(function live() {
  const main = document.getElementById("live");
  if (!main || !main.dataset.poll) return;
  const every = Number(main.dataset.pollMs) || 2000;
  async function check() {
    try {
      const r = await fetch(main.dataset.poll, { cache: "no-store" });
      if (r.ok) {
        const v = await r.json();
        const now = v.games + "-" + v.max_id;
        if (now !== main.dataset.version) {
          const page = await fetch(location.href, { cache: "no-store" });
          if (page.ok) {
            const doc = new DOMParser().parseFromString(await page.text(), "text/html");
            const fresh = doc.getElementById("live");
            if (fresh) {
              main.innerHTML = fresh.innerHTML;
              main.dataset.version = fresh.dataset.version || now;
            }
          }
        }
      }
    } catch (e) { /* the server may be restarting; try again next time */ }
    setTimeout(check, every);
  }
  setTimeout(check, every);
})();

(function viewer() {
  const data = document.getElementById("frames");
  if (!data) return;
  const frames = JSON.parse(data.textContent);
  const board = document.getElementById("board"), text = document.getElementById("text");
  const slider = document.getElementById("slider"), plyLabel = document.getElementById("ply");
  const list = document.getElementById("moves");
  const NS = "http://www.w3.org/2000/svg";
  const GLYPHS = { K: "\u2654", Q: "\u2655", R: "\u2656", B: "\u2657", N: "\u2658", P: "\u2659",
                   k: "\u265A", q: "\u265B", r: "\u265C", b: "\u265D", n: "\u265E", p: "\u265F" };
  const HEROES = { T: "#1f5fa8", R: "#1f5fa8", H: "#1f5fa8", B: "#0d3a6e", t: "#b3261e", r: "#b3261e", h: "#b3261e", b: "#6e0d0d", x: "#777" };

  function el(name, attrs, parent) {
    const e = document.createElementNS(NS, name);
    for (const k in attrs) e.setAttribute(k, attrs[k]);
    if (parent) parent.appendChild(e);
    return e;
  }

  function draw(b) {
    const rows = b.cells.length, cols = b.cells[0].length, s = b.kind === "chess" ? 48 : b.kind === "heroes" ? 30 : 52;
    const svg = el("svg", { viewBox: `0 0 ${cols * s} ${rows * s}`, width: cols * s, height: rows * s,
                            class: "drawn " + b.kind, "data-rows": rows, "data-cols": cols });
    b.cells.forEach((row, r) => row.forEach((c, q) => {
      const x = q * s, y = r * s;
      const dark = (r + q) % 2 === 1;
      const fill = b.kind === "chess" || b.kind === "grid" ? (dark ? "#b58863" : "#f0d9b5")
                 : b.kind === "stones" ? "#2b5fb4" : b.kind === "go" ? "#dcb35c" : "#f4f4f2";
      el("rect", { x, y, width: s, height: s, fill, stroke: b.kind === "heroes" ? "#e0e0e0" : "#334" ,
                   "stroke-width": b.kind === "stones" ? 0 : 0.5, "data-cell": c }, svg);
      if (b.kind === "marks" && c !== ".") {
        const t = el("text", { x: x + s / 2, y: y + s / 2 + 12, "text-anchor": "middle", "font-size": 34,
                               "font-family": "DejaVu Sans, sans-serif", fill: c === "x" ? "#1f5fa8" : "#b3261e" }, svg);
        t.textContent = c.toUpperCase();
      } else if (b.kind === "stones" || b.kind === "go") {
        const go = b.kind === "go";
        if (go && c === ".") return;
        const color = go ? (c === "x" ? "#111" : "#fafafa") : c === "x" ? "#e8c547" : c === "o" ? "#d6453d" : "#fff";
        el("circle", { cx: x + s / 2, cy: y + s / 2, r: s * 0.4, fill: color, stroke: "#1b3c70" }, svg);
        if (c !== "." && !go) {
          const t = el("text", { x: x + s / 2, y: y + s / 2 + 6, "text-anchor": "middle", "font-size": 16,
                                 "font-family": "DejaVu Sans Mono, monospace", fill: "#222" }, svg);
          t.textContent = c.toUpperCase();
        }
      } else if (b.kind === "chess" && c !== ".") {
        const t = el("text", { x: x + s / 2, y: y + s * 0.78, "text-anchor": "middle", "font-size": s * 0.8,
                               "font-family": "DejaVu Sans, sans-serif", fill: "#111" }, svg);
        t.textContent = GLYPHS[c] || c;
      } else if (b.kind === "heroes" && c !== ".") {
        el("rect", { x: x + 3, y: y + 3, width: s - 6, height: s - 6, rx: 5, fill: HEROES[c] || "#444" }, svg);
        const t = el("text", { x: x + s / 2, y: y + s / 2 + 5, "text-anchor": "middle", "font-size": 14,
                               "font-family": "DejaVu Sans Mono, monospace", fill: "#fff" }, svg);
        t.textContent = c;
      } else if (b.kind === "grid" && c !== ".") {
        const t = el("text", { x: x + s / 2, y: y + s / 2 + 7, "text-anchor": "middle", "font-size": 22,
                               "font-family": "DejaVu Sans Mono, monospace", fill: "#111" }, svg);
        t.textContent = c;
      }
    }));
    return svg;
  }

  frames.slice(1).forEach((f, i) => {
    const li = document.createElement("li");
    li.textContent = f.moves.join(", ");
    li.dataset.ply = i + 1;
    li.addEventListener("click", () => show(i + 1));
    list.appendChild(li);
  });

  let current = frames.length - 1;
  function show(k) {
    current = Math.max(0, Math.min(frames.length - 1, k));
    const f = frames[current];
    board.replaceChildren();
    if (f.board) board.appendChild(draw(f.board));
    // The text is shown under a drawn board only when it says more than the board (fivehero's status).
    text.textContent = f.board && f.board.kind !== "heroes" ? "" : f.text;
    text.dataset.ply = current;
    board.dataset.ply = current;
    slider.value = current;
    plyLabel.textContent = current === 0 ? `start of ${frames.length - 1} moves`
                                          : `move ${current} of ${frames.length - 1}: ${f.moves.join(", ")}`;
    list.querySelectorAll("li").forEach(li => li.classList.toggle("current", Number(li.dataset.ply) === current));
    const now = list.querySelector("li.current");
    if (now) now.scrollIntoView({ block: "nearest" });
  }
  document.getElementById("first").onclick = () => show(0);
  document.getElementById("prev").onclick = () => show(current - 1);
  document.getElementById("next").onclick = () => show(current + 1);
  document.getElementById("last").onclick = () => show(frames.length - 1);
  slider.addEventListener("input", () => show(Number(slider.value)));
  document.addEventListener("keydown", e => {
    const step = { ArrowLeft: -1, ArrowRight: 1 }[e.key];
    if (step) { show(current + step); e.preventDefault(); }
    if (e.key === "Home") show(0);
    if (e.key === "End") show(frames.length - 1);
  });
  window.arenaViewer = { show, frames, get current() { return current; } };
  show(current);
})();
