"""Plotly figures of the report. Each function returns a `go.Figure` (or None when there is no data).

Text that reaches a figure (account ids, model names, category names) is data: plotly JSON-encodes
it (`<` becomes `\\u003c`), and `plain()` stops plotly.js from reading it as its pseudo-HTML
(`<b>`, `<br>`, `<a>`). No HTML is assembled from data here.
"""

from __future__ import annotations

import random
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

import networkx as nx
import numpy as np
import plotly.graph_objects as go
import plotly.io as pio
from plotly.colors import sample_colorscale
from markupsafe import Markup

TEMPLATE = "plotly_white"
CONFIG = {"displaylogo": False, "responsive": True,
          "modeBarButtonsToRemove": ["sendDataToCloud", "lasso2d", "select2d"]}

# One colour per evidence kind, stable across pages (names as in campaign_edges and indicators).
KIND_COLOURS = {
    "ip": "#d62728", "ip_prefix": "#ff7f0e", "client_stack": "#8c564b",
    "payment": "#9467bd", "payment_fingerprint": "#9467bd", "email_domain": "#e377c2",
    "signup_burst": "#bcbd22", "template": "#1f77b4", "prompt_template": "#1f77b4",
    "signature": "#17becf", "lockstep": "#2ca02c",
}
_SPARE = ["#7f7f7f", "#aec7e8", "#ffbb78", "#98df8a", "#ff9896", "#c5b0d5", "#c49c94", "#f7b6d2"]

GRAPH_FULL_NODES = 400      # above this many accounts the graph shows a sample of the edges
GRAPH_MAX_EDGES = 2500      # edge cap once sampling starts


def plain(s: Any) -> str:
    """Data text for plotly: neutralise plotly.js pseudo-HTML so it shows literally."""
    return str(s).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def scale_colours(scale: str, values: list[float]) -> list[str]:
    """Explicit colours for bars (plotly.js warns on numeric bar colours in some hover paths)."""
    return sample_colorscale(scale, [min(1.0, max(0.0, float(v))) for v in values]) if values else []


def kind_colour(kind: str, seen: dict[str, str] | None = None) -> str:
    if kind in KIND_COLOURS:
        return KIND_COLOURS[kind]
    seen = seen if seen is not None else {}
    if kind not in seen:
        seen[kind] = _SPARE[len(seen) % len(_SPARE)]
    return seen[kind]


def to_div(fig: go.Figure | None, div_id: str) -> Markup | None:
    """The figure as a `<div>` + `<script>` (plotly.js itself is loaded once per page by the template)."""
    if fig is None:
        return None
    html = pio.to_html(fig, include_plotlyjs=False, full_html=False, div_id=div_id, config=CONFIG,
                       default_width="100%", default_height=f"{int(fig.layout.height or 420)}px")
    return Markup(html)  # plotly's own markup; every data string in it is JSON-escaped


def _layout(fig: go.Figure, title: str, height: int = 420, **kw: Any) -> go.Figure:
    fig.update_layout(template=TEMPLATE, title={"text": plain(title), "x": 0.01}, height=height,
                      margin={"l": 60, "r": 20, "t": 50, "b": 50}, **kw)
    return fig


# ---------------------------------------------------------------- timelines


def every_bin(buckets: list[datetime], bin_label: str) -> list[datetime]:
    """Every bin from one before the first to one after the last, so that an empty bin reads 0
    (not a line drawn across the gap) and traffic that fits in one bin still draws an area."""
    step = timedelta(days=1) if bin_label == "day" else timedelta(hours=1)
    if not buckets or not all(isinstance(b, datetime) for b in buckets):
        return buckets
    out, t = [], buckets[0] - step
    while t <= buckets[-1] + step:
        out.append(t)
        t += step
    return out


def timeline(rows: list[dict[str, Any]], releases: list[dict[str, Any]], title: str, bin_label: str,
             height: int = 380) -> go.Figure | None:
    """Stacked exchanges per time bin by model; a dashed vertical line at each model release.

    rows: {bucket: datetime, model: str, n: int}; releases: {model, ts}.
    """
    if not rows:
        return None
    models = sorted({r["model"] or "(none)" for r in rows}, key=lambda m: -sum(r["n"] for r in rows
                                                                              if (r["model"] or "(none)") == m))
    buckets = every_bin(sorted({r["bucket"] for r in rows}), bin_label)
    pos = {b: i for i, b in enumerate(buckets)}
    fig = go.Figure()
    for m in models:
        y = np.zeros(len(buckets), dtype=np.int64)
        for r in rows:
            if (r["model"] or "(none)") == m:
                y[pos[r["bucket"]]] += int(r["n"])
        fig.add_trace(go.Scatter(x=buckets, y=y.tolist(), name=plain(m), mode="lines", stackgroup="models",
                                 line={"width": 0.8},
                                 hovertemplate="%{x}<br>%{y:,} exchanges<extra>%{fullData.name}</extra>"))
    lo, hi = buckets[0], buckets[-1]
    for ev in releases:
        ts = ev.get("ts")
        if not isinstance(ts, datetime) or ts < lo or ts > hi:
            continue
        fig.add_shape(type="line", x0=ts, x1=ts, y0=0, y1=1, xref="x", yref="paper",
                      line={"color": "#222", "width": 1.5, "dash": "dash"})
        fig.add_annotation(x=ts, y=1, xref="x", yref="paper", text=plain(f"release: {ev.get('model') or '?'}"),
                           showarrow=False, xanchor="left", yanchor="bottom", font={"size": 11})
    return _layout(fig, title, height, yaxis_title=f"exchanges per {bin_label}", xaxis_title="time (UTC)",
                   legend={"title": {"text": "model"}}, hovermode="x unified")


def campaign_share_bar(campaigns: list[dict[str, Any]], total: int) -> go.Figure | None:
    if not campaigns:
        return None
    cs = sorted(campaigns, key=lambda c: -c["exchanges"])[:40]
    share = [100.0 * c["exchanges"] / total if total else 0.0 for c in cs]
    fig = go.Figure(go.Bar(
        x=[plain(c["campaign_id"]) for c in cs], y=share,
        marker={"color": scale_colours("Reds", [0.25 + 0.75 * c["risk"] for c in cs])},
        customdata=[[c["exchanges"], len(c["accounts"]), c["risk"]] for c in cs],
        hovertemplate="%{x}<br>%{y:.2f}% of traffic<br>%{customdata[0]:,} exchanges<br>"
                      "%{customdata[1]} accounts<br>risk %{customdata[2]:.2f}<extra></extra>"))
    return _layout(fig, "Share of all exchanges, by campaign (darker = higher risk)", 360, yaxis_title="% of all exchanges",
                   xaxis={"type": "category"})


# ---------------------------------------------------------------- account graph


def account_graph(accounts: list[str], edges: list[dict[str, Any]], risk: dict[str, float],
                  title: str = "Account graph", seed: int = 7) -> tuple[go.Figure | None, str | None]:
    """Accounts as nodes (colour = risk), shared evidence as edges coloured by kind, one legend entry per kind.

    Returns the figure and a note when edges were sampled (None otherwise).
    """
    if not accounts:
        return None, None
    nodes = list(dict.fromkeys(accounts))
    node_set = set(nodes)
    edges = [e for e in edges if e["account_a"] in node_set and e["account_b"] in node_set
             and e["account_a"] != e["account_b"]]
    note = None
    total_edges = len(edges)
    if len(nodes) > GRAPH_FULL_NODES and total_edges > GRAPH_MAX_EDGES:
        edges = _sample_edges(edges, GRAPH_MAX_EDGES, seed)
        note = (f"{len(nodes):,} accounts: showing a sample of {len(edges):,} of {total_edges:,} evidence edges "
                "(every account keeps its strongest edge; the rest are drawn at random).")
    g = nx.Graph()
    g.add_nodes_from(nodes)
    for e in edges:  # layout weight = how many kinds of evidence a pair shares (robust to weight scales)
        a, b = e["account_a"], e["account_b"]
        g.add_edge(a, b, weight=(g[a][b]["weight"] + 1.0) if g.has_edge(a, b) else 1.0)
    k = 1.5 / np.sqrt(max(len(nodes), 1))
    pos = nx.spring_layout(g, seed=seed, k=k, iterations=60 if len(nodes) <= GRAPH_FULL_NODES else 35,
                           weight="weight")
    fig = go.Figure()
    spare: dict[str, str] = {}
    by_kind: dict[str, list[dict[str, Any]]] = {}
    for e in edges:
        by_kind.setdefault(str(e["kind"]), []).append(e)
    for kind in sorted(by_kind, key=lambda k: -len(by_kind[k])):
        xs: list[float | None] = []
        ys: list[float | None] = []
        for e in by_kind[kind]:
            (x0, y0), (x1, y1) = pos[e["account_a"]], pos[e["account_b"]]
            xs += [float(x0), float(x1), None]
            ys += [float(y0), float(y1), None]
        fig.add_trace(go.Scatter(x=xs, y=ys, mode="lines", name=plain(f"{kind} ({len(by_kind[kind]):,})"),
                                 line={"color": kind_colour(kind, spare), "width": 1.2}, opacity=0.55,
                                 hoverinfo="skip", legendgroup=plain(kind)))
    deg = dict(g.degree())
    fig.add_trace(go.Scatter(
        x=[float(pos[n][0]) for n in nodes], y=[float(pos[n][1]) for n in nodes], mode="markers",
        name="accounts", showlegend=False,
        marker={"size": 9 if len(nodes) <= GRAPH_FULL_NODES else 6, "color": [risk.get(n, 0.0) for n in nodes],
                "colorscale": "Reds", "cmin": 0, "cmax": 1, "line": {"color": "#333", "width": 0.6},
                "colorbar": {"title": {"text": "risk"}, "x": 1.0, "len": 0.5, "y": 0.75, "thickness": 14}},
        customdata=[[plain(n), risk.get(n, 0.0), deg.get(n, 0)] for n in nodes],
        hovertemplate="%{customdata[0]}<br>risk %{customdata[1]:.2f}<br>%{customdata[2]} linked accounts"
                      "<extra></extra>"))
    fig = _layout(fig, title, 560 if len(nodes) > 60 else 460,
                  legend={"title": {"text": "shared evidence:"}, "orientation": "h", "x": 0, "y": -0.02,
                          "yanchor": "top"},
                  xaxis={"visible": False}, yaxis={"visible": False, "scaleanchor": "x"})
    return fig, note


def _sample_edges(edges: list[dict[str, Any]], cap: int, seed: int) -> list[dict[str, Any]]:
    best: dict[str, int] = {}
    for i, e in enumerate(edges):
        w = float(e.get("weight") or 0.0)
        for n in (e["account_a"], e["account_b"]):
            j = best.get(n)
            if j is None or w > float(edges[j].get("weight") or 0.0):
                best[n] = i
    keep = set(best.values())
    rest = [i for i in range(len(edges)) if i not in keep]
    random.Random(seed).shuffle(rest)
    keep.update(rest[: max(0, cap - len(keep))])
    return [edges[i] for i in sorted(keep)]


# ---------------------------------------------------------------- shares and histograms


def share_bar(shares: dict[str, float], title: str, axis: str, colour_by_kind: bool = False,
              height: int | None = None) -> go.Figure | None:
    if not shares:
        return None
    items = sorted(shares.items(), key=lambda kv: kv[1])
    spare: dict[str, str] = {}
    colours = [kind_colour(k, spare) for k, _ in items] if colour_by_kind else "#4c72b0"
    fig = go.Figure(go.Bar(y=[plain(k) for k, _ in items], x=[100.0 * v for _, v in items], orientation="h",
                           marker={"color": colours}, hovertemplate="%{y}: %{x:.1f}%<extra></extra>"))
    return _layout(fig, title, height or max(220, 60 + 28 * len(items)), xaxis_title=axis,
                   xaxis={"range": [0, 100]}, yaxis={"type": "category"})


def signup_histogram(rows: list[dict[str, Any]], title: str) -> go.Figure | None:
    """rows: {created_at: datetime, signup_path: str}; a histogram of sign-ups coloured by path."""
    rows = [r for r in rows if isinstance(r.get("created_at"), datetime)]
    if not rows:
        return None
    fig = go.Figure()
    for path in sorted({r.get("signup_path") or "(unknown)" for r in rows}):
        xs = [r["created_at"] for r in rows if (r.get("signup_path") or "(unknown)") == path]
        fig.add_trace(go.Histogram(x=xs, name=plain(path), nbinsx=40))
    return _layout(fig, title, 320, barmode="stack", yaxis_title="accounts created", xaxis_title="sign-up time (UTC)",
                   legend={"title": {"text": "sign-up path"}})


def percentile_bars(features: Iterable[dict[str, Any]], title: str, top: int = 25) -> go.Figure | None:
    """features: {name, percentile (0..100)}; the `top` most extreme against the population."""
    feats = [f for f in features if f.get("percentile") is not None]
    if not feats:
        return None
    feats = sorted(feats, key=lambda f: -abs(f["percentile"] - 50))[:top]
    feats.reverse()
    fig = go.Figure(go.Bar(
        y=[plain(f["name"]) for f in feats], x=[f["percentile"] - 50.0 for f in feats], base=50.0,
        orientation="h", marker={"color": scale_colours("RdBu_r", [f["percentile"] / 100.0 for f in feats]),
                                 "line": {"color": "#888", "width": 0.5}},
        customdata=[[f["percentile"], f["value_text"], f["median_text"]] for f in feats],
        hovertemplate="%{y}<br>percentile %{customdata[0]:.0f}<br>this account: %{customdata[1]}<br>"
                      "population median: %{customdata[2]}<extra></extra>"))
    fig.add_shape(type="line", x0=50, x1=50, y0=0, y1=1, yref="paper", line={"color": "#555", "dash": "dot"})
    return _layout(fig, title, max(300, 60 + 22 * len(feats)), xaxis={"range": [0, 100], "title": {
        "text": "percentile among all accounts (50 = typical)"}}, yaxis={"type": "category"})
