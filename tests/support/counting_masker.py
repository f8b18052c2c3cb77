"""A masker for pool tests that notes every build in `<data_dir>/masker-builds` (one line, the building pid),
so a test can count how many times the pool's processes built a masker."""

from __future__ import annotations

import os
from pathlib import Path


def build_masker(config):
    from gateway.masking.engine import build_masker as real

    masker = real(config)
    with open(Path(config.data_dir) / "masker-builds", "a") as f:
        f.write(f"{os.getpid()}\n")
    return masker
