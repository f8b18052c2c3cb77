"""mitmproxy's log lines that quote raw bytes reach no handler with those bytes (handlers added later too)."""

from __future__ import annotations

import logging

import pytest

from gateway.audit import logfilter

ID = "11010519491231002X"


class Capture(logging.Handler):
    def __init__(self):
        super().__init__()
        self.lines: list[str] = []

    def emit(self, record):
        self.lines.append(self.format(record))


@pytest.fixture
def captured():
    undo = logfilter.install()
    handler = Capture()  # added after install, as mitmproxy adds its own handlers after the runner starts
    root = logging.getLogger()
    root.addHandler(handler)
    old_level = root.level
    root.setLevel(logging.DEBUG)
    yield handler.lines
    root.removeHandler(handler)
    root.setLevel(old_level)
    undo()


def test_unexpected_data_from_server_is_logged_without_the_bytes(captured):
    raw = f'{{"sfzh":"{ID}","sjhm":"13812345678"}}'.encode()
    logging.getLogger("mitmproxy.proxy.server").warning(f"Unexpected data from server: {raw!r}")
    [line] = captured
    assert line == f"Unexpected data from server: b'<{len(raw)} bytes>'"


@pytest.mark.parametrize("message", [
    "HTTP/1 protocol error: Bad HTTP request line: b'GET /api?sfzh=11010519491231002X HTTP/1.1'",
    "Invalid header line: b\"X-Id: 11010519491231002X\"",
    "Client closed connection before completing request headers: b'GET /a?token=eyJhbGciOi.eyJzdWIiOi'",
    "<DataReceived stream_id:1, flow_controlled_length:9, data:b'\\xe5\\xbc\\xa0 13812345678'>",
])
def test_bytes_digits_and_tokens_never_reach_a_handler(captured, message):
    logging.getLogger("mitmproxy.proxy.layers.http").info("%s", message)
    [line] = captured
    assert ID not in line and "13812345678" not in line and "eyJ" not in line and "bytes>" in line


def test_proxy_lines_lose_long_numbers_and_tracebacks_but_keep_their_sense(captured):
    try:
        raise ValueError(f"Bad HTTP request line: {ID}")
    except ValueError:
        logging.getLogger("mitmproxy.proxy.server").exception("client 127.0.0.1:5000 sent 13812345678 bad")
    [line] = captured
    # the traceback is gone; the exception's class and redacted message stay, so a refusal still says why
    assert line == "client 127.0.0.1:5000 sent <digits> bad\nValueError: Bad HTTP request line: <digits>X"
    assert ID[:17] not in line and "Traceback" not in line


def test_our_own_lines_keep_their_numbers_and_install_is_undone(captured):
    logging.getLogger("govshare").info("audit batch of %d record(s) at seq %d", 3, 12345678)
    assert captured == ["audit batch of 3 record(s) at seq 12345678"]
    assert logfilter.install() is logfilter.install()  # idempotent


def test_our_lines_lose_proven_identifiers_a_caller_put_in_a_request_id(captured):
    logging.getLogger("govshare").error("govshare audit record not written (X) request_id=%s", "r-13812345678")
    logging.getLogger("govshare").error("ids %s %s", "110105 19491231 002X", "12345678901")
    assert captured == ["govshare audit record not written (X) request_id=r-<identifier>",
                        "ids <identifier> 12345678901"]
