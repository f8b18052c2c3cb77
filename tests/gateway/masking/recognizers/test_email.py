"""EMAIL_ADDRESS: structure check and ASCII boundaries next to Chinese text."""

import pytest

from gateway.masking.recognizers.email import EmailRecognizer

RECOGNIZER = EmailRecognizer()


def found(text: str) -> list[tuple[str, float]]:
    return [(text[r.start : r.end], r.score) for r in RECOGNIZER.analyze(text, ["EMAIL_ADDRESS"])]


@pytest.mark.parametrize(
    "address", ["zhang.san@example.com", "li_si+tag@mail.gov.cn", "a@b.co", "User.Name@Example.ORG"]
)
def test_addresses(address):
    assert found(address) == [(address, 1.0)]


def test_address_written_against_chinese_text():
    text = "邮箱zhangsan@example.com联系"
    assert found(text) == [("zhangsan@example.com", 1.0)]


@pytest.mark.parametrize("text", ["zhangsan@", "@example.com", "a..b@example.com", "a@example", "a@-x.com"])
def test_non_addresses(text):
    assert found(text) == []
