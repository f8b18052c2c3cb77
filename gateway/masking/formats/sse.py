"""Server-sent events (text/event-stream): each event's `data:` lines, joined as the spec joins them, are
masked as one JSON document when they parse as JSON (written back on one `data:` line), else as free text
(written back line by line); `event:` and `id:` values are masked as free text; `retry:` is kept when it is
a number. Comments (`:` lines) and unknown fields are dropped. Events are written back in canonical form,
each ended by a blank line."""

from __future__ import annotations

import json
import re

from . import Sink

_LINE = re.compile(r"\r\n|\r|\n")


def _events(text: str) -> list[list[tuple[str, str]]]:
    events: list[list[tuple[str, str]]] = []
    current: list[tuple[str, str]] = []
    for line in _LINE.split(text):
        if not line:
            if current:
                events.append(current)
                current = []
            continue
        if line.startswith(":"):
            continue
        name, sep, value = line.partition(":")
        if sep and value.startswith(" "):
            value = value[1:]
        current.append((name, value))
    if current:
        events.append(current)
    return events


def mask(text: str, sink: Sink) -> str:
    plans = []
    holder: list = []
    for fields in _events(text):
        data = "\n".join(v for n, v in fields if n == "data")
        has_data = any(n == "data" for n, _ in fields)
        plan: dict = {"data": None, "json": None, "event": None, "id": None, "retry": None}
        for name, value in fields:
            if name in ("event", "id") and value:
                plan[name] = len(holder)
                holder.append(value)
                sink.add_value(holder, plan[name], None, value)
            elif name == "retry" and value.isdigit() and len(value) < 10:
                plan["retry"] = value
        if has_data:
            try:
                doc = json.loads(data) if data.strip() else None
            except (ValueError, RecursionError):
                doc = None
            if isinstance(doc, (dict, list)):
                plan["json"] = sink.collect(doc)
            else:
                plan["data"] = len(holder)
                holder.append(data)
                if data:
                    sink.add_value(holder, plan["data"], None, data)
        plans.append(plan)
    sink.run()
    out = []
    for plan in plans:
        lines = []
        for name in ("event", "id"):
            if plan[name] is not None:
                lines.append(f"{name}: {_one_line(holder[plan[name]])}")
        if plan["retry"] is not None:
            lines.append(f"retry: {plan['retry']}")
        if plan["json"] is not None:
            lines.append("data: " + json.dumps(plan["json"][0], ensure_ascii=False, separators=(",", ":")))
        elif plan["data"] is not None:
            value = holder[plan["data"]]
            lines += [f"data: {line}" for line in _LINE.split("" if value is None else str(value))]
        if lines:
            out.append("\n".join(lines) + "\n\n")
    return "".join(out)


def _one_line(value) -> str:
    return "" if value is None else _LINE.sub(" ", str(value))
