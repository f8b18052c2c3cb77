"""A masker for worker-pool tests: the gateway's own, except that a body holding STALL never finishes.

`Services.masking_factory = "tests.support.stalling:build_masker"` makes the pool's workers build it, so a
test can hold a worker for exactly as long as the masking deadline allows, on any machine.
"""

from __future__ import annotations

import threading

STALL = b"__stall__"


class StallingMasker:
    def __init__(self, masker):
        self._masker = masker

    def __getattr__(self, name):
        return getattr(self._masker, name)

    def __setattr__(self, name, value):
        if name == "_masker":
            object.__setattr__(self, name, value)
        else:
            setattr(self._masker, name, value)

    def mask_body(self, body, *args, **kwargs):
        if STALL in body:
            threading.Event().wait()  # stuck for good: only the pool's deadline ends it
        return self._masker.mask_body(body, *args, **kwargs)


def build_masker(config):
    from gateway.masking.engine import build_masker as real

    return StallingMasker(real(config))
