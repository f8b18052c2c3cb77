"""Hypothesis fuzzing of the body pipeline: random bodies of every type with injected canaries.

Two properties per content type, for a caller with no labels (every value goes through detection):
- a well-formed body is masked, never refused, and no injected canary (valid resident ID, mobile, UnionPay
  card from the demo generators) is left in what comes out;
- a damaged body (truncated, bytes spliced in) is refused with MaskingRefused or masked without a canary:
  never an exception of another kind, never a leak (fail closed).

Deterministic (derandomize); GOVSHARE_FUZZ_EXAMPLES raises the number of examples for a deep run.
"""

from __future__ import annotations

import json
import os
import random
import re

from hypothesis import HealthCheck, given, settings, strategies as st

from gateway.demo.identifiers import random_bank_card, random_mobile, random_resident_id
from gateway.masking.refusal import MaskingRefused
from tests.support.masking import UNLABELLED, masker
from tests.support.pii_scan import find_identifiers

EXAMPLES = int(os.environ.get("GOVSHARE_FUZZ_EXAMPLES", "25"))
FUZZ = settings(max_examples=EXAMPLES, deadline=None, derandomize=True,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])

TEXT_ALPHABET = "的一是不了有这中大上个我以要他时来用们到作就分对会可发动也能下过说种面而多定学abcxyzABC，。；：、！？（）<>&\"'=/ \t"
KEYS = st.text(alphabet="abcdefghijklmnopqrstuvwxyz_", min_size=1, max_size=8)


@st.composite
def canary(draw) -> str:
    rng = random.Random(draw(st.integers(0, 2**32)))
    kind = draw(st.sampled_from(["id", "mobile", "card"]))
    if kind == "id":
        return random_resident_id(rng)
    if kind == "mobile":
        return random_mobile(rng)
    while True:
        _, number = random_bank_card(rng)
        if number.startswith("62") and len(number) in (16, 19):
            return number


filler = st.text(alphabet=TEXT_ALPHABET, max_size=12)


@st.composite
def values(draw, n_min=1, n_max=6) -> tuple[list[str], list[str]]:
    """(values, canaries): strings that are filler, a canary, or a canary inside filler (spaced)."""
    out, canaries = [], []
    for _ in range(draw(st.integers(n_min, n_max))):
        if draw(st.booleans()):
            c = draw(canary())
            canaries.append(c)
            out.append(draw(st.sampled_from(["{}", "号码 {} 。", "联系电话：{}", "{}，"])).format(c))
        else:
            out.append(draw(filler))
    return out, canaries


def _json_doc(draw, vals: list[str]):
    keys = [draw(KEYS) for _ in vals]
    return {"items": [dict(zip(keys, vals))], "list": vals[: draw(st.integers(0, len(vals)))]}


def _xml_escape(s: str) -> str:
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")


def _html_escape(s: str) -> str:
    return _xml_escape(s)


@st.composite
def body(draw, kind: str) -> tuple[bytes, str, list[str]]:
    vals, canaries = draw(values())
    if kind == "json":
        return json.dumps(_json_doc(draw, vals), ensure_ascii=draw(st.booleans())).encode(), "application/json", canaries
    if kind == "ndjson":
        lines = [json.dumps({draw(KEYS): v}, ensure_ascii=False) for v in vals]
        return "\n".join(lines).encode(), "application/x-ndjson", canaries
    if kind == "jsonp":
        doc = json.dumps(_json_doc(draw, vals), ensure_ascii=False)
        return f"{draw(st.sampled_from(['cb', '/**/jQuery_1.x', 'a$']))}({doc});".encode(), "text/javascript", canaries
    if kind == "csv":
        import csv
        import io
        buf = io.StringIO()
        writer = csv.writer(buf)
        if draw(st.booleans()):
            writer.writerow([f"col{chr(97 + i)}" for i in range(len(vals))])
        writer.writerow(vals)
        writer.writerow(list(reversed(vals)))
        return buf.getvalue().encode(), "text/csv", canaries
    if kind == "text":
        return " ".join(vals).encode(), "text/plain; charset=utf-8", canaries
    if kind == "html":
        parts = []
        for v in vals:
            tag = draw(st.sampled_from(["p", "td", "title", "a", "script", "textarea", "span"]))
            if tag == "a":
                parts.append(f'<a href="/x?v={_html_escape(v)}" title="{_html_escape(v)}">{_html_escape(v)}</a>')
            elif tag == "script":
                parts.append(f"<script>var v = {json.dumps(v, ensure_ascii=False).replace('</', '<\\/')};</script>")
            else:
                parts.append(f"<{tag}>{_html_escape(v)}</{tag}>")
        return f"<html><body>{''.join(parts)}</body></html>".encode(), "text/html", canaries
    if kind == "xml":
        parts = [f'<{k} a="{_xml_escape(v)}">{_xml_escape(v)}</{k}>' for k, v in zip([draw(KEYS) for _ in vals], vals)]
        return f'<?xml version="1.0"?><r>{"".join(parts)}</r>'.encode(), "application/xml", canaries
    if kind == "sse":
        events = []
        for v in vals:
            if draw(st.booleans()):
                events.append(f"data: {json.dumps({'v': v}, ensure_ascii=False)}\n\n")
            else:
                events.append(f"id: {v.splitlines()[0] if v.strip() else 'x'}\ndata: {v}\n\n")
        return "".join(events).encode(), "text/event-stream", canaries
    raise AssertionError(kind)


KINDS = ["json", "ndjson", "jsonp", "csv", "text", "html", "xml", "sse"]


def leaked(out: bytes, canaries: list[str]) -> list[str]:
    found = {leak.value.upper().replace(" ", "").replace("-", "") for leak in find_identifiers(out)}
    return [c for c in canaries if c.upper() in found]


@FUZZ
@given(st.sampled_from(KINDS).flatmap(lambda kind: body(kind)))
def test_well_formed_bodies_are_masked_and_never_leak(case):
    data, content_type, canaries = case
    out = masker().mask_body(data, content_type, None, UNLABELLED).body
    assert leaked(out, canaries) == [], (content_type, data[:300], out[:300])


@FUZZ
@given(st.sampled_from(KINDS).flatmap(lambda kind: body(kind)), st.integers(0, 10_000),
       st.binary(max_size=8), st.booleans())
def test_damaged_bodies_are_refused_or_masked_never_leaked(case, cut, splice, truncate):
    data, content_type, canaries = case
    pos = cut % (len(data) + 1)
    damaged = data[:pos] if truncate else data[:pos] + splice + data[pos:]
    try:
        out = masker().mask_body(damaged, content_type, None, UNLABELLED).body
    except MaskingRefused:
        return
    # A canary cut in half is no longer one; one with a letter or digit spliced against it is a glued
    # identifier, which is detection's business (issue 6), not the pipeline's: both are left out here.
    whole = [c for c in canaries if re.search(_bounded(c), out)]
    assert leaked(out, whole) == [], (content_type, damaged[:300], out[:300])


def _bounded(canary_value: str) -> bytes:
    return rb"(?<![0-9A-Za-z])" + canary_value.encode() + rb"(?![0-9A-Za-z])"


MARKUP_TOKENS = ["<p>", "</p>", "<a href=\"", "\">", "\"", "'", "<!--", "-->", "<![CDATA[", "]]>", "&#49;", "&amp;",
                 "&lt;", "<script>", "</script>", "<style>", "<", ">", "=", " ", "\n", "<br/>", "<?pi x?>",
                 "<!DOCTYPE html>", "<textarea>", "</textarea>", "<x:y a=\"1\">", "</x:y>", "<r>", "</r>", "文本"]


@st.composite
def markup_soup(draw) -> tuple[bytes, list[str]]:
    tokens, canaries = [], []
    for _ in range(draw(st.integers(1, 25))):
        if draw(st.integers(0, 4)) == 0:
            c = draw(canary())
            canaries.append(c)
            tokens.append(f" {c} ")
        else:
            tokens.append(draw(st.sampled_from(MARKUP_TOKENS)))
    return "".join(tokens).encode(), canaries


@FUZZ
@given(markup_soup(), st.sampled_from(["text/html", "application/xml", "application/xhtml+xml", "text/xml"]))
def test_markup_soup_is_refused_or_masked_never_leaked(soup, content_type):
    data, canaries = soup
    try:
        out = masker().mask_body(data, content_type, None, UNLABELLED).body
    except MaskingRefused:
        return
    whole = [c for c in canaries if re.search(_bounded(c), out)]
    assert leaked(out, whole) == [], (content_type, data[:300], out[:300])
