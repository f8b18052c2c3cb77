"""Hash and signature primitives: SM3 (fast path == gmssl), SM2/Ed25519 keys, signatures, checkpoints."""

from __future__ import annotations

import shutil
import subprocess

from hypothesis import given, settings
from hypothesis import strategies as st

from gateway.audit.checkpoint import make_checkpoint
from gateway.audit.hashing import GENESIS, chain_hash, sm3_digest, sm3_reference
from gateway.audit.signing import create_exclusive, key_paths, load_or_create_signer, load_verifier


def test_sm3_known_answer():
    # GB/T 32905-2016 appendix A example 1
    assert sm3_digest(b"abc").hex() == "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0"


@settings(max_examples=60, deadline=None)
@given(st.binary(max_size=300))
def test_sm3_fast_path_equals_gmssl(data):
    assert sm3_digest(data) == sm3_reference(data)


def test_link_rule_is_hash_of_previous_digest_then_record():
    import hashlib

    h = chain_hash("sha256").link(GENESIS, b'{"a":1}')
    assert h == hashlib.sha256(bytes(32) + b'{"a":1}').hexdigest()
    assert chain_hash("sm3").link(h, b"x") == sm3_reference(bytes.fromhex(h) + b"x").hex()


def test_sm2_and_ed25519_sign_and_verify_with_the_public_key_only(tmp_path):
    for algorithm in ("ed25519", "sm2"):
        signer = load_or_create_signer(tmp_path, algorithm)
        verifier = load_verifier(tmp_path, algorithm)
        assert signer.key_id == verifier.key_id and signer.key_id.startswith(algorithm + ":")
        cp = make_checkpoint(signer, 42, "ab" * 32, "sm3")
        assert cp.signed_by(verifier)
        forged = make_checkpoint(signer, 43, "ab" * 32, "sm3")
        assert not verifier.verify(cp.payload(), forged.signature)
        assert not verifier.verify(cp.payload(), "00" * 64)
        assert not verifier.verify(cp.payload(), "zz")
        private, public = key_paths(tmp_path, algorithm)
        assert private.stat().st_mode & 0o777 == 0o600
        assert public.read_text().startswith("-----BEGIN PUBLIC KEY-----")


def test_sm2_key_files_are_standard_pkcs8_and_spki(tmp_path):
    """OpenSSL reads the SM2 key files and its SM2 signature verifies with our verifier (when installed)."""
    load_or_create_signer(tmp_path, "sm2")
    private, public = key_paths(tmp_path, "sm2")
    openssl = shutil.which("openssl")
    if openssl is None:  # the parse-back below still checks the encoding
        assert load_verifier(tmp_path, "sm2").key_id == load_or_create_signer(tmp_path, "sm2").key_id
        return
    message = tmp_path / "msg"
    message.write_bytes(b"checkpoint")
    sig = tmp_path / "sig.der"
    done = subprocess.run([openssl, "pkeyutl", "-sign", "-inkey", str(private), "-rawin", "-digest", "sm3",
                           "-in", str(message), "-out", str(sig), "-pkeyopt", "distid:1234567812345678"],
                          capture_output=True)
    assert done.returncode == 0, done.stderr
    from Cryptodome.Util.asn1 import DerSequence

    r, s = DerSequence().decode(sig.read_bytes())
    assert load_verifier(tmp_path, "sm2").verify(b"checkpoint", f"{r:064x}{s:064x}")


def test_key_creation_never_overwrites_an_existing_key(tmp_path):
    target = tmp_path / "k.pem"
    assert create_exclusive(target, b"first", 0o600)
    assert not create_exclusive(target, b"second", 0o600)
    assert target.read_bytes() == b"first"
    assert [p.name for p in tmp_path.iterdir()] == ["k.pem"]  # no temporary files left behind
