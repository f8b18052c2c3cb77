"""A masker for tests of the worker pool's wire: it costs nothing to build and nothing to run, so a test can
move bodies of any size (and stall, and refuse) through real workers on any machine.

`mask_body` answers the body reversed with one finding counting its bytes; a body holding STALL
(tests.support.stalling) never finishes, and one starting with REFUSE is refused as invalid_json.
"""

from __future__ import annotations

import threading

from gateway.masking.refusal import MaskingRefused
from gateway.masking.types import Finding, MaskResult
from tests.support.stalling import STALL

REFUSE = b"__refuse__"


class EchoMasker:
    rules = None

    def mask_body(self, body, content_type, content_encoding, view):
        if STALL in body:
            threading.Event().wait()  # stuck for good: only the pool's deadline ends it
        if body.startswith(REFUSE):
            raise MaskingRefused("invalid_json")
        return MaskResult(body[::-1], [Finding("$", "ECHO", type(view).__name__, len(body))], content_type,
                          content_encoding)


def build_masker(config):
    return EchoMasker()
