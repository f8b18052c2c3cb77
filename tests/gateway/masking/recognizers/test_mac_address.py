"""MAC_ADDRESS: colon/dash octets and the Cisco dotted form; numbers that only look like them stay."""

import pytest

from gateway.masking.recognizers.mac_address import MacAddressRecognizer

RECOGNIZER = MacAddressRecognizer()


def found(text: str) -> list[str]:
    return [text[r.start:r.end] for r in RECOGNIZER.analyze(text, ["MAC_ADDRESS"])]


@pytest.mark.parametrize("mac", ["00:1A:2B:3C:4D:5E", "00-1a-2b-3c-4d-5e", "0f8e.040b.a4c2", "1234.A8F5.AB86"])
def test_addresses(mac):
    assert found(mac) == [mac]
    assert found(f"终端{mac}于8时登录") == [mac]


@pytest.mark.parametrize("text", [
    "2024.0101.1234",  # dotted digits
    "0f8e.040b.a4c2.1234",  # four groups: not a MAC
    "x0f8e.040b.a4c2",  # glued to a word
    "ffff.ffff.ffff",  # broadcast
    "0f8e.040b.a4c",  # a short group
])
def test_non_addresses(text):
    assert found(text) == []
