"""`[admin] listen`: the console's address beside the gateway, validated at load like every setting."""

from __future__ import annotations

import pytest

from gateway.config import ConfigError, load_config


def test_the_console_listens_on_8081_unless_configured(tmp_path):
    assert load_config(None, tmp_path).admin.listen == "127.0.0.1:8081"
    cfg = tmp_path / "govshare.toml"
    cfg.write_text('[admin]\nlisten = "127.0.0.1:9091"\n')
    assert load_config(cfg, tmp_path).admin.listen == "127.0.0.1:9091"


@pytest.mark.parametrize("value", ["127.0.0.1", "127.0.0.1:http", "127.0.0.1:70000"])
def test_a_listen_that_is_not_host_port_names_the_setting(tmp_path, value):
    cfg = tmp_path / "govshare.toml"
    cfg.write_text(f'[admin]\nlisten = "{value}"\n')
    with pytest.raises(ConfigError, match=r"\[admin\] listen"):
        load_config(cfg, tmp_path)
