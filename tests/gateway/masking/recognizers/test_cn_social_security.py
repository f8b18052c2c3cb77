"""CN_SOCIAL_SECURITY: a letter + 8 digits counts only next to a social-security / medical-insurance word."""

import pytest

from gateway.masking.recognizers.cn_social_security import CnSocialSecurityRecognizer

from tests.support.masking import detector  # noqa: E402

RECOGNIZER = CnSocialSecurityRecognizer()


def test_the_shape_alone_is_weak():
    results = RECOGNIZER.analyze("K62811624", ["CN_SOCIAL_SECURITY"])
    assert [(r.start, r.end, r.score) for r in results] == [(0, 9, 0.3)]


@pytest.mark.parametrize("text", ["K00000000", "k62811624", "K6281162", "K628116245", "EK62811624", "K62811624X"])
def test_other_shapes_are_not_card_numbers(text):
    assert RECOGNIZER.analyze(text, ["CN_SOCIAL_SECURITY"]) == []


@pytest.mark.parametrize("text", ["社会保障卡号K62811624", "该户社保卡号L11861333已激活", "医保卡L11861333补办中",
                                  "参保人社保卡（A67711416）"])
def test_context_makes_it_a_card_number(text):
    spans = detector().detect_many([("bz", text)])[0]
    assert [s.entity for s in spans] == ["CN_SOCIAL_SECURITY"]
    assert len(text[spans[0].start:spans[0].end]) == 9


@pytest.mark.parametrize("text", ["订单号K62811624已发货", "K62811624", "批次A67711416入库"])
def test_without_context_codes_stay(text):
    assert detector().detect_many([("bz", text)])[0] == []
