"""Tests for gateway.target: the canonical request target, the attack spellings of issue 12, and properties.

The properties model how three common provider stacks read a path (Tomcat: `;params` stripped, then
percent-decoded, dot segments resolved; IIS: `\\` as `/`, `%uXXXX`, best-fit full-width forms, trailing dots
and spaces dropped; PHP: `+` as a space) and check that whatever the gateway accepts, every one of them
reads exactly the canonical path the gateway judged.
"""

from __future__ import annotations

import re
import unicodedata
from urllib.parse import unquote, unquote_plus

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from gateway.errors import BadRequest
from gateway.target import AmbiguousTarget, CanonicalTarget, canonical_target

ISSUE_12_REFUSED = [
    "/ga/population/..;/fugitives",
    "/ga/population/.;/..;/fugitives",
    "/ga/population/..;jsessionid=1/fugitives",
    "http://evil/ga/population/..;/fugitives",
    "/ga/population/archive;x=1",
    "/ga/population/archive#x",
    "/ga/population;jsessionid=ABC",
    "/ga/population/%2e%2e/fugitives",
    "/ga/population/%2E%2E%2Ffugitives",
    "/ga/population/..%2ffugitives",
    "/ga/population/..%5cfugitives",
    "/ga/population/..\\fugitives",
    "/ga/population/%c0%ae%c0%ae/fugitives",  # overlong '.'
    "/ga/population/%c0%af",  # overlong '/'
    "/ga/population/%ef%bc%8f..",  # full-width solidus
    "/ga/population/%uff0e%uff0e/fugitives",  # IIS %u encoding
    "/ga/population/%252e%252e/fugitives",  # double encoding
    "/ga/population/x%00.json",
    "/ga/population/../fugitives",
    "/ga/population/sensitive.",  # Windows drops the trailing dot
    "/ga/population/sensitive%20",
    "/ga/population/SENSIT~1",  # IIS 8.3 short name
    "/ga/population/sensitive::$DATA",
    "/ga/population/a+b",
    "/ga/population/\u5f20",  # raw non-ASCII
    "/ga/population/%e5%bc%a0",  # encoded non-ASCII in the path
    "/ga/population/x%zz",
    "/ga/population/x%",
    "/ga/population/x\x01",
    "/ga/population/x y",
    "/ga/population?x=%00",
    "/ga/population?x=%c0%ae",
    "/ga/population?x=\u5f20",
    "/ga/population?x=a b",
    "*",
    "example.org:443",
    "ftp://evil/ga/population",
    "",
]


@pytest.mark.parametrize("raw", ISSUE_12_REFUSED)
def test_ambiguous_targets_are_refused_with_400(raw):
    with pytest.raises(AmbiguousTarget) as caught:
        canonical_target(raw)
    assert caught.value.status == 400 and caught.value.reason == "ambiguous_path"
    assert isinstance(caught.value, BadRequest)


@pytest.mark.parametrize(("raw", "path", "query"), [
    ("/ga/population/110101", "/ga/population/110101", ""),
    ("/ga/population/%73ensitive", "/ga/population/sensitive", ""),
    ("/ga/population/%61rchive", "/ga/population/archive", ""),
    ("/ga//population/./x/", "/ga/population/x/", ""),
    ("http://evil.example/ga/population?page=2", "/ga/population", "page=2"),
    ("HTTPS://evil.example", "/", ""),
    ("/ga/population?xm=%e5%bc%a0%e4%b8%89&q=%41%2f", "/ga/population", "xm=%E5%BC%A0%E4%B8%89&q=A%2F"),
    ("/ga/population?", "/ga/population", ""),
    ("/a/b.json", "/a/b.json", ""),
])
def test_canonical_spelling(raw, path, query):
    assert canonical_target(raw) == CanonicalTarget(path, query)
    assert canonical_target(raw.encode()) == CanonicalTarget(path, query)


def test_target_joins_path_and_query():
    assert canonical_target("/a?b=1").target == "/a?b=1" and canonical_target("/a").target == "/a"


def test_raw_non_ascii_bytes_are_refused():
    with pytest.raises(AmbiguousTarget):
        canonical_target("/ga/\u5f20".encode())


# -- properties -------------------------------------------------------------------------------------

def _resolve(path: str) -> str:
    out: list[str] = []
    for seg in path.split("/")[1:]:
        if seg in ("", "."):
            continue
        if seg == "..":
            if out:
                out.pop()
            continue
        out.append(seg)
    return "/" + "/".join(out) + ("/" if path.endswith("/") and out else "")


def tomcat(path: str) -> str:
    return _resolve(unquote("/".join(seg.split(";", 1)[0] for seg in path.split("/"))))


def iis(path: str) -> str:
    path = re.sub(r"%u([0-9a-fA-F]{4})", lambda m: chr(int(m.group(1), 16)), path.replace("\\", "/"))
    path = unicodedata.normalize("NFKC", unquote(path)).replace("\\", "/")
    return _resolve("/".join(seg.rstrip(". ") if seg not in (".", "..") else seg for seg in path.split("/")))


def php(path: str) -> str:
    return _resolve(unquote_plus(path))


TOKENS = ["/", "/", ".", "..", ";", "a", "b", "Z", "%2e", "%2E", "%2f", "%5c", "\\", "%00", "%41", "%73", "%7e",
          "%c0%ae", "%ef%bc%8f", "%u002f", "%25", "+", "~", ":", " ", "#", "?", "=", "&", "%e5%bc%a0", "%", "-",
          "_", "http://h", "%20", "x.", "jsessionid=1"]
targets = st.lists(st.sampled_from(TOKENS), max_size=14).map(lambda parts: "/" + "".join(parts))


def _accepted(raw: str) -> CanonicalTarget | None:
    try:
        return canonical_target(raw)
    except AmbiguousTarget:
        return None


@settings(max_examples=400, deadline=None)
@given(targets)
@example("/ga/population/..;/fugitives")
@example("/a/%2e%2e/b")
def test_every_stack_reads_what_the_gateway_accepted(raw):
    got = _accepted(raw)
    if got is None:
        return
    raw_path = raw.partition("?")[0]
    assert tomcat(raw_path) == iis(raw_path) == php(raw_path) == got.path


@settings(max_examples=400, deadline=None)
@given(targets)
def test_canonical_form_is_idempotent_and_clean(raw):
    got = _accepted(raw)
    if got is None:
        return
    assert canonical_target(got.target) == got
    for bad in ("..", ";", "//", "\\", "%", "#", " "):
        assert bad not in got.path
    assert "%2f" not in got.target.lower().partition("?")[0]
    assert tomcat(got.path) == iis(got.path) == php(got.path) == got.path


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=40))
def test_arbitrary_text_is_refused_or_canonical(raw):
    got = _accepted(raw)
    if got is not None:
        assert got.path.startswith("/") and got.path.isascii()
        assert canonical_target(got.target) == got


def test_remembered_targets_answer_as_the_uncached_function_and_refusals_are_raised_every_time():
    from gateway.target import canonical_target_uncached

    for raw in ("/scjg/%41b/./c?x=%7e&y=1", b"/a//b/", "http://h/x?q", "/" + "a" * 600):
        assert canonical_target(raw) == canonical_target(raw) == canonical_target_uncached(raw)
    for _ in range(2):
        with pytest.raises(AmbiguousTarget):
            canonical_target("/a/..;/b")
