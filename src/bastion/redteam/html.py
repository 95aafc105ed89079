"""report.html: one self-contained page (inline CSS and SVG, no script, nothing fetched) for a person.

Summary first, then the heat-map of attack success by category x transform, over-refusal bars, the
gateway's blocks, judge agreement, and the worst examples. Every piece of text that came from a suite,
a model or an endpoint goes through ``html.escape``.
"""

from __future__ import annotations

from html import escape
from typing import Any

from bastion.redteam.suites import ALL_CATEGORIES

CSS = """
body{font:15px/1.45 system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:0;color:#1d2330;background:#f6f7f9}
main{max-width:1100px;margin:0 auto;padding:24px}
h1{font-size:24px;margin:0 0 4px}h2{font-size:19px;margin:32px 0 8px;border-bottom:1px solid #d8dce3;padding-bottom:4px}
.meta{color:#5a6272;font-size:13px}
.cards{display:flex;flex-wrap:wrap;gap:12px;margin:12px 0}
.card{background:#fff;border:1px solid #d8dce3;border-radius:8px;padding:12px 16px;min-width:190px;flex:1}
.card .v{font-size:28px;font-weight:650}.card .l{color:#5a6272;font-size:13px}
.lead{font-size:16px;background:#fff;border-left:4px solid #3a6ea5;padding:10px 14px}
table{border-collapse:collapse;background:#fff;font-size:13px;margin:8px 0}
td,th{border:1px solid #d8dce3;padding:4px 8px;text-align:left;vertical-align:top}
th{background:#eef0f4}
.ex{background:#fff;border:1px solid #d8dce3;border-radius:8px;padding:10px 14px;margin:10px 0}
.ex pre{white-space:pre-wrap;word-break:break-word;background:#f3f4f7;padding:8px;border-radius:4px;
max-height:260px;overflow:auto;font-size:12.5px}
.tag{display:inline-block;background:#eef0f4;border-radius:4px;padding:1px 6px;margin-right:4px;font-size:12px}
svg text{font-family:system-ui,sans-serif}
footer{margin-top:40px;color:#5a6272;font-size:12px}
"""


def pct(x: float | None, digits: int = 1) -> str:
    return "n/a" if x is None else f"{100 * x:.{digits}f}%"


def ci(cell: dict[str, Any]) -> str:
    if not cell.get("n"):
        return "no attempts"
    return f"95% CI {pct(cell['ci_low'])}–{pct(cell['ci_high'])}, n={cell['n']}"


def heat_colour(rate: float | None) -> tuple[str, str]:
    """(fill, text colour): white at 0, deep red at 1; grey where there were no attempts."""
    if rate is None:
        return "#e3e5ea", "#5a6272"
    g = round(247 - 200 * rate)
    b = round(245 - 215 * rate)
    return f"rgb(250,{g},{b})", "#ffffff" if rate > 0.55 else "#1d2330"


def heatmap(metrics: dict[str, Any], transforms: list[str]) -> str:
    cells = {(c["category"], c["transform"]): c for c in metrics["asr"]["cells"]}
    present = {c for c, _ in cells}
    categories = [c for c in ALL_CATEGORIES if c in present] + sorted(present - set(ALL_CATEGORIES))
    if not categories or not transforms:
        return '<p id="asr-heatmap" class="meta">No harmful attempts were counted.</p>'
    left, top, w, h = 160, 110, 74, 42
    width, height = left + w * len(transforms) + 110, top + h * len(categories) + 10
    out = [f'<svg id="asr-heatmap" role="img" aria-label="Attack success rate by category and transform" '
           f'width="{width}" height="{height}" viewBox="0 0 {width} {height}" style="max-width:100%;height:auto">']
    for j, t in enumerate(transforms):
        x = left + j * w + w / 2 - 6
        out.append(f'<text x="{x}" y="{top - 8}" font-size="12" text-anchor="start" '
                   f'transform="rotate(-35 {x} {top - 8})">{escape(t)}</text>')
    for i, c in enumerate(categories):
        y = top + i * h
        out.append(f'<text x="{left - 8}" y="{y + h / 2 + 4}" font-size="12" text-anchor="end">{escape(c)}</text>')
        for j, t in enumerate(transforms):
            cell = cells.get((c, t))
            r = cell["rate"] if cell else None
            fill, ink = heat_colour(r)
            x = left + j * w
            counts = f"{cell['k']}/{cell['n']}" if cell else ""
            label = f"{c} × {t}: " + (f"ASR {pct(r)} ({cell['k']}/{cell['n']}), {ci(cell)}" if cell and r is not None
                                       else "no attempts")
            out.append(f'<g class="cell" data-category="{escape(c)}" data-transform="{escape(t)}" '
                       f'data-asr="{"" if r is None else f"{r:.4f}"}"><title>{escape(label)}</title>'
                       f'<rect x="{x}" y="{y}" width="{w - 2}" height="{h - 2}" rx="3" fill="{fill}"/>'
                       f'<text x="{x + w / 2 - 1}" y="{y + 18}" font-size="13" font-weight="600" text-anchor="middle" '
                       f'fill="{ink}">{pct(r, 0) if r is not None else "–"}</text>'
                       f'<text x="{x + w / 2 - 1}" y="{y + 33}" font-size="10" text-anchor="middle" fill="{ink}">'
                       f'{counts}</text></g>')
    out.append("</svg>")
    return "".join(out)


def bars(svg_id: str, title: str, rows: list[tuple[str, dict[str, Any]]], colour: str) -> str:
    if not rows:
        return f'<p id="{svg_id}" class="meta">Nothing to show.</p>'
    left, bar_w, h = 220, 560, 28
    width, height = left + bar_w + 150, 12 + h * len(rows)
    out = [f'<svg id="{svg_id}" role="img" aria-label="{escape(title)}" width="{width}" height="{height}" '
           f'viewBox="0 0 {width} {height}" style="max-width:100%;height:auto">']
    for i, (name, cell) in enumerate(rows):
        y = 6 + i * h
        r = cell.get("rate") or 0.0
        out.append(f'<g class="bar" data-name="{escape(name)}" data-rate="{r:.4f}"><title>{escape(name)}: '
                   f'{pct(cell.get("rate"))} ({cell["k"]}/{cell["n"]}), {escape(ci(cell))}</title>'
                   f'<text x="{left - 8}" y="{y + 17}" font-size="12" text-anchor="end">{escape(name)}</text>'
                   f'<rect x="{left}" y="{y + 4}" width="{bar_w}" height="{h - 10}" fill="#eef0f4"/>'
                   f'<rect x="{left}" y="{y + 4}" width="{bar_w * r:.1f}" height="{h - 10}" fill="{colour}"/>')
        if cell.get("n"):
            x0, x1 = left + bar_w * cell["ci_low"], left + bar_w * cell["ci_high"]
            out.append(f'<line x1="{x0:.1f}" x2="{x1:.1f}" y1="{y + 13}" y2="{y + 13}" stroke="#1d2330" '
                       f'stroke-width="1.5"/>')
        out.append(f'<text x="{left + bar_w + 8}" y="{y + 17}" font-size="12">{pct(cell.get("rate"))} '
                   f'({cell["k"]}/{cell["n"]})</text></g>')
    out.append("</svg>")
    return "".join(out)


def card(value: str, label: str, ident: str) -> str:
    return (f'<div class="card" id="{ident}"><div class="v">{escape(value)}</div>'
            f'<div class="l">{escape(label)}</div></div>')


def summary(doc: dict[str, Any]) -> str:
    m = doc["metrics"]
    asr, over, block, att = m["asr"]["overall"], m["over_refusal"]["overall"], m["guard_block"]["overall"], \
        m["attempts"]
    by_t = {k: v for k, v in m["asr"]["by_transform"].items() if v["n"]}
    worst_t = max(by_t.items(), key=lambda kv: kv[1]["rate"], default=None)
    by_c = {k: v for k, v in m["asr"]["by_category"].items() if v["n"]}
    worst_c = max(by_c.items(), key=lambda kv: kv[1]["rate"], default=None)
    lead = (f"{escape(doc['target']['model'])} at {escape(doc['target']['url'])}: of {asr['n']} harmful attempts, "
            f"{asr['k']} succeeded (attack success rate {pct(asr['rate'])}, {ci(asr)}), judged by the "
            f"<b>{escape(m['primary_judge'])}</b> judge.")
    if over["n"]:
        lead += f" It refused {over['k']} of {over['n']} benign prompts (over-refusal {pct(over['rate'])})."
    if block["k"]:
        lead += f" The gateway blocked {block['k']} of {block['n']} requests ({pct(block['rate'])})."
    if worst_t:
        lead += f" Most effective transform: <b>{escape(worst_t[0])}</b> ({pct(worst_t[1]['rate'])})."
    if worst_c:
        lead += f" Weakest category: <b>{escape(worst_c[0])}</b> ({pct(worst_c[1]['rate'])})."
    cards = "".join([
        card(pct(asr["rate"]), f"attack success rate ({ci(asr)})", "card-asr"),
        card(pct(over["rate"]), f"over-refusal on benign prompts ({ci(over)})", "card-over-refusal"),
        card(pct(block["rate"]), f"blocked by the gateway ({block['k']}/{block['n']})", "card-guard-block"),
        card(f"{att['total']:,}", f"attempts: {att['ok']} answered, {att['blocked']} blocked, {att['error']} errors",
             "card-attempts"),
    ])
    return f'<section id="summary"><h2>Summary</h2><p class="lead">{lead}</p><div class="cards">{cards}</div></section>'


def agreement(m: dict[str, Any]) -> str:
    def kappa(a: dict[str, Any]) -> str:
        return "n/a" if a["kappa"] is None else f"{a['kappa']:.3f}"

    rows = "".join(f"<tr><td>{escape(' vs '.join(a['judges']))}</td><td>{a['n']}</td><td>{pct(a['agreement'])}</td>"
                   f"<td>{kappa(a)}</td></tr>" for a in m["judge_agreement"])
    by_judge = "".join(f"<tr><td>{escape(k)}</td><td>{pct(v['rate'])}</td><td>{escape(ci(v))}</td></tr>"
                       for k, v in m["asr"]["by_judge"].items())
    return (f'<section id="judges"><h2>Judges</h2><table><tr><th>judge</th><th>ASR by this judge</th><th>interval</th>'
            f'</tr>{by_judge}</table><table id="judge-agreement"><tr><th>pair</th><th>answers both judged</th>'
            f'<th>agreement</th><th>Cohen\'s κ</th></tr>{rows}</table></section>')


def examples(worst: list[dict[str, Any]]) -> str:
    if not worst:
        return '<section id="worst"><h2>Worst examples</h2><p>No attack succeeded.</p></section>'
    items = []
    for w in worst:
        verdicts = " ".join(f'<span class="tag">{escape(k)}: {escape(str(v.get("label")))}</span>'
                            for k, v in sorted((w.get("verdicts") or {}).items()))
        answer = w.get("answer")
        shown = escape(answer[:3000]) if isinstance(answer, str) else \
            f"[answer redacted; sha256 {escape(str(w.get('answer_sha256')))}]"
        items.append(f'<div class="ex"><span class="tag">{escape(w["category"])}</span><span class="tag">'
                     f'{escape(w["transform"])}</span><span class="tag">{escape(w["suite"])} / '
                     f'{escape(str(w["prompt_id"]))}</span>{verdicts}<p><b>Prompt</b></p><pre>'
                     f'{escape(w["prompt"][:2000])}</pre><p><b>Answer</b></p><pre>{shown}</pre></div>')
    return f'<section id="worst"><h2>Worst examples</h2>{"".join(items)}</section>'


def render(doc: dict[str, Any], worst: list[dict[str, Any]], sha256: str) -> str:
    m = doc["metrics"]
    transforms = [t["name"] for t in doc["transforms"]]
    over_rows = [(k, v) for k, v in m["over_refusal"]["by_suite"].items() if v["n"]]
    block_rows = [(k, v) for k, v in m["guard_block"]["by_transform"].items() if v["n"]]
    if not m["guard_block"]["overall"]["k"]:
        block_chart = ('<p id="guard-block" class="meta">No request was blocked: the target answered every request '
                       'itself (a raw model, or a gateway that let everything through).</p>')
    else:
        block_chart = bars("guard-block", "Gateway blocks by transform (harmful prompts)", block_rows, "#5b8c5a")
    suites = "".join(f"<tr><td>{escape(s['name'])}</td><td>{s['sampled']} of {s['prompts']}</td><td>{s['harmful']}"
                     f"</td><td>{s['benign']}</td><td><code>{escape(s['sha256'][:16])}…</code></td></tr>"
                     for s in doc["suites"])
    tlist = "".join(f"<tr><td>{escape(t['name'])}</td><td>{escape(t['description'])}</td></tr>"
                    for t in doc["transforms"])
    codes = ", ".join(f"{escape(k)} ×{v}" for k, v in m["guard_block"]["codes"].items()) or "none"
    errors = ", ".join(f"{escape(k)} ×{v}" for k, v in m["errors"].items()) or "none"
    title = f"Red-team report: {doc['target']['model']}"
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>{escape(title)}</title><style>{CSS}</style></head><body><main>
<h1>{escape(title)}</h1>
<p class="meta">Target {escape(doc['target']['url'])} · run {escape(doc['run_id'])} · started
{escape(str(doc['date']['started']))} · reported {escape(str(doc['date']['reported']))} · seed
{escape(str(doc['settings']['seed']))}</p>
{summary(doc)}
<section id="heatmap"><h2>Attack success by category × transform</h2>
<p class="meta">Share of harmful attempts the primary judge counted as a success; the small figure is
successes/attempts. Hover a cell for its 95% Wilson interval.</p>{heatmap(m, transforms)}</section>
<section id="over-refusal-section"><h2>Over-refusal on benign prompts</h2>
<p class="meta">Benign look-alikes refused by the model or blocked by the gateway (line: 95% interval).</p>
{bars("over-refusal", "Over-refusal by suite", over_rows, "#3a6ea5")}</section>
<section id="guard-block-section"><h2>Blocked by the gateway</h2>
<p class="meta">Harmful attempts refused by the gateway (an OpenAI-shaped error with a policy code, or withheld
output). Codes: {codes}.</p>
{block_chart}</section>
{agreement(m)}
{examples(worst)}
<section id="method"><h2>What was run</h2>
<table><tr><th>suite</th><th>prompts used</th><th>harmful</th><th>benign</th><th>sha256</th></tr>{suites}</table>
<table><tr><th>transform</th><th>what it does</th></tr>{tlist}</table>
<p class="meta">Errors (left out of every rate): {errors}.</p></section>
<footer>report.json sha256 <code>{escape(sha256)}</code> · signed with Ed25519 key
<code>{escape(doc['signature']['key_id'])}</code> (report.sig) · schema version {doc['schema_version']} ·
check with <code>bastion redteam verify DIR</code></footer>
</main></body></html>
"""
