"""The audit report for a time range: one self-contained HTML page (charts as inline SVG), and the period
report in Chinese with local time (UTC+08:00) as text, CSV and PDF.

Sections: calls per department and per resource, denials by reason, masking by entity type, grant usage,
administrator actions, and the chain status (a fresh verify). No script, no external resource: the page
carries a Content-Security-Policy that forbids fetching anything, so it opens the same offline. The PDF
uses reportlab's built-in CID font STSong-Light, so Chinese renders without any font file.
"""

from __future__ import annotations

import csv
import io
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from html import escape
from pathlib import Path

from sqlalchemy.engine import Engine

from ..config import Config
from ..store import make_engine
from .query import Filters, iter_rows
from .record import utc_ms
from .verify import VerifyResult, verify

MAX_ADMIN_ROWS = 500
UNKNOWN = "(none)"


@dataclass
class ReportData:
    from_ts: str | None
    to_ts: str | None
    records: int = 0
    requests: int = 0
    allowed: int = 0
    denied: int = 0
    errors: int = 0
    by_dept: Counter = field(default_factory=Counter)
    by_resource: Counter = field(default_factory=Counter)
    denials_by_reason: Counter = field(default_factory=Counter)
    masking_by_entity: Counter = field(default_factory=Counter)
    grant_usage: Counter = field(default_factory=Counter)
    admin_by_action: Counter = field(default_factory=Counter)
    admin_actions: list = field(default_factory=list)
    chain: VerifyResult | None = None


def collect(config: Config, from_ts: str | None, to_ts: str | None, *, engine: Engine | None = None) -> ReportData:
    owns = engine is None
    engine = engine or make_engine(config.db_url)
    data = ReportData(from_ts, to_ts)
    try:
        for row in iter_rows(engine, Path(config.data_dir), Filters(from_ts=from_ts, to_ts=to_ts)):
            rec = row.record
            data.records += 1
            if rec.get("event") == "admin":
                data.admin_by_action[str(rec.get("action"))] += 1
                if len(data.admin_actions) < MAX_ADMIN_ROWS:
                    data.admin_actions.append((row.seq, rec))
                continue
            if rec.get("event") != "request":
                continue
            data.requests += 1
            data.by_dept[rec.get("dept") or UNKNOWN] += 1
            data.by_resource[rec.get("resource") or UNKNOWN] += 1
            if rec.get("decision") == "allow":
                data.allowed += 1
            else:
                data.denied += 1
                data.denials_by_reason[rec.get("reason") or UNKNOWN] += 1
            if rec.get("error"):
                data.errors += 1
            for m in rec.get("masking") or []:
                if isinstance(m, dict):
                    count = m.get("count")
                    data.masking_by_entity[str(m.get("entity"))] += count if isinstance(count, int) else 0
            if rec.get("grant_id") is not None:
                data.grant_usage[str(rec.get("grant_id"))] += 1
        data.chain = verify(config, engine=engine)
    finally:
        if owns:
            engine.dispose()
    return data


def report(config: Config, from_ts: str | None, to_ts: str | None, *, engine: Engine | None = None) -> str:
    """The HTML report for [from_ts, to_ts)."""
    return render(collect(config, from_ts, to_ts, engine=engine))


# ------------------------------------------------------------------------------------------------ rendering
def bar_chart(title: str, items: list[tuple[str, int]], *, width: int = 640) -> str:
    """A horizontal bar chart as inline SVG (labels escaped)."""
    if not items:
        return '<p class="empty">no data</p>'
    label_w, count_w, row_h = 200, 70, 24
    bar_area = width - label_w - count_w
    top = max(c for _, c in items) or 1
    height = row_h * len(items) + 8
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" role="img" width="{width}" height="{height}" '
             f'viewBox="0 0 {width} {height}"><title>{escape(title)}</title>']
    for i, (label, count) in enumerate(items):
        y = 4 + i * row_h
        w = max(1, round(bar_area * count / top)) if count else 0
        short = label if len(label) <= 28 else label[:27] + "…"
        parts.append(f'<text x="{label_w - 8}" y="{y + 16}" text-anchor="end" class="l">{escape(short)}</text>'
                     f'<rect x="{label_w}" y="{y + 3}" width="{w}" height="{row_h - 8}" class="b"/>'
                     f'<text x="{label_w + w + 6}" y="{y + 16}" class="c">{count}</text>')
    parts.append("</svg>")
    return "".join(parts)


def _table(section: str, items: list[tuple[str, int]], headers: tuple[str, str]) -> str:
    rows = "".join(f'<tr data-section="{section}"><td>{escape(k)}</td><td class="n">{v}</td></tr>'
                   for k, v in items)
    return (f'<table class="counts"><thead><tr><th>{escape(headers[0])}</th><th>{escape(headers[1])}</th>'
            f"</tr></thead><tbody>{rows}</tbody></table>")


def _section(section: str, title: str, counter: Counter, headers: tuple[str, str]) -> str:
    items = sorted(counter.items(), key=lambda kv: (-kv[1], kv[0]))
    return (f'<section id="{section}"><h2>{escape(title)}</h2>'
            f'<div class="chart">{bar_chart(title, items)}</div>{_table(section, items, headers)}</section>')


_CSS = """
body{font-family:system-ui,-apple-system,"PingFang SC","Microsoft YaHei",sans-serif;margin:2em;color:#1d2430}
h1{font-size:1.5em}h2{font-size:1.15em;margin-top:2em;border-bottom:1px solid #ccd}
table{border-collapse:collapse;margin:.5em 0}td,th{border:1px solid #ccd;padding:.2em .6em;text-align:left}
td.n{text-align:right;font-variant-numeric:tabular-nums}
svg .l{font-size:12px;fill:#333}svg .c{font-size:12px;fill:#333}svg .b{fill:#3b6ea8}
.ok{color:#0a7a2f;font-weight:bold}.bad{color:#b00020;font-weight:bold}.empty{color:#888}
dl.summary{display:grid;grid-template-columns:max-content max-content;gap:.2em 1em}dt{font-weight:bold}
"""


def render(data: ReportData) -> str:
    period = f"{data.from_ts or 'beginning'} — {data.to_ts or 'now'}"
    summary = [("records", data.records), ("requests", data.requests), ("allowed", data.allowed),
               ("denied", data.denied), ("errors", data.errors),
               ("administrator actions", sum(data.admin_by_action.values()))]
    summary_html = "".join(f'<dt>{escape(k)}</dt><dd data-summary="{escape(k)}">{v}</dd>' for k, v in summary)
    chain = data.chain
    if chain is None:
        chain_html = '<p class="bad">not verified</p>'
    elif chain.ok:
        chain_html = (f'<p class="ok" data-chain="intact">INTACT</p><p>{escape(chain.detail)}</p>'
                      f"<p>head seq {chain.head_seq}, hash <code>{escape(chain.head_hash or '-')}</code></p>")
    else:
        chain_html = (f'<p class="bad" data-chain="{escape(chain.kind or "")}">NOT INTACT: {escape(chain.kind or "")}'
                      f" at seq {chain.first_bad_seq}</p><p>{escape(chain.detail)}</p>")
    admin_rows = "".join(
        "<tr>" + "".join(f"<td>{escape(str(v))}</td>" for v in (
            seq, rec.get("ts"), rec.get("actor"), rec.get("role"), rec.get("action"), rec.get("target") or "",
            rec.get("outcome"))) + "</tr>"
        for seq, rec in data.admin_actions)
    admin_table = ("<table><thead><tr><th>seq</th><th>time (UTC)</th><th>actor</th><th>role</th><th>action</th>"
                   f"<th>target</th><th>outcome</th></tr></thead><tbody>{admin_rows}</tbody></table>"
                   if admin_rows else '<p class="empty">no administrator actions</p>')
    return "".join([
        "<!DOCTYPE html><html lang=\"zh-CN\"><head><meta charset=\"utf-8\">",
        "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">",
        f"<title>govshare audit report {escape(period)}</title><style>{_CSS}</style></head><body>",
        f"<h1>govshare 审计报告 · audit report</h1><p>Period (UTC): {escape(period)} · generated {utc_ms()}</p>",
        f'<section id="chain"><h2>Chain status</h2>{chain_html}</section>',
        f'<section id="summary"><h2>Summary</h2><dl class="summary">{summary_html}</dl></section>',
        _section("dept", "Calls per department", data.by_dept, ("department", "calls")),
        _section("resource", "Calls per resource", data.by_resource, ("resource", "calls")),
        _section("denials", "Denials by reason", data.denials_by_reason, ("reason", "denials")),
        _section("masking", "Masking by entity type", data.masking_by_entity, ("entity", "values masked")),
        _section("grants", "Grant usage", data.grant_usage, ("grant", "calls")),
        _section("admin", "Administrator actions", data.admin_by_action, ("action", "count")),
        f'<section id="admin-log"><h3>Administrator action log</h3>{admin_table}</section>',
        "</body></html>",
    ])


# ------------------------------------------------------------------------------- the period report (中文)
LOCAL = timezone(timedelta(hours=8), "UTC+08:00")  # China Standard Time: no daylight saving
TITLE = "govshare 数据共享审计报告"
SECTIONS_ZH = (  # (id, title, item column, count column, ReportData attribute)
    ("dept", "按部门统计调用次数", "部门", "调用次数", "by_dept"),
    ("resource", "按资源统计调用次数", "资源编码", "调用次数", "by_resource"),
    ("denials", "拒绝原因", "原因", "拒绝次数", "denials_by_reason"),
    ("masking", "按实体类型统计脱敏", "实体类型", "脱敏值数", "masking_by_entity"),
    ("grants", "授权使用情况", "授权编号", "调用次数", "grant_usage"),
    ("admin", "管理员操作", "操作", "次数", "admin_by_action"),
)
ROLES_ZH = {"system_admin": "系统管理员", "security_admin": "安全管理员", "audit_admin": "审计管理员"}


def local_time(ts: str | None, default: str = "—") -> str:
    """A record timestamp (UTC) as local time: `2026-11-25 18:00:00`."""
    if not ts:
        return default
    try:
        moment = datetime.fromisoformat(ts.replace("Z", "+00:00"))
    except ValueError:
        return ts
    return moment.astimezone(LOCAL).strftime("%Y-%m-%d %H:%M:%S")


def _period_zh(data: ReportData) -> str:
    return (f"{local_time(data.from_ts, '最早记录')} 至 {local_time(data.to_ts, '当前')}"
            "（北京时间 UTC+08:00，含起点不含终点）")


def _chain_zh(chain: VerifyResult | None) -> str:
    if chain is None:
        return "未校验"
    if chain.ok:
        return f"完整（共 {chain.records} 条记录，链头序号 {chain.head_seq}）"
    return f"不完整：{chain.kind}，首个异常序号 {chain.first_bad_seq}"


def _summary_zh(data: ReportData) -> list[tuple[str, str, int]]:
    return [("records", "记录总数", data.records), ("requests", "调用次数", data.requests),
            ("allowed", "允许", data.allowed), ("denied", "拒绝", data.denied), ("errors", "错误", data.errors),
            ("admin_actions", "管理员操作", sum(data.admin_by_action.values()))]


def _items(counter: Counter) -> list[tuple[str, int]]:
    return sorted(counter.items(), key=lambda kv: (-kv[1], kv[0]))


def _admin_rows_zh(data: ReportData) -> list[list[str]]:
    return [[str(seq), local_time(rec.get("ts")), str(rec.get("actor")),
             ROLES_ZH.get(str(rec.get("role")), str(rec.get("role"))), str(rec.get("action")),
             str(rec.get("target") or ""), str(rec.get("outcome"))] for seq, rec in data.admin_actions]


ADMIN_HEADERS_ZH = ["序号", "时间（北京时间）", "操作人", "角色", "操作", "对象", "结果"]


def render_text(data: ReportData, *, generated: datetime | None = None) -> str:
    """The period report as plain text in Chinese, times in UTC+08:00."""
    out = [TITLE, "=" * 24, f"统计区间：{_period_zh(data)}",
           f"生成时间：{(generated or datetime.now(LOCAL)).astimezone(LOCAL).strftime('%Y-%m-%d %H:%M:%S')}（北京时间）",
           f"审计链校验：{_chain_zh(data.chain)}", "", "概要"]
    out += [f"  {label}：{value}" for _, label, value in _summary_zh(data)]
    for _sid, title, col, count_col, attr in SECTIONS_ZH:
        items = _items(getattr(data, attr))
        out += ["", f"{title}（{col} / {count_col}）"]
        out += [f"  {k}  {v}" for k, v in items] or ["  无数据"]
    out += ["", "管理员操作日志"]
    rows = _admin_rows_zh(data)
    out += ["  " + "  ".join(r) for r in rows] or ["  无管理员操作"]
    return "\n".join(out) + "\n"


CSV_HEADER = ["section", "分类", "item", "value"]


def render_csv(data: ReportData) -> str:
    """Counts as CSV (UTF-8 with BOM, so spreadsheets read the Chinese): one row per counted item; the
    `summary` rows are the totals, each other section's values add up to one of them."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow(CSV_HEADER)
    w.writerow(["period", "统计区间（北京时间）", "from", local_time(data.from_ts, "")])
    w.writerow(["period", "统计区间（北京时间）", "to", local_time(data.to_ts, "")])
    w.writerow(["chain", "审计链校验", "status", _chain_zh(data.chain)])
    for key, label, value in _summary_zh(data):
        w.writerow(["summary", "概要", key, value])
    for sid, title, _col, _count, attr in SECTIONS_ZH:
        for k, v in _items(getattr(data, attr)):
            w.writerow([sid, title, k, v])
    return "\ufeff" + buf.getvalue()


def render_pdf(data: ReportData, *, generated: datetime | None = None) -> bytes:
    """The period report as PDF (A4, Chinese in reportlab's built-in STSong-Light)."""
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle
    from xml.sax.saxutils import escape as xml_escape

    font = "STSong-Light"
    if font not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(font))
    body = ParagraphStyle("body", fontName=font, fontSize=10, leading=15, wordWrap="CJK")
    h1 = ParagraphStyle("h1", parent=body, fontSize=18, leading=26, spaceAfter=8)
    h2 = ParagraphStyle("h2", parent=body, fontSize=13, leading=20, spaceBefore=10, spaceAfter=4)
    style = TableStyle([("FONTNAME", (0, 0), (-1, -1), font), ("FONTSIZE", (0, 0), (-1, -1), 9),
                        ("GRID", (0, 0), (-1, -1), 0.4, colors.grey),
                        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#dde6f0")),
                        ("ALIGN", (-1, 1), (-1, -1), "RIGHT")])

    def para(text: str, st=body):
        return Paragraph(xml_escape(text), st)

    def table(headers: list[str], rows: list[list]) -> Table:
        cells = [headers] + [[para(str(c)) if isinstance(c, str) else str(c) for c in r] for r in rows]
        t = Table(cells, repeatRows=1, hAlign="LEFT")
        t.setStyle(style)
        return t

    stamp = (generated or datetime.now(LOCAL)).astimezone(LOCAL).strftime("%Y-%m-%d %H:%M:%S")
    story = [para(TITLE, h1), para(f"统计区间：{_period_zh(data)}"), para(f"生成时间：{stamp}（北京时间）"),
             para(f"审计链校验：{_chain_zh(data.chain)}"), para("概要", h2),
             table(["项目", "数量"], [[label, value] for _, label, value in _summary_zh(data)])]
    for _sid, title, col, count_col, attr in SECTIONS_ZH:
        items = _items(getattr(data, attr))
        story += [para(title, h2), table([col, count_col], [[k, v] for k, v in items]) if items else para("无数据")]
    rows = _admin_rows_zh(data)
    story += [para("管理员操作日志", h2), table(ADMIN_HEADERS_ZH, rows) if rows else para("无管理员操作"),
              Spacer(1, 6)]
    buf = io.BytesIO()
    doc = SimpleDocTemplate(buf, pagesize=A4, title=TITLE, author="govshare", leftMargin=36, rightMargin=36,
                            topMargin=36, bottomMargin=36)
    doc.build(story)
    return buf.getvalue()
