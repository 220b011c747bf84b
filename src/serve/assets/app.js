// jinko serve: the simulator page. Every change of a control sends the controls to
// /api/simulate (one request at a time; the latest change wins) and redraws from the answer.
// The answer's `toml` is the scenario file the export gives: the same text the server projected.
"use strict";

const T = {
  ja: {
    title: "jinko 人口シミュレーター",
    subtitle: "社人研推計準拠のパターン1に仮定を重ねて、その場で推計します（オフライン）",
    place: "市区町村", searchHint: "名前またはコード（例: 飯塚, 40205）", basis: "基準",
    basis2015: "2015年（社人研 平成30年推計）", basis2020: "2020年（社人研 令和5年推計・推定）",
    fertility: "出生（合計特殊出生率）", tfrReached: "到達する出生率", tfrBy: "到達年",
    migration: "人口移動", migMultiplier: "純移動率の倍率", migNet: "純移動数の目標（5年間）",
    value: "値", fromYear: "開始年", households: "定住組数", perYear: "組/年",
    householdType: "世帯の型", couple20s: "20代夫婦", couple30sChild: "30代夫婦と子1人",
    couple60s: "60代夫婦", custom: "カスタム", survival: "生残（死亡率の改善）",
    mortalityCut: "死亡確率の低下 %", target: "目標人口", year: "年", persons: "人",
    solveTfr: "出生率を求める", solveMig: "移動の倍率を求める", solveHh: "定住組数を求める",
    reset: "パターン1に戻す", personsUnit: "人", pattern1: "パターン1", gap: "目標との差",
    impact: "影響度（自然増減 / 社会増減）", trajectory: "総人口の推移", pyramid: "人口ピラミッド",
    groups: "年齢3区分", export: "書き出し", exportToml: "シナリオ (TOML)",
    exportXlsx: "Excel (xlsx)", exportReport: "レポート (HTML)",
    totalIn: (y) => `${y}年の総人口`, scenario: "このシナリオ", official: "公表推計",
    targetMark: "目標", male: "男", female: "女", young: "0-14歳", working: "15-64歳",
    old: "65歳以上", share: "割合", tfrBase: (v) => `パターン1の出生率: ${v}`,
    solving: "計算中…", unreachable: "届きません: ", computed: (ms) => `計算と描画 ${ms} ms`,
    level: (n, s) => `自然 ${n} / 社会 ${s}`, impactYear: (y, a, b) => `${y}年: ${a}% / ${b}%`,
    noImpact: "（シミュレーション1・2なし）", gapOf: (p) => `パターン1では ${p}`,
    solvedTfr: (v) => `出生率 ${v} で目標に届きます`, solvedMig: (v) => `純移動率 ×${v} で目標に届きます`,
    solvedHh: (v) => `年 ${v} 組で目標に届きます`, chooseFirst: "市区町村を選んでください",
  },
  en: {
    title: "jinko population simulator",
    subtitle: "Assumptions laid over the IPSS-consistent Pattern 1, projected as you go (offline)",
    place: "Municipality", searchHint: "Name or code (e.g. 飯塚, 40205)", basis: "Basis",
    basis2015: "2015 (IPSS 2018 projection)", basis2020: "2020 (IPSS 2023, estimated)",
    fertility: "Fertility (total fertility rate)", tfrReached: "TFR reached", tfrBy: "Reached in",
    migration: "Migration", migMultiplier: "× net migration rates", migNet: "Net migrants per 5 years",
    value: "Value", fromYear: "From", households: "Settling households", perYear: "a year",
    householdType: "Household", couple20s: "Couple in their 20s", couple30sChild: "Couple in their 30s, one child",
    couple60s: "Couple in their 60s", custom: "Custom", survival: "Survival (lower mortality)",
    mortalityCut: "Risk of dying lower by %", target: "Target population", year: "Year", persons: "Persons",
    solveTfr: "Solve TFR", solveMig: "Solve migration", solveHh: "Solve households",
    reset: "Back to Pattern 1", personsUnit: "", pattern1: "Pattern 1", gap: "Gap to target",
    impact: "Impact levels (natural / social)", trajectory: "Total population", pyramid: "Population pyramid",
    groups: "Three age groups", export: "Export", exportToml: "Scenario (TOML)",
    exportXlsx: "Excel (xlsx)", exportReport: "Report (HTML)",
    totalIn: (y) => `Population in ${y}`, scenario: "This scenario", official: "Official projection",
    targetMark: "Target", male: "Men", female: "Women", young: "0-14", working: "15-64",
    old: "65+", share: "share", tfrBase: (v) => `Pattern 1 stands for a TFR of ${v}`,
    solving: "Solving…", unreachable: "Not reachable: ", computed: (ms) => `computed and drawn in ${ms} ms`,
    level: (n, s) => `natural ${n} / social ${s}`, impactYear: (y, a, b) => `${y}: ${a}% / ${b}%`,
    noImpact: "(no Sim 1 / Sim 2)", gapOf: (p) => `Pattern 1: ${p}`,
    solvedTfr: (v) => `A TFR of ${v} reaches the target`, solvedMig: (v) => `Net migration rates ×${v} reach the target`,
    solvedHh: (v) => `${v} households a year reach the target`, chooseFirst: "Choose a municipality",
  },
};

let lang = "ja";
const $ = (id) => document.getElementById(id);
const t = (k) => T[lang][k];
const fmt = (v) => Math.round(v).toLocaleString("ja-JP");
const signed = (v) => (v >= 0 ? "+" : "−") + fmt(Math.abs(v));

const S = {
  place: null, chosen: null, info: null, answer: null, busy: false, pending: false, t0: 0,
  tfr: null, mig: 1, migNet: 0, hh: 0, mort: 0, target: null,
};

function translate() {
  document.documentElement.lang = lang;
  document.querySelectorAll("[data-i18n]").forEach((el) => {
    const v = T[lang][el.dataset.i18n];
    if (typeof v === "string") el.textContent = v;
  });
  document.querySelectorAll("[data-i18n-placeholder]").forEach((el) => {
    el.placeholder = T[lang][el.dataset.i18nPlaceholder];
  });
  $("lang").textContent = lang === "ja" ? "English" : "日本語";
  if (S.answer) draw(S.answer);
}

function years(sel, from, to, step, value) {
  sel.innerHTML = "";
  for (let y = from; y <= to; y += step) {
    const o = document.createElement("option");
    o.value = y; o.textContent = y;
    if (y === value) o.selected = true;
    sel.appendChild(o);
  }
}

function showError(msg) {
  const e = $("error");
  if (msg) { e.textContent = msg; e.classList.remove("hidden"); }
  else { e.textContent = ""; e.classList.add("hidden"); }
}

async function post(path, body) {
  const r = await fetch(path, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) });
  if (!r.ok) {
    let msg = `${r.status}`;
    try { msg = (await r.json()).error; } catch (_) { /* not JSON */ }
    throw new Error(msg);
  }
  return r;
}

// The request: only the controls moved away from パターン1 are sent (each is one scenario key).
function request() {
  const req = { place: S.place, basis: S.info.basis };
  if (S.tfr !== null && S.tfr !== S.info.tfr_base) req.tfr = { value: S.tfr, by: Number($("tfrBy").value) };
  const net = $("migNet").checked;
  if (net) req.migration = { kind: "net", value: S.migNet, from: Number($("migFrom").value) };
  else if (S.mig !== 1) req.migration = { kind: "multiplier", value: S.mig, from: Number($("migFrom").value) };
  if (S.hh > 0) {
    const h = { per_year: S.hh, kind: $("hhKind").value, from: Number($("hhFrom").value) };
    if (h.kind === "custom") h.custom = parseCustom($("hhCustom").value);
    req.households = h;
  }
  if (S.mort !== 0) req.mortality = { value: 1 - S.mort / 100, from: Number($("mortFrom").value) };
  if (S.target !== null) req.target = { year: Number($("targetYear").value), population: S.target };
  req.year = Number($("pyramidYear").value) || S.info.horizon;
  return req;
}

function parseCustom(text) {
  const out = {};
  text.split(",").forEach((part) => {
    const [k, v] = part.split("=");
    if (k && k.trim()) out[k.trim()] = Number(v);
  });
  return out;
}

function changed() {
  if (!S.info) return;
  S.t0 = performance.now();
  if (S.busy) { S.pending = true; return; }
  run();
}

async function run() {
  S.busy = true; S.pending = false;
  const t0 = S.t0;
  const req = request();
  window.__request = req;
  try {
    const a = await (await post("/api/simulate", req)).json();
    S.answer = a;
    showError(null);
    draw(a);
    const ms = (performance.now() - t0).toFixed(1);
    document.body.dataset.lastMs = ms;
    $("status").textContent = t("computed")(ms);
  } catch (e) {
    showError(e.message);
  }
  S.busy = false;
  document.body.dataset.updates = String(Number(document.body.dataset.updates || 0) + 1);
  if (S.pending) run();
  else document.body.dataset.state = "done";
}

function draw(a) {
  const h = a.years[a.years.length - 1];
  $("horizonLabel").textContent = t("totalIn")(h);
  const total = a.total[a.total.length - 1];
  $("totalHorizon").textContent = fmt(total);
  $("totalHorizon").dataset.value = String(Math.round(total));
  $("p1Horizon").textContent = fmt(a.pattern1[a.pattern1.length - 1]);
  if (a.gap) {
    $("gap").textContent = signed(a.gap.persons);
    $("gapNote").textContent = `${a.gap.year}: ${a.gap.percent.toFixed(1)}% · ${t("gapOf")(signed(a.gap.pattern1_persons))}`;
  } else { $("gap").textContent = "—"; $("gapNote").textContent = ""; }
  if (a.impact) {
    $("impact").textContent = t("level")(a.impact.natural.level, a.impact.social.level);
    $("impactNote").textContent = t("impactYear")(a.impact.year, a.impact.natural.percent.toFixed(1), a.impact.social.percent.toFixed(1));
  } else { $("impact").textContent = "—"; $("impactNote").textContent = t("noImpact"); }
  chart(a);
  pyramid(a.pyramid);
  groups(a);
  $("toml").textContent = a.toml;
}

const NS = "http://www.w3.org/2000/svg";
function el(name, attrs, text) {
  const e = document.createElementNS(NS, name);
  for (const k in attrs) e.setAttribute(k, attrs[k]);
  if (text !== undefined) e.textContent = text;
  return e;
}

function chart(a) {
  const svg = $("chart");
  svg.innerHTML = "";
  const W = 760, H = 300, L = 70, R = 210, Tp = 15, B = 30;
  const series = [
    { label: t("scenario"), pts: a.years.map((y, i) => [y, a.total[i]]), color: "#c0392b", width: 3 },
    { label: t("pattern1"), pts: a.years.map((y, i) => [y, a.pattern1[i]]), color: "#1f4e79", width: 2 },
  ];
  if (a.official.points.length) series.push({ label: a.official.label || t("official"), pts: a.official.points, color: "#888", width: 2, dash: "5,4" });
  if (a.sim1) series.push({ label: "Sim1", pts: a.years.map((y, i) => [y, a.sim1[i]]), color: "#7fb3d5", width: 1 });
  if (a.sim2) series.push({ label: "Sim2", pts: a.years.map((y, i) => [y, a.sim2[i]]), color: "#a9cce3", width: 1 });
  let lo = Infinity, hi = -Infinity;
  series.forEach((s) => s.pts.forEach((p) => { lo = Math.min(lo, p[1]); hi = Math.max(hi, p[1]); }));
  if (a.target) { lo = Math.min(lo, a.target.population); hi = Math.max(hi, a.target.population); }
  const pad = (hi - lo) * 0.08 || 1;
  lo = Math.max(0, lo - pad); hi += pad;
  const y0 = a.years[0], y1 = a.years[a.years.length - 1];
  const X = (y) => L + (y - y0) / (y1 - y0) * (W - L - R);
  const Y = (v) => Tp + (hi - v) / (hi - lo) * (H - Tp - B);
  for (let i = 0; i <= 4; i++) {
    const v = lo + (hi - lo) * i / 4;
    svg.appendChild(el("line", { x1: L, x2: W - R, y1: Y(v), y2: Y(v), stroke: "#eee" }));
    svg.appendChild(el("text", { x: L - 6, y: Y(v) + 4, "text-anchor": "end", class: "axis" }, fmt(v)));
  }
  for (let y = y0; y <= y1; y += 10) svg.appendChild(el("text", { x: X(y), y: H - 10, "text-anchor": "middle", class: "axis" }, y));
  series.forEach((s, i) => {
    const d = s.pts.map((p, j) => `${j ? "L" : "M"}${X(p[0]).toFixed(1)},${Y(p[1]).toFixed(1)}`).join("");
    const attrs = { d, fill: "none", stroke: s.color, "stroke-width": s.width };
    if (s.dash) attrs["stroke-dasharray"] = s.dash;
    svg.appendChild(el("path", attrs));
    svg.appendChild(el("line", { x1: W - R + 10, x2: W - R + 30, y1: Tp + 10 + i * 18, y2: Tp + 10 + i * 18, stroke: s.color, "stroke-width": s.width }));
    svg.appendChild(el("text", { x: W - R + 35, y: Tp + 14 + i * 18, class: "legend" }, s.label));
  });
  if (a.target) {
    const cx = X(a.target.year), cy = Y(a.target.population);
    svg.appendChild(el("path", { d: `M${cx},${cy - 7}L${cx + 7},${cy}L${cx},${cy + 7}L${cx - 7},${cy}Z`, fill: "#f39c12" }));
    svg.appendChild(el("text", { x: cx - 10, y: cy - 10, "text-anchor": "end", class: "legend" }, `${t("targetMark")} ${fmt(a.target.population)}`));
  }
}

function pyramid(p) {
  const svg = $("pyramid");
  svg.innerHTML = "";
  const W = 360, H = 320, mid = W / 2, top = 20, rowH = (H - top - 10) / p.ages.length;
  const max = Math.max(1, ...p.male, ...p.female, ...p.pattern1_male, ...p.pattern1_female);
  const w = (v) => v / max * (mid - 30);
  svg.appendChild(el("text", { x: mid - 40, y: 14, "text-anchor": "end", class: "legend" }, `${t("male")} ${p.year}`));
  svg.appendChild(el("text", { x: mid + 40, y: 14, class: "legend" }, t("female")));
  p.ages.forEach((label, i) => {
    const y = top + (p.ages.length - 1 - i) * rowH;
    svg.appendChild(el("rect", { x: mid - 20 - w(p.male[i]), y, width: w(p.male[i]), height: rowH - 1, fill: "#5dade2" }));
    svg.appendChild(el("rect", { x: mid + 20, y, width: w(p.female[i]), height: rowH - 1, fill: "#f1948a" }));
    svg.appendChild(el("rect", { x: mid - 20 - w(p.pattern1_male[i]), y, width: w(p.pattern1_male[i]), height: rowH - 1, fill: "none", stroke: "#1f4e79" }));
    svg.appendChild(el("rect", { x: mid + 20, y, width: w(p.pattern1_female[i]), height: rowH - 1, fill: "none", stroke: "#1f4e79" }));
    if (i % 2 === 0) svg.appendChild(el("text", { x: mid, y: y + rowH - 3, "text-anchor": "middle", class: "axis" }, label));
  });
}

function groups(a) {
  const tb = $("groups");
  tb.innerHTML = "";
  const idx = [0, a.years.indexOf(2040), a.years.length - 1].filter((i, j, arr) => i >= 0 && arr.indexOf(i) === j);
  const head = document.createElement("tr");
  head.appendChild(document.createElement("th"));
  idx.forEach((i) => { const th = document.createElement("th"); th.textContent = a.years[i]; head.appendChild(th); });
  tb.appendChild(head);
  [["young", a.groups.young], ["working", a.groups.working], ["old", a.groups.old]].forEach(([k, v]) => {
    const tr = document.createElement("tr");
    const th = document.createElement("th"); th.textContent = t(k); tr.appendChild(th);
    idx.forEach((i) => {
      const td = document.createElement("td");
      td.textContent = `${fmt(v[i])} (${(100 * v[i] / a.total[i]).toFixed(1)}%)`;
      tr.appendChild(td);
    });
    tb.appendChild(tr);
  });
}

// A range slider and its number box move together; the number box holds the exact value.
function pair(range, num, key, scale) {
  const r = $(range), n = $(num);
  r.addEventListener("input", () => { S[key] = Number(r.value) * (scale || 1); n.value = String(S[key]); changed(); });
  n.addEventListener("input", () => {
    if (n.value === "" || !Number.isFinite(Number(n.value))) return;
    S[key] = Number(n.value); r.value = String(S[key] / (scale || 1)); changed();
  });
}

function setPair(range, num, v) { $(range).value = String(v); $(num).value = String(v); }

async function choose(place) {
  $("results").innerHTML = "";
  try {
    const basis = $("basis").value;
    const r = await fetch(`/api/place/${encodeURIComponent(place.id)}?basis=${basis}`);
    const info = await r.json();
    if (!r.ok) {
      // Not on this basis (or not at all): say why, and keep the place and basis shown before.
      showError(info.error);
      if (S.info) $("basis").value = String(S.info.basis);
      return;
    }
    showError(null);
    S.place = place.id; S.chosen = place; S.info = info;
    $("placeName").textContent = `${place.prefecture}${place.name} (${place.code || place.id})`;
    const b = info.base_year, h = info.horizon;
    years($("tfrBy"), b + 10, h, 5, Math.min(b + 20, h));
    years($("migFrom"), b, h - 5, 5, b + 10);
    years($("hhFrom"), b + 5, h - 5, 5, b + 5);
    years($("mortFrom"), b, h - 5, 5, b + 5);
    years($("targetYear"), b + 5, h, 5, h);
    years($("pyramidYear"), b, h, 5, h);
    reset(false);
    $("tfrBaseNote").textContent = info.tfr_base ? t("tfrBase")(info.tfr_base.toFixed(2)) : "";
    const base = info.pattern1[0];
    $("mig").min = "0"; $("mig").max = "2";
    $("migNum").dataset.scale = String(base);
    changed();
  } catch (e) { showError(e.message); }
}

function reset(run) {
  const info = S.info;
  S.tfr = info.tfr_base; S.mig = 1; S.migNet = 0; S.hh = 0; S.mort = 0;
  // The box shows two decimals; S.tfr keeps the exact TFR of パターン1 (so no TFR is sent).
  setPair("tfr", "tfrNum", info.tfr_base ? Math.round(info.tfr_base * 100) / 100 : 1.5);
  setPair("mig", "migNum", 1); $("migMult").checked = true;
  setPair("hh", "hhNum", 0); setPair("mort", "mortNum", 0);
  const sim1 = info.sim1 ? info.sim1[info.sim1.length - 1] : info.pattern1[info.pattern1.length - 1];
  S.target = Math.round(sim1 / 100) * 100;
  $("target").value = String(S.target);
  $("solveMsg").textContent = "";
  if (run) changed();
}

let searchTimer = null;
async function search() {
  const q = $("search").value.trim();
  const ul = $("results");
  if (!q) { ul.innerHTML = ""; return; }
  const list = await (await fetch(`/api/places?q=${encodeURIComponent(q)}`)).json();
  ul.innerHTML = "";
  list.forEach((p) => {
    const li = document.createElement("li");
    li.tabIndex = 0;
    li.dataset.id = p.id;
    li.textContent = `${p.prefecture}${p.name} (${p.code || p.id})`;
    li.addEventListener("click", () => choose(p));
    li.addEventListener("keydown", (e) => { if (e.key === "Enter") choose(p); });
    ul.appendChild(li);
  });
}

async function solveFor(what) {
  if (!S.info) return;
  $("solveMsg").textContent = t("solving");
  try {
    // The solved control's years come from the page even when its value is still パターン1's.
    const req = request();
    if (what === "tfr" && !req.tfr) req.tfr = { value: S.info.tfr_base || 1.5, by: Number($("tfrBy").value) };
    if (what === "migration" && !req.migration) req.migration = { kind: "multiplier", value: 1, from: Number($("migFrom").value) };
    if (what === "households" && !req.households) {
      req.households = { per_year: 0, kind: $("hhKind").value, from: Number($("hhFrom").value) };
      if (req.households.kind === "custom") req.households.custom = parseCustom($("hhCustom").value);
    }
    const a = await (await post("/api/solve", { solve: what, request: req })).json();
    if (a.value === null) { $("solveMsg").textContent = t("unreachable") + a.message; return; }
    const v = a.value;
    if (what === "tfr") { S.tfr = v; setPair("tfr", "tfrNum", v); }
    if (what === "migration") { $("migMult").checked = true; S.mig = v; setPair("mig", "migNum", v); }
    if (what === "households") { S.hh = v; setPair("hh", "hhNum", v); }
    const shown = what === "households" ? v.toFixed(2) : v.toFixed(4);
    $("solveMsg").textContent = t(what === "tfr" ? "solvedTfr" : what === "migration" ? "solvedMig" : "solvedHh")(shown);
    document.body.dataset.solved = String(v);
    changed();
  } catch (e) { $("solveMsg").textContent = e.message; }
}

async function exportFile(path, name) {
  if (!S.info) return;
  try {
    const blob = await (await post(path, request())).blob();
    const a = document.createElement("a");
    a.href = URL.createObjectURL(blob);
    a.download = name;
    document.body.appendChild(a); a.click(); a.remove();
    setTimeout(() => URL.revokeObjectURL(a.href), 1000);
  } catch (e) { showError(e.message); }
}

function init() {
  pair("tfr", "tfrNum", "tfr");
  pair("hh", "hhNum", "hh");
  pair("mort", "mortNum", "mort");
  const mr = $("mig"), mn = $("migNum");
  mr.addEventListener("input", () => {
    if ($("migNet").checked) { S.migNet = Math.round(Number(mr.value)); } else { S.mig = Number(mr.value); }
    mn.value = mr.value; changed();
  });
  mn.addEventListener("input", () => {
    if (mn.value === "" || !Number.isFinite(Number(mn.value))) return;
    if ($("migNet").checked) S.migNet = Number(mn.value); else S.mig = Number(mn.value);
    mr.value = mn.value; changed();
  });
  const kind = () => {
    const net = $("migNet").checked;
    const base = Number(mn.dataset.scale || 10000);
    const span = Math.max(50, Math.round(base * 0.05 / 10) * 10);
    if (net) { mr.min = String(-span); mr.max = String(span); mr.step = "10"; setPair("mig", "migNum", S.migNet); }
    else { mr.min = "0"; mr.max = "2"; mr.step = "0.01"; setPair("mig", "migNum", S.mig); }
    changed();
  };
  $("migMult").addEventListener("change", kind);
  $("migNet").addEventListener("change", kind);
  // Another basis is another パターン1 (base year, horizon, official path): the place is chosen again.
  $("basis").addEventListener("change", () => { if (S.chosen) choose(S.chosen); });
  ["tfrBy", "migFrom", "hhFrom", "mortFrom", "targetYear", "pyramidYear", "hhKind"].forEach((id) => $(id).addEventListener("change", () => {
    $("hhCustom").classList.toggle("hidden", $("hhKind").value !== "custom");
    changed();
  }));
  $("hhCustom").addEventListener("input", changed);
  $("target").addEventListener("input", () => {
    const v = Number($("target").value);
    S.target = $("target").value !== "" && v > 0 ? v : null; changed();
  });
  $("search").addEventListener("input", () => { clearTimeout(searchTimer); searchTimer = setTimeout(search, 120); });
  $("solveTfr").addEventListener("click", () => solveFor("tfr"));
  $("solveMig").addEventListener("click", () => solveFor("migration"));
  $("solveHh").addEventListener("click", () => solveFor("households"));
  $("reset").addEventListener("click", () => { if (S.info) reset(true); });
  $("exportToml").addEventListener("click", () => exportFile("/api/export/toml", "jinko-serve.toml"));
  $("exportXlsx").addEventListener("click", () => exportFile("/api/export/xlsx", "jinko-serve.xlsx"));
  $("exportReport").addEventListener("click", () => exportFile("/api/export/report", "jinko-serve-report.html"));
  $("lang").addEventListener("click", () => { lang = lang === "ja" ? "en" : "ja"; translate(); });
  translate();
  $("placeName").textContent = t("chooseFirst");
  document.body.dataset.ready = "1";
}

document.addEventListener("DOMContentLoaded", init);
