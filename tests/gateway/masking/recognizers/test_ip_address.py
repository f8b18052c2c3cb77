"""IP_ADDRESS: IPv4 and IPv6, validated with ipaddress; dotted runs and dates are not addresses."""

import pytest

from gateway.masking.recognizers.ip_address import IpRecognizer

RECOGNIZER = IpRecognizer()


def found(text: str) -> list[str]:
    return [text[r.start : r.end] for r in RECOGNIZER.analyze(text, ["IP_ADDRESS"])]


@pytest.mark.parametrize(
    "address",
    ["192.168.1.10", "10.0.0.1", "255.255.255.255", "10.0.0.0/8", "2001:db8::1", "fe80::1", "::1",
     "2001:0db8:85a3:0000:0000:8a2e:0370:7334", "2001:db8::/32"],
)
def test_addresses(address):
    assert found(address) == [address]


def test_address_against_chinese_text():
    assert found("地址192.168.1.10访问") == ["192.168.1.10"]
    assert found("来源fe80::1访问") == ["fe80::1"]


@pytest.mark.parametrize(
    "text", ["256.1.1.1", "1.2.3.4.5", "1.2.3", "2024-01-15", "20240115", "12:30:00", "v1.2.3", "1:2:3"]
)
def test_non_addresses(text):
    assert found(text) == []


@pytest.mark.parametrize("text", ["IP:2001:db8::1", "ip:fe80::1ff:fe23:4567:890a", "地址:2001:db8::8a2e:370:7334"])
def test_ipv6_after_a_label_colon(text):
    assert found(text) == [text.split(":", 1)[1]]


@pytest.mark.parametrize("text", ["2000-01-01::", "2000/01/01::", "v1.01::", "1:2:3:4:5:6:7:8:9"])
def test_colons_after_dates_and_runs_are_no_address(text):
    assert found(text) == []
