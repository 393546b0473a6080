#!/usr/bin/env python3
"""Turns the benchmark result rows (TSV: name, ours, peer, unit, ratio, note) into a markdown
report and an SVG chart: one bar per comparison (peer/ours on a log scale), and the scaling curve
for comparisons measured at several scales ("... @ N users")."""
import datetime
import math
import os
import platform
import re
import subprocess
import sys
from collections import defaultdict
from xml.sax.saxutils import escape

results_path, report_path, postgres_bin, seconds = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
commit, scale, scales = (sys.argv[5:8] + ["unknown", "?", "?"])[:3]
rows = []
for line in open(results_path, encoding="utf-8"):
    parts = line.rstrip("\n").split("\t")
    if len(parts) >= 5:
        parts += [""] * (6 - len(parts))
        rows.append(dict(zip(["name", "ours", "peer", "unit", "ratio", "note"], parts)))


def machine():
    cpu = "unknown CPU"
    for line in open("/proc/cpuinfo"):
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    mem_gib = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    pg = subprocess.run([postgres_bin, "--version"], capture_output=True, text=True).stdout.strip()
    return f"{cpu}, {os.cpu_count()} cores, {mem_gib:.0f} GiB RAM, {platform.system()} {platform.release()}, {pg}"


def ratio_value(r):
    try:
        return float(r["ratio"])
    except ValueError:
        return None


now = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
md = [
    "# assistant_hub benchmark report",
    "",
    f"Run on {now} at commit {commit}, dataset SCALE={scale} users (scaling curve at {scales}),",
    f"on {machine()}; the whole run took {seconds // 60} min {seconds % 60} s.",
    "",
    "Each row measures assistant_hub and its peer in the same run. Absolute figures vary between",
    "machines; the ratios are what to compare. `peer/ours` above 1 means assistant_hub costs less.",
    "",
    "| comparison | assistant_hub | peer | unit | peer/ours | note |",
    "|---|---|---|---|---|---|",
]
for r in rows:
    md.append(f"| {r['name']} | {r['ours']} | {r['peer']} | {r['unit']} | {r['ratio']} | {r['note']} |")
md += ["", f"![chart]({os.path.basename(report_path)[:-3]}.svg)", ""]
open(report_path, "w", encoding="utf-8").write("\n".join(md))

# Chart: bars of log10(peer/ours), then one small line chart per scaled comparison.
bars = [(r["name"], ratio_value(r)) for r in rows if ratio_value(r)]
scaled = defaultdict(list)
for r in rows:
    m = re.match(r"(.*) @ (\d+) users$", r["name"])
    if m:
        try:
            scaled[m.group(1)].append((int(m.group(2)), float(r["ours"]), float(r["peer"])))
        except ValueError:
            pass
width, bar_h, left = 980, 22, 430
height = 40 + bar_h * max(1, len(bars)) + 40 + 200 * math.ceil(len(scaled) / 2) + 20
svg = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" font-family="sans-serif" font-size="12">',
       f'<text x="10" y="20" font-size="15" font-weight="bold">peer / assistant_hub (log scale; right of the line: assistant_hub costs less)</text>']
max_log = max([abs(math.log10(v)) for _, v in bars if v > 0] + [1])
scale = (width - left - 60) / 2 / max_log
mid = left + (width - left - 60) / 2
for i, (name, v) in enumerate(bars):
    y = 35 + i * bar_h
    lv = math.log10(v) if v > 0 else 0
    x0, x1 = sorted([mid, mid + lv * scale])
    colour = "#2e7d32" if v >= 1 else "#c62828"
    svg.append(f'<text x="{left - 8}" y="{y + 15}" text-anchor="end">{escape(name[:70])}</text>')
    svg.append(f'<rect x="{x0:.1f}" y="{y + 3}" width="{max(1, x1 - x0):.1f}" height="{bar_h - 6}" fill="{colour}"/>')
    svg.append(f'<text x="{x1 + 4 if v >= 1 else x0 - 4:.1f}" y="{y + 15}" text-anchor="{"start" if v >= 1 else "end"}">{v:g}x</text>')
svg.append(f'<line x1="{mid}" y1="30" x2="{mid}" y2="{35 + bar_h * len(bars)}" stroke="#333"/>')
top = 60 + bar_h * len(bars)
for k, (name, points) in enumerate(sorted(scaled.items())):
    points.sort()
    gx, gy, gw, gh = 60 + (k % 2) * 470, top + (k // 2) * 200, 380, 140
    svg.append(f'<text x="{gx}" y="{gy - 6}" font-weight="bold">{escape(name[:60])}</text>')
    svg.append(f'<rect x="{gx}" y="{gy}" width="{gw}" height="{gh}" fill="none" stroke="#999"/>')
    ymax = max([max(o, p) for _, o, p in points] + [1e-9])
    xs = [s for s, _, _ in points]
    lo, hi = math.log10(min(xs)), math.log10(max(xs)) if len(xs) > 1 else math.log10(min(xs)) + 1
    def px(s): return gx + 10 + (math.log10(s) - lo) / max(hi - lo, 1e-9) * (gw - 20)
    def py(v): return gy + gh - 10 - v / ymax * (gh - 20)
    for idx, colour, label in ((1, "#2e7d32", "assistant_hub"), (2, "#c62828", "peer")):
        pts = " ".join(f"{px(p[0]):.1f},{py(p[idx]):.1f}" for p in points)
        svg.append(f'<polyline points="{pts}" fill="none" stroke="{colour}" stroke-width="2"/>')
        svg.append(f'<text x="{gx + gw + 5}" y="{gy + 15 * idx}" fill="{colour}">{label}</text>')
    for s, _, _ in points:
        svg.append(f'<text x="{px(s):.1f}" y="{gy + gh + 14}" text-anchor="middle">{s} users</text>')
svg.append("</svg>")
open(report_path[:-3] + ".svg", "w", encoding="utf-8").write("\n".join(svg))
print("\n".join(md))
