"""addons.typecheck: mitmproxy's message type check, compiled once per class, accepts and refuses as before."""

from __future__ import annotations

import pytest
from mitmproxy import http

from addons import typecheck

GOOD = dict(http_version=b"HTTP/1.1", headers=http.Headers(), content=b"", trailers=None, timestamp_start=1.0,
            timestamp_end=None, host="h", port=80, method=b"GET", scheme=b"http", authority=b"", path=b"/")
CASES = [{}, {"port": "80"}, {"content": "x"}, {"timestamp_end": "1"}, {"trailers": {}}, {"port": True},
         {"timestamp_start": 3}, {"headers": [(b"a", b"b")]}, {"http_version": None}, {"host": b"h"}]


def _verdict(**changes) -> str:
    try:
        http.RequestData(**{**GOOD, **changes})
    except TypeError as exc:
        return str(exc)
    return "accepted"


@pytest.fixture
def original():
    """mitmproxy's own check in place for the test (and whatever was installed put back after it)."""
    installed = http.MessageData.__post_init__
    assert typecheck.original is not None and typecheck.original is not typecheck._post_init
    http.MessageData.__post_init__ = typecheck.original
    yield
    http.MessageData.__post_init__ = installed


def test_the_compiled_check_gives_mitmproxys_verdict_for_every_case(original):
    before = [_verdict(**c) for c in CASES]
    typecheck.install()
    typecheck.install()  # idempotent
    assert http.MessageData.__post_init__ is typecheck._post_init
    after = [_verdict(**c) for c in CASES]
    assert after == before
    assert before[0] == "accepted" and before[1] == "Expected <class 'int'> for port, but got <class 'str'>."
    with pytest.raises(TypeError, match="status_code"):
        http.ResponseData(http_version=b"HTTP/1.1", headers=http.Headers(), content=b"", trailers=None,
                          timestamp_start=1.0, timestamp_end=None, status_code="200", reason=b"OK")


def test_annotations_are_compiled_to_the_classes_check_option_type_accepts():
    assert typecheck.accepted(bytes | None) == (bytes, type(None))
    assert typecheck.accepted(float) == (float, int)
    assert typecheck.accepted(list[str]) is None  # anything else: mitmproxy's check decides
