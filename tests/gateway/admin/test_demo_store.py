"""The demo keeps the repository's policies/ untouched: officers' versions land in the demo's copies beside
the database, and the next demo run starts from the store's newest versions, on its own ports."""

from __future__ import annotations

import shutil

from gateway.admin.demo import demo_store
from gateway.admin.versions import VersionStore
from gateway.config import POLICIES_DIR, load_config
from gateway.store import make_engine


def test_versions_never_write_into_the_shipped_files_and_the_next_run_starts_from_the_store(tmp_path):
    repo = tmp_path / "policies"
    repo.mkdir()
    for name in ("catalog.yaml", "policy.csv", "masking.yaml", "model.conf"):
        shutil.copy(POLICIES_DIR / name, repo / name)
    shipped = {p.name: p.read_bytes() for p in repo.iterdir()}
    (tmp_path / "govshare.toml").write_text(
        f'data_dir = "{tmp_path / "var"}"\ncatalog = "{repo / "catalog.yaml"}"\npolicy = "{repo / "policy.csv"}"\n'
        f'masking_rules = "{repo / "masking.yaml"}"\nmodel = "{repo / "model.conf"}"\n', encoding="utf-8")
    config = load_config(tmp_path / "govshare.toml")
    config.data_dir.mkdir(parents=True)

    first, files = demo_store(config, {"GA": "http://127.0.0.1:1111"}, 1)
    assert all(p.parent == config.data_dir for p in files) and {first.policy, first.masking_rules} <= set(files)
    assert "http://127.0.0.1:1111" in first.catalog.read_text(encoding="utf-8")
    engine = make_engine(config.db_url)
    try:
        store = VersionStore(engine, first)
        policy = store.commit("policy", first.policy.read_text(encoding="utf-8") + "\n", "sec", "a policy edit")
        masking = store.commit("masking", first.masking_rules.read_text(encoding="utf-8") + "\n# v2\n", "sec",
                               "a masking edit")
        catalog = store.commit("catalog", first.catalog.read_text(encoding="utf-8").replace(
            "企业登记基本信息", "企业登记信息"), "sec", "rename")
        assert {p.name: p.read_bytes() for p in repo.iterdir()} == shipped  # the repository is untouched
        assert first.masking_rules.read_text(encoding="utf-8").endswith("# v2\n")

        second, _ = demo_store(config, {"GA": "http://127.0.0.1:2222"}, 2)
        run2 = VersionStore(engine, second)
        assert second.policy.read_text(encoding="utf-8") == policy.content
        assert second.masking_rules.read_text(encoding="utf-8") == masking.content
        text = second.catalog.read_text(encoding="utf-8")
        assert "企业登记信息" in text and "http://127.0.0.1:2222" in text and "1111" not in text
        head = run2.head("catalog")
        assert (head.version, head.author) == (catalog.version + 1, "govshare-demo")
        assert [run2.verify(k) for k in ("catalog", "policy", "masking")] == [[], [], []]
        assert {p.name: p.read_bytes() for p in repo.iterdir()} == shipped
    finally:
        engine.dispose()
