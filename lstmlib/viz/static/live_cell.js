// The course's live controls. Chapter 4: the gate explorer (one LSTM step drawn for gate values
// you set) and the memory explorer (the cell state over many steps with constant gates).
// Chapter 3: the gradient-norm explorer (‖∂h_T/∂h_t‖ of a small RNN against the distance T − t).
//
// One ES module, three ways in:
//   * anywidget (JupyterLab, Notebook, VS Code, Colab): `export default { render({ model, el }) }`;
//   * the HTML book: lstmlib inlines this file into a cell's text/html output and calls
//     `mountStatic(el, state)`, which hands `render` a local model (no kernel, nothing fetched);
//   * tests: `cellUpdate`, `memoryTrace` and `halfLife` are checked against lstmlib.reference,
//     `gradientNorms` against lstmlib.reference.longterm.
//
// The equations, in the book's notation (chapter 4, eq. ch4-cell and ch4-output):
//   c_t = f ⊙ c_{t−1} + i ⊙ g        h_t = o ⊙ tanh(c_t)
// and, with constant gates, c_t = f c_{t−1} + i g, whose first term decays with half-life ln 2 / −ln f.

// ---------------------------------------------------------------------------------------------
// The computation
// ---------------------------------------------------------------------------------------------

/** One cell-state update from given gate values: the intermediate values the diagram shows. */
export function cellUpdate(f, i, g, o, cPrev) {
  const kept = f * cPrev;      // what the forget gate keeps of the belt
  const written = i * g;       // what the input gate adds to it
  const c = kept + written;
  const squashed = Math.tanh(c);
  return { kept, written, c, squashed, h: o * squashed };
}

/** Cell state over `steps` steps with constant gates: arrays of length steps + 1 (t = 0 … steps)
 *  holding c_t and f^t c_0, the part of c_t that still comes from c_0. */
export function memoryTrace(f, i, g, c0, steps) {
  const c = [c0], fromC0 = [c0];
  for (let t = 0; t < steps; t++) {
    c.push(f * c[t] + i * g);
    fromC0.push(f * fromC0[t]);
  }
  return { c, fromC0 };
}

/** Steps until f^t falls to 1/2: ln 2 / −ln f (Infinity for f = 1, 0 for f = 0). */
export function halfLife(f) {
  if (f >= 1) return Infinity;
  if (f <= 0) return 0;
  return Math.log(0.5) / Math.log(f);
}

// ---------------------------------------------------------------------------------------------
// Drawing helpers (SVG markup as strings: a redraw replaces one element's children)
// ---------------------------------------------------------------------------------------------

const BLUE = [33, 102, 172], RED = [178, 24, 43], GREY = [150, 150, 150];

/** Colour of a value: grey at 0, blue for positive, red for negative, full at ±scale. */
export function valueColour(v, scale = 2) {
  const t = Math.max(-1, Math.min(1, v / scale));
  const end = t >= 0 ? BLUE : RED;
  const a = Math.abs(t);
  const mix = GREY.map((g, k) => Math.round(g + (end[k] - g) * a));
  return `rgb(${mix[0]},${mix[1]},${mix[2]})`;
}

/** A value as the diagram writes it: sign always shown, a true minus sign, two decimals. */
export function fmt(v, digits = 2) {
  const s = Math.abs(v).toFixed(digits);
  if (Number(s) === 0) return `+${s}`;
  return (v < 0 ? "\u2212" : "+") + s;
}

function esc(s) {
  return String(s).replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

/** Text with TeX-like sub- and superscripts: "c_{t−1}" → c with a lowered t−1, "f^t" → f with a raised t. */
function rich(text, size) {
  const small = Math.round(size * 0.8);
  return esc(text).replace(/([_^])\{([^}]*)\}|([_^])(\w)/g, (m, mark, group, mark1, single) => {
    const shift = (mark || mark1) === "_" ? "sub" : "super";
    return `<tspan baseline-shift="${shift}" font-size="${small}">${group || single}</tspan>`;
  });
}

function text(x, y, content, { size = 16, anchor = "middle", weight = "normal", cls = "", attrs = "" } = {}) {
  return `<text x="${x}" y="${y}" font-size="${size}" text-anchor="${anchor}" font-weight="${weight}"` +
    ` class="${cls}" ${attrs}>${rich(content, size)}</text>`;
}

/** An arrow from (x1, y1) to (x2, y2) with its head drawn as a triangle in the same colour. */
function arrow(x1, y1, x2, y2, colour, width) {
  const len = Math.hypot(x2 - x1, y2 - y1), ux = (x2 - x1) / len, uy = (y2 - y1) / len;
  const head = 7 + 1.6 * width, half = 3 + 1.1 * width;
  const bx = x2 - ux * head, by = y2 - uy * head;
  const p = [[x2, y2], [bx - uy * half, by + ux * half], [bx + uy * half, by - ux * half]];
  return `<line x1="${x1}" y1="${y1}" x2="${bx}" y2="${by}" stroke="${colour}" stroke-width="${width}"/>` +
    `<polygon points="${p.map((q) => q.map((z) => z.toFixed(1)).join(",")).join(" ")}" fill="${colour}"/>`;
}

/** An arrow carrying a value: coloured by its sign and thicker for larger magnitudes. */
function valueArrow(x1, y1, x2, y2, v, scale = 2) {
  return arrow(x1, y1, x2, y2, valueColour(v, scale), 1.5 + 3 * Math.min(Math.abs(v) / scale, 1));
}

function node(x, y, label, r = 18, size = 22) {
  return `<circle cx="${x}" cy="${y}" r="${r}" fill="#fff" stroke="#222" stroke-width="1.3"/>` +
    text(x, y + size * 0.35, label, { size });
}

/** A gate as a box filled to its value: σ gates from the bottom (0 … 1, full height 84), g from the
 *  middle (−1 … 1, half height 42 up or down). */
function gateBox(x, y, name, label, v, signed) {
  const w = 70, h = 84, top = y - h / 2;
  let fill;
  if (signed) {
    const hv = (h / 2) * Math.abs(v);
    fill = `<rect class="lc-fill" data-name="${name}" x="${x - w / 2}" y="${v >= 0 ? y - hv : y}" width="${w}" height="${hv}"` +
      ` fill="${valueColour(v, 1)}" opacity="0.85"/>` +
      `<line x1="${x - w / 2}" y1="${y}" x2="${x + w / 2}" y2="${y}" stroke="#777" stroke-dasharray="3,3"/>`;
  } else {
    fill = `<rect class="lc-fill" data-name="${name}" x="${x - w / 2}" y="${top + h * (1 - v)}" width="${w}" height="${h * v}"` +
      ` fill="rgb(77,140,217)" opacity="0.8"/>`;
  }
  return `<rect x="${x - w / 2}" y="${top}" width="${w}" height="${h}" rx="5" fill="#f2f2f2" stroke="#222"/>` + fill +
    `<rect x="${x - 28}" y="${y - 12}" width="56" height="24" rx="4" fill="#fff" opacity="0.85"/>` +
    text(x, y + 6, fmt(v).replace("+", ""), { cls: "lc-value", attrs: `data-name="${name}" data-value="${v}"` }) +
    text(x, top - 9, label);
}

// ---------------------------------------------------------------------------------------------
// The gate explorer: one LSTM step
// ---------------------------------------------------------------------------------------------

export const GATE_SLIDERS = [
  // name, label, min, max, step
  ["f", "f (forget)", 0, 1, 0.01],
  ["i", "i (input)", 0, 1, 0.01],
  ["g", "g (candidate)", -1, 1, 0.01],
  ["o", "o (output)", 0, 1, 0.01],
  ["c_prev", "c_{t\u22121} (previous)", -3, 3, 0.01],
];

/** SVG markup of one LSTM step for the given values (the layout of lstmlib's draw_cell). */
export function cellSvg({ f, i, g, o, c_prev: cPrev }) {
  const v = cellUpdate(f, i, g, o, cPrev);
  const belt = 74, gateY = 296, xF = 200, xI = 310, xG = 420, xO = 530, xT = 630, xEnd = 700;
  const xMulI = (xI + xG) / 2, yMulI = 174, yTanh = 136, yMulO = 216, gateTop = gateY - 42 - 30;
  const out = [];
  out.push(`<rect x="140" y="24" width="540" height="336" rx="12" fill="#fbf7ee" stroke="#999"/>`);
  // the conveyor belt: c_{t−1} → × f → + i g → c_t
  out.push(text(44, belt - 6, "c_{t\u22121}", { size: 19 }));
  out.push(text(44, belt + 20, fmt(cPrev), { size: 18, cls: "lc-value", attrs: `data-name="c_prev" data-value="${cPrev}"` }));
  out.push(valueArrow(84, belt, xF - 18, belt, cPrev));
  out.push(valueArrow(xF + 18, belt, xG - 18, belt, v.kept));
  out.push(text((xF + xG) / 2, belt - 14, `f\u00b7c_{t\u22121} = ${fmt(v.kept)}`, { cls: "lc-value", attrs: `data-name="kept" data-value="${v.kept}"` }));
  out.push(valueArrow(xG + 18, belt, xEnd, belt, v.c));
  out.push(node(xF, belt, "\u00d7"));
  out.push(node(xG, belt, "+"));
  out.push(text(740, belt - 6, "c_{t}", { size: 19, weight: "bold" }));
  out.push(text(740, belt + 20, fmt(v.c), { size: 18, weight: "bold", cls: "lc-value", attrs: `data-name="c" data-value="${v.c}"` }));
  // the gates, fed by [x_t, h_{t−1}] from below
  const bus = 380;
  out.push(`<line x1="150" y1="${bus}" x2="${xO}" y2="${bus}" stroke="#555" stroke-width="1.3"/>`);
  out.push(text(146, bus + 5, "x_{t}, h_{t\u22121}", { anchor: "end" }));
  for (const x of [xF, xI, xG, xO]) {
    out.push(`<line x1="${x}" y1="${bus}" x2="${x}" y2="${gateY + 42}" stroke="#555" stroke-width="1.3"/>`);
  }
  out.push(gateBox(xF, gateY, "f", "f_{t} forget", f, false));
  out.push(gateBox(xI, gateY, "i", "i_{t} input", i, false));
  out.push(gateBox(xG, gateY, "g", "g_{t} cand.", g, true));
  out.push(gateBox(xO, gateY, "o", "o_{t} output", o, false));
  // the forget gate multiplies the belt
  out.push(valueArrow(xF, gateTop, xF, belt + 18, f, 1));
  // i ⊙ g joins the belt at +
  out.push(valueArrow(xI, gateTop, xMulI - 11, yMulI + 13, i, 1));
  out.push(valueArrow(xG, gateTop, xMulI + 11, yMulI + 13, g, 1));
  out.push(valueArrow(xMulI + 11, yMulI - 13, xG - 12, belt + 12, v.written));
  out.push(node(xMulI, yMulI, "\u00d7"));
  out.push(text(xMulI - 22, yMulI - 22, `i\u00b7g = ${fmt(v.written)}`, { anchor: "end", cls: "lc-value", attrs: `data-name="written" data-value="${v.written}"` }));
  // the output path: c_t → tanh → × o → h_t
  out.push(`<line x1="${xT}" y1="${belt}" x2="${xT}" y2="${yTanh - 21}" stroke="${valueColour(v.c)}" stroke-width="2"/>`);
  out.push(`<ellipse cx="${xT}" cy="${yTanh}" rx="31" ry="21" fill="#fff" stroke="#222" stroke-width="1.3"/>`);
  out.push(text(xT, yTanh + 6, "tanh"));
  out.push(valueArrow(xT, yTanh + 21, xT, yMulO - 18, v.squashed, 1));
  out.push(text(xT + 10, (yTanh + yMulO) / 2 + 6, fmt(v.squashed), { anchor: "start", cls: "lc-value", attrs: `data-name="tanh_c" data-value="${v.squashed}"` }));
  out.push(valueArrow(xO, gateTop, xT - 13, yMulO + 12, o, 1));
  out.push(node(xT, yMulO, "\u00d7"));
  out.push(valueArrow(xT + 13, yMulO + 13, xEnd, 292, v.h, 1));
  out.push(text(740, 294, "h_{t}", { size: 19, weight: "bold" }));
  out.push(text(740, 320, fmt(v.h), { size: 18, weight: "bold", cls: "lc-value", attrs: `data-name="h" data-value="${v.h}"` }));
  return { svg: out.join(""), values: v, viewBox: "0 0 780 396" };
}

// ---------------------------------------------------------------------------------------------
// The memory explorer: c_t over many steps with constant gates
// ---------------------------------------------------------------------------------------------

export const MEMORY_SLIDERS = [
  ["f", "f (forget)", 0, 1, 0.005],
  ["i", "i (input)", 0, 1, 0.01],
  ["g", "g (candidate)", -1, 1, 0.01],
  ["c0", "c_{0} (start)", -2, 2, 0.01],
];

/** Round tick positions covering [lo, hi]. */
function ticks(lo, hi, n = 5) {
  const raw = (hi - lo) / n, mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * mag).find((s) => s >= raw);
  const out = [];
  for (let t = Math.ceil(lo / step) * step; t <= hi + 1e-9; t += step) out.push(Math.abs(t) < 1e-12 ? 0 : t);
  return out;
}

/** SVG markup of the memory plot for the given values. */
export function memorySvg({ f, i, g, c0, steps }) {
  const { c, fromC0 } = memoryTrace(f, i, g, c0, steps);
  const life = halfLife(f);
  // with constant gates c_t = p + (c_0 − p) f^t: it levels off at the plateau p = i g / (1 − f)
  const plateau = f < 1 ? i * g / (1 - f) : NaN;
  const all = c.concat(fromC0, [0], Number.isFinite(plateau) && i * g !== 0 ? [plateau] : []);
  let lo = Math.min(...all), hi = Math.max(...all);
  const pad = Math.max(0.1, 0.08 * (hi - lo));
  lo -= pad; hi += pad;
  const L = 74, R = 764, T = 70, B = 318;
  const X = (t) => L + (R - L) * t / steps, Y = (y) => B - (B - T) * (y - lo) / (hi - lo);
  const out = [];
  const shown = Number.isFinite(life) ? `${life.toFixed(1)} steps` : "\u221e (never fades)";
  out.push(text((L + R) / 2, 22, `f = ${f.toFixed(3)}, i\u00b7g = ${fmt(i * g)}: half-life ${shown}, c_{${steps}} = ${fmt(c[steps])}`,
    { size: 17, weight: "bold", cls: "lc-value", attrs: `data-name="half_life" data-value="${life}" data-c-final="${c[steps]}"` }));
  // the legend, in a row of its own so that it never hides a curve
  out.push(`<line x1="${L + 40}" y1="46" x2="${L + 76}" y2="46" stroke="rgb(33,102,172)" stroke-width="2.5"/>`);
  out.push(text(L + 84, 52, "c_{t}", { anchor: "start" }));
  out.push(`<line x1="${L + 150}" y1="46" x2="${L + 186}" y2="46" stroke="rgb(230,120,20)" stroke-width="2" stroke-dasharray="7,5"/>`);
  out.push(text(L + 194, 52, "f^{t} c_{0}: what is left of c_{0}", { anchor: "start" }));
  out.push(`<line x1="${L + 470}" y1="46" x2="${L + 506}" y2="46" stroke="#888" stroke-dasharray="2,4"/>`);
  out.push(text(L + 514, 52, "half-life", { anchor: "start" }));
  out.push(`<rect x="${L}" y="${T}" width="${R - L}" height="${B - T}" fill="#fff" stroke="#444"/>`);
  for (const t of ticks(0, steps)) {
    out.push(`<line x1="${X(t)}" y1="${B}" x2="${X(t)}" y2="${B + 5}" stroke="#444"/>`);
    out.push(text(X(t), B + 22, String(t), { size: 15 }));
  }
  for (const y of ticks(lo, hi)) {
    out.push(`<line x1="${L - 5}" y1="${Y(y)}" x2="${L}" y2="${Y(y)}" stroke="#444"/>`);
    out.push(`<line x1="${L}" y1="${Y(y)}" x2="${R}" y2="${Y(y)}" stroke="#eee"/>`);
    out.push(text(L - 8, Y(y) + 5, String(Number(y.toPrecision(3))).replace("-", "\u2212"), { size: 15, anchor: "end" }));
  }
  out.push(text((L + R) / 2, B + 44, "step t"));
  if (life <= steps) {  // dotted guides at the half-life: halfway from c_0 to the plateau
    const halfway = (c0 + plateau) / 2;
    out.push(`<line x1="${X(life)}" y1="${T}" x2="${X(life)}" y2="${B}" stroke="#888" stroke-dasharray="2,4"/>`);
    out.push(`<line x1="${L}" y1="${Y(halfway)}" x2="${R}" y2="${Y(halfway)}" stroke="#888" stroke-dasharray="2,4"/>`);
  }
  if (Number.isFinite(plateau) && i * g !== 0) {  // the level the cell settles at
    out.push(`<line x1="${L}" y1="${Y(plateau)}" x2="${R}" y2="${Y(plateau)}" stroke="rgb(44,160,44)" stroke-width="1.5"` +
      ` stroke-dasharray="9,4,2,4" data-name="plateau" data-value="${plateau}"/>`);
    out.push(text(R - 6, Y(plateau) - 8, `plateau i\u00b7g/(1\u2212f) = ${fmt(plateau)}`, { size: 15, anchor: "end" }));
  }
  const path = (ys) => ys.map((y, t) => `${X(t).toFixed(1)},${Y(y).toFixed(1)}`).join(" ");
  out.push(`<polyline points="${path(fromC0)}" fill="none" stroke="rgb(230,120,20)" stroke-width="2" stroke-dasharray="7,5"/>`);
  out.push(`<polyline class="lc-trace" points="${path(c)}" fill="none" stroke="rgb(33,102,172)" stroke-width="2.5"` +
    ` data-values="${c.join(",")}"/>`);
  return { svg: out.join(""), values: { c, fromC0, halfLife: life }, viewBox: "0 0 780 372" };
}

// ---------------------------------------------------------------------------------------------
// Chapter 3's gradient-norm explorer: ‖∂h_T/∂h_{T−k}‖ for W_h = ρ Q, three activations
// ---------------------------------------------------------------------------------------------

export const GRADIENT_SLIDERS = [["rho", "\u03c1 = \u03c3_{max}(W_{h})", 0.3, 6, 0.1]];

const ACTIVATIONS = {
  // name: [φ, φ' written with the output y = φ(a), γ = max φ', colour]
  linear: [(a) => a, () => 1, 1, "rgb(115,115,115)"],
  tanh: [Math.tanh, (y) => 1 - y * y, 1, "#0072B2"],
  sigmoid: [(a) => 0.5 * (1 + Math.tanh(0.5 * a)), (y) => y * (1 - y), 0.25, "#E69F00"],
};

/** Largest eigenvalue of the symmetric n×n matrix A (flat, row-major; overwritten): Householder
 *  reduction to a tridiagonal matrix, then bisection on its Sturm sequence. Exact to rounding, and
 *  about 2n³ operations, where power iteration may need thousands of steps when the top two
 *  singular values are close. */
function largestEigenvalue(A, n) {
  let scale = 0;
  for (let k = 0; k < n * n; k++) scale = Math.max(scale, Math.abs(A[k]));
  if (scale === 0) return 0;
  for (let k = 0; k < n * n; k++) A[k] /= scale;  // entries of order 1: no underflow below
  const v = new Float64Array(n), p = new Float64Array(n);
  for (let k = 0; k < n - 2; k++) {
    let norm = 0;
    for (let i = k + 1; i < n; i++) norm += A[i * n + k] ** 2;
    norm = Math.sqrt(norm);
    if (norm === 0) continue;
    const alpha = A[(k + 1) * n + k] > 0 ? -norm : norm;
    let vnorm = 0;
    for (let i = k + 1; i < n; i++) { v[i] = A[i * n + k] - (i === k + 1 ? alpha : 0); vnorm += v[i] ** 2; }
    vnorm = Math.sqrt(vnorm);
    for (let i = k + 1; i < n; i++) v[i] /= vnorm;
    // the trailing block B ← H B H with H = I − 2vvᵀ: B − 2vqᵀ − 2qvᵀ, q = Bv − (vᵀBv) v
    let vBv = 0;
    for (let i = k + 1; i < n; i++) {
      let s = 0;
      for (let j = k + 1; j < n; j++) s += A[i * n + j] * v[j];
      p[i] = s;
      vBv += v[i] * s;
    }
    for (let i = k + 1; i < n; i++) p[i] -= vBv * v[i];
    for (let i = k + 1; i < n; i++) {  // B stays symmetric: update one triangle, mirror it
      const vi = v[i], pi = p[i];
      for (let j = i; j < n; j++) A[i * n + j] = A[j * n + i] = A[i * n + j] - 2 * (vi * p[j] + pi * v[j]);
    }
    A[(k + 1) * n + k] = A[k * n + k + 1] = alpha;
  }
  const d = new Float64Array(n), e2 = new Float64Array(n);
  let lo = Infinity, hi = -Infinity;
  for (let i = 0; i < n; i++) {
    d[i] = A[i * n + i];
    const off = i + 1 < n ? A[(i + 1) * n + i] : 0;
    e2[i] = off * off;
    const radius = Math.abs(off) + (i > 0 ? Math.sqrt(e2[i - 1]) : 0);  // Gershgorin
    lo = Math.min(lo, d[i] - radius);
    hi = Math.max(hi, d[i] + radius);
  }
  const below = (x) => {  // how many eigenvalues are smaller than x (Sturm sequence)
    let count = 0, q = 1;
    for (let i = 0; i < n; i++) {
      q = d[i] - x - (i > 0 ? e2[i - 1] / q : 0);
      if (q === 0) q = -1e-300;
      if (q < 0) count++;
    }
    return count;
  };
  for (let iter = 0; iter < 200 && hi - lo > 1e-15 * Math.max(Math.abs(hi), Math.abs(lo)); iter++) {
    const mid = 0.5 * (lo + hi);
    if (below(mid) === n) hi = mid; else lo = mid;
  }
  return 0.5 * (lo + hi) * scale;
}

/** ‖∂h_T/∂h_{T−k}‖₂ for k = 0 … T−1 along one trajectory h_t = φ(u_t + h_{t−1} W_h), with
 *  W_h = ρ Q and u_t = noise_t (shifted for σ so that the units sit at σ(0)); lstmlib.reference.longterm's
 *  gradient_norms_by_activation, for one activation. Q and noise are arrays of rows. */
export function gradientNorms(Q, noise, rho, activation) {
  const [phi, dphi] = ACTIVATIONS[activation];
  const H = Q.length, T = noise.length;
  const W = new Float64Array(H * H);
  for (let i = 0; i < H; i++) for (let j = 0; j < H; j++) W[i * H + j] = rho * Q[i][j];
  const shift = new Float64Array(H);
  if (activation === "sigmoid") for (let i = 0; i < H; i++) for (let j = 0; j < H; j++) shift[j] += 0.5 * W[i * H + j];
  const states = [];
  let h = new Float64Array(H);
  for (let t = 0; t < T; t++) {
    const next = new Float64Array(H);
    for (let j = 0; j < H; j++) {
      let a = noise[t][j] - shift[j];
      for (let i = 0; i < H; i++) a += h[i] * W[i * H + j];
      next[j] = phi(a);
    }
    states.push(next);
    h = next;
  }
  // product = J_{t+1} ⋯ J_T with J = W_h diag(φ'(h)), built from the last step backwards;
  // its norm is the square root of the largest eigenvalue of productᵀ product
  let product = new Float64Array(H * H), next = new Float64Array(H * H);
  for (let i = 0; i < H; i++) product[i * H + i] = 1;
  const norms = [1], d = new Float64Array(H), gram = new Float64Array(H * H);
  for (let k = 1; k < T; k++) {
    const state = states[T - k];
    for (let m = 0; m < H; m++) d[m] = dphi(state[m]);
    next.fill(0);
    for (let i = 0; i < H; i++) {
      for (let m = 0; m < H; m++) {
        const jm = W[i * H + m] * d[m], row = m * H, out = i * H;
        for (let j = 0; j < H; j++) next[out + j] += jm * product[row + j];
      }
    }
    [product, next] = [next, product];
    gram.fill(0);
    for (let m = 0; m < H; m++) {
      for (let i = 0; i < H; i++) {
        const pmi = product[m * H + i];
        for (let j = i; j < H; j++) gram[i * H + j] += pmi * product[m * H + j];
      }
    }
    for (let i = 0; i < H; i++) for (let j = 0; j < i; j++) gram[i * H + j] = gram[j * H + i];
    norms.push(Math.sqrt(Math.max(0, largestEigenvalue(gram, H))));
  }
  return norms;
}

/** SVG markup of the gradient norms against distance, on a log scale from 1e−12 to 1e12. */
export function gradientSvg({ rho, Q, noise }) {
  const T = noise.length;
  const L = 84, R = 764, Tp = 64, B = 318, lo = -12, hi = 12;
  const X = (k) => L + (R - L) * k / (T - 1);
  // off-scale values are drawn beyond the frame (within bounds) and clipped by the inner <svg>
  const Y = (v) => { const e = Math.log10(Math.max(v, 1e-300)); return B - (B - Tp) * (Math.max(-60, Math.min(60, e)) - lo) / (hi - lo); };
  const out = [];
  const curves = {};
  out.push(text((L + R) / 2, 22, `\u03c1 = \u03c3_{max}(W_{h}) = ${rho.toFixed(1)}`, { size: 17, weight: "bold" }));
  out.push(`<rect x="${L}" y="${Tp}" width="${R - L}" height="${B - Tp}" fill="#fff" stroke="#444"/>`);
  out.push(`<svg x="${L}" y="${Tp}" width="${R - L}" height="${B - Tp}" viewBox="${L} ${Tp} ${R - L} ${B - Tp}" overflow="hidden">`);
  for (const e of [-12, -8, -4, 0, 4, 8, 12]) {
    out.push(`<line x1="${L}" y1="${Y(10 ** e)}" x2="${R}" y2="${Y(10 ** e)}" stroke="${e === 0 ? "#bbb" : "#eee"}"/>`);
  }
  for (const [name, [, , gamma, colour]] of Object.entries(ACTIVATIONS)) {
    const norms = gradientNorms(Q, noise, rho, name);
    curves[name] = norms;
    const bound = norms.map((_, k) => (gamma * rho) ** k);
    const path = (ys) => ys.map((y, k) => `${X(k).toFixed(1)},${Y(y).toFixed(1)}`).join(" ");
    out.push(`<polyline points="${path(bound)}" fill="none" stroke="${colour}" stroke-width="1.2" stroke-dasharray="6,4"/>`);
    out.push(`<polyline class="lc-trace" data-name="${name}" data-values="${norms.join(",")}" points="${path(norms)}"` +
      ` fill="none" stroke="${colour}" stroke-width="2.5"/>`);
  }
  out.push("</svg>");
  const legend = Object.entries(ACTIVATIONS).map(([name, [, , , colour]]) => [name, colour, ""]);
  legend.push(["dashed: bound (\u03b3\u03c1)^{T\u2212t}", "#555", ` stroke-width="1.2" stroke-dasharray="6,4"`]);
  legend.forEach(([label, colour, style], n) => {  // the legend, in a row above the plot
    const lx = L + 10 + 130 * n;
    out.push(`<line x1="${lx}" y1="46" x2="${lx + 30}" y2="46" stroke="${colour}" stroke-width="2.5"${style}/>`);
    out.push(text(lx + 36, 52, label, { anchor: "start" }));
  });
  for (const e of [-12, -8, -4, 0, 4, 8, 12]) {
    out.push(text(L - 8, Y(10 ** e) + 5, e === 0 ? "1" : `10^{${String(e).replace("-", "\u2212")}}`, { size: 15, anchor: "end" }));
  }
  for (const k of ticks(0, T - 1, 6)) {
    out.push(`<line x1="${X(k)}" y1="${B}" x2="${X(k)}" y2="${B + 5}" stroke="#444"/>`);
    out.push(text(X(k), B + 22, String(k), { size: 15 }));
  }
  out.push(text((L + R) / 2, B + 44, "distance T \u2212 t"));
  out.push(text(22, (Tp + B) / 2, "\u2016\u2202h_{T}/\u2202h_{t}\u2016", { attrs: `transform="rotate(-90 22 ${(Tp + B) / 2})"` }));
  return { svg: out.join(""), values: curves, viewBox: "0 0 780 372" };
}

// ---------------------------------------------------------------------------------------------
// The control: sliders bound to a model, a drawing redrawn on every change
// ---------------------------------------------------------------------------------------------

const CSS = `
.lstm-live { font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: #222;
  background: #fff; border: 1px solid #d0d4da; border-radius: 6px; padding: 10px 12px; max-width: 800px; }
.lstm-live .lc-sliders { display: grid; grid-template-columns: repeat(auto-fill, minmax(235px, 1fr));
  gap: 4px 24px; margin-bottom: 6px; }
.lstm-live[data-kind=gradients] .lc-sliders { grid-template-columns: 1fr; }
.lstm-live label { display: flex; align-items: center; gap: 8px; font-size: 14px; }
.lstm-live label span.lc-name { width: 8.2em; white-space: nowrap; }
.lstm-live input[type=range] { flex: 1; min-width: 80px; accent-color: rgb(33,102,172); }
.lstm-live output { width: 3.6em; text-align: right; font-variant-numeric: tabular-nums; }
.lstm-live svg { display: block; width: 100%; height: auto; }
.lstm-live svg text { fill: #222; font-family: inherit; }
`;

function ensureStyle(doc) {
  if (doc.getElementById("lstm-live-style")) return;
  const style = doc.createElement("style");
  style.id = "lstm-live-style";
  style.textContent = CSS;
  doc.head.appendChild(style);
}

function sliderLabel(text) {
  return esc(text).replace(/_\{([^}]*)\}/g, "<sub>$1</sub>");
}

function render({ model, el }) {
  const kind = model.get("kind");
  const [sliders, draw] = { gates: [GATE_SLIDERS, cellSvg], memory: [MEMORY_SLIDERS, memorySvg],
                           gradients: [GRADIENT_SLIDERS, gradientSvg] }[kind];
  const doc = el.ownerDocument || document;
  ensureStyle(doc);

  const root = doc.createElement("div");
  root.className = "lstm-live";
  root.dataset.kind = kind;
  const panel = doc.createElement("div");
  panel.className = "lc-sliders";
  const inputs = {};
  for (const [name, label, min, max, step] of sliders) {
    const row = doc.createElement("label");
    row.innerHTML = `<span class="lc-name">${sliderLabel(label)}</span>` +
      `<input type="range" name="${name}" min="${min}" max="${max}" step="${step}">` +
      `<output></output>`;
    const input = row.querySelector("input");
    input.value = model.get(name);
    input.addEventListener("input", () => {
      model.set(name, Number(input.value));
      model.save_changes();
    });
    inputs[name] = input;
    panel.appendChild(row);
  }
  const svg = doc.createElementNS("http://www.w3.org/2000/svg", "svg");
  svg.setAttribute("role", "img");
  root.append(panel, svg);
  el.appendChild(root);

  function redraw() {
    const start = performance.now();
    const state = { steps: model.get("steps"), Q: model.get("Q"), noise: model.get("noise") };
    for (const [name] of sliders) {
      state[name] = model.get(name);
      inputs[name].value = state[name];
      const digits = { memory: name === "f" ? 3 : 2, gradients: 1 }[kind] ?? 2;
      inputs[name].parentElement.querySelector("output").textContent = state[name].toFixed(digits).replace("-", "\u2212");
    }
    const drawn = draw(state);
    svg.setAttribute("viewBox", drawn.viewBox);
    svg.innerHTML = drawn.svg;
    root.dataset.redrawMs = (performance.now() - start).toFixed(2);
  }
  const names = sliders.map(([name]) => name);
  for (const name of names) model.on(`change:${name}`, redraw);
  redraw();
  return () => { for (const name of names) model.off(`change:${name}`, redraw); };
}

/** A model with anywidget's interface that lives in the page only (the HTML book: no kernel). */
export function localModel(state) {
  const values = { ...state }, handlers = {};
  return {
    get: (name) => values[name],
    set(name, value) {
      if (values[name] === value) return;
      values[name] = value;
      for (const cb of handlers[`change:${name}`] || []) cb();
    },
    save_changes() {},
    on(event, cb) { (handlers[event] = handlers[event] || []).push(cb); },
    off(event, cb) { handlers[event] = (handlers[event] || []).filter((h) => h !== cb); },
  };
}

/** Mount a control into `el` with the given state ({kind: "gates" | "memory", ...values}). */
export function mountStatic(el, state) {
  return render({ model: localModel(state), el });
}

export default { render };
