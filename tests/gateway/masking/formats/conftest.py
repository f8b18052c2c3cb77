"""Shared values for the format tests: seeded canaries, views, and a helper that masks one body."""

from __future__ import annotations

import pytest

from gateway.masking.engine import MaskingView
from tests.support.masking import POPULATION, UNLABELLED, masker

ID = "11010519491231002X"
ID2 = "440103199003074513"
MOBILE = "13912345678"
CARD = "6222021234567890128"  # Luhn-valid UnionPay number
LABELLED = MaskingView(resource=POPULATION)


@pytest.fixture(scope="session")
def mask():
    m = masker()

    def run(body: str | bytes, content_type: str, view=UNLABELLED) -> str:
        data = body.encode() if isinstance(body, str) else body
        return m.mask_body(data, content_type, None, view).body.decode("utf-8")

    return run
