"""govshare.example.toml names every setting, and uncommented as shipped it is a valid configuration."""

from __future__ import annotations

import re
from dataclasses import fields
from pathlib import Path

from gateway.config import Config, load_config

ROOT = Path(__file__).resolve().parents[3]
EXAMPLE = ROOT / "govshare.example.toml"


def test_the_example_file_loads_as_shipped_with_the_defaults():
    config = load_config(EXAMPLE)
    assert config.gateway.listen_host == "127.0.0.1"
    assert config.catalog == Config().catalog


def test_every_setting_is_in_the_example_file():
    text = EXAMPLE.read_text(encoding="utf-8")
    named = set(re.findall(r"^# ([a-z_]+) = ", text, flags=re.M))
    expected = set()
    for f in fields(Config):
        if f.name == "source":
            continue
        section = getattr(Config(), f.name)
        if hasattr(section, "__dataclass_fields__"):
            expected |= {g.name for g in fields(section)}
        else:
            expected.add(f.name)
    assert expected - named == set()


def test_the_example_file_uncommented_is_valid(tmp_path):
    text = EXAMPLE.read_text(encoding="utf-8")
    chosen = re.sub(r"^# ((?:listen_port|upstream_timeout|max_depth|retention_days|leeway) = .*)$", r"\1", text,
                    flags=re.M)
    path = tmp_path / "govshare.toml"
    path.write_text(chosen, encoding="utf-8")
    config = load_config(path)
    assert config.gateway.listen_port == 8080 and config.audit.retention_days == 180
