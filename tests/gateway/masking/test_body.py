"""Body handling: every fail-closed path with its reason, content encodings, charsets, text and CSV."""

from __future__ import annotations

import gzip
import json
import zlib

import brotli
import pytest

from gateway.config import MaskingSettings
from gateway.masking import body as bodyio
from gateway.masking.engine import MaskingRefused, MaskingView

from tests.support.masking import POPULATION, PUBLIC_RES, UNLABELLED, masker  # noqa: E402

DOC = {"data": [{"sfzh": "110101199003074514", "sjhm": "13812345678", "n": 1}]}
RAW = json.dumps(DOC).encode()
MASKED = {"data": [{"sfzh": "110101********4514", "sjhm": "138****5678", "n": 1}]}
PERSONAL_VIEW = MaskingView(resource=POPULATION)
PUBLIC_VIEW = MaskingView(resource=PUBLIC_RES)


def refused(body, content_type="application/json", encoding=None, view=UNLABELLED, settings=None) -> str:
    with pytest.raises(MaskingRefused) as e:
        masker(settings=settings).mask_body(body, content_type, encoding, view)
    assert b"110101199003074514" not in str(e.value).encode()
    return e.value.reason


# --- fail closed --------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def zeros_gzip() -> bytes:
    return gzip.compress(b'{"a":"' + b"0" * (40 * 1024 * 1024) + b'"}', compresslevel=9)


def test_gzip_bomb_is_refused_by_ratio(zeros_gzip):
    assert len(zeros_gzip) < 100_000
    assert refused(zeros_gzip, encoding="gzip") == "compression_ratio"


def test_gzip_bomb_is_refused_by_size(zeros_gzip):
    small = MaskingSettings(max_body_bytes=512 * 1024, max_compression_ratio=100_000)
    assert refused(zeros_gzip, encoding="gzip", settings=small) == "decompressed_too_large"


def test_brotli_bomb_is_refused():
    bomb = brotli.compress(b"[" + b"1," * (8 * 1024 * 1024) + b"1]")
    assert refused(bomb, encoding="br") == "compression_ratio"


def test_identity_body_over_the_cap_is_refused():
    assert refused(RAW, settings=MaskingSettings(max_body_bytes=10)) == "decompressed_too_large"


@pytest.mark.parametrize("encoding, reason", [
    ("gzip, gzip", "chained_encoding"),
    ("gzip, br", "chained_encoding"),
    ("compress", "unsupported_encoding"),
    ("x-custom", "unsupported_encoding"),
    ("gzip, x-custom", "unsupported_encoding"),
])
def test_encoding_headers_refused(encoding, reason):
    assert refused(gzip.compress(RAW), encoding=encoding) == reason


@pytest.mark.parametrize("body, encoding", [
    (b"not gzip at all", "gzip"),
    (gzip.compress(RAW)[:-12], "gzip"),  # truncated
    (gzip.compress(RAW) + b"trailing junk", "gzip"),
    (b"\x00\x01garbage", "deflate"),
    (zlib.compress(RAW) + b"junk", "deflate"),
    (brotli.compress(RAW) + b"junk", "br"),
    (brotli.compress(RAW)[:-3], "br"),
    (b"garbage", "br"),
])
def test_corrupt_streams_refused(body, encoding):
    assert refused(body, encoding=encoding) == "corrupt_encoding"


def test_invalid_utf8():
    assert refused(b'{"a":"\xff\xfe"}') == "invalid_utf8"
    assert refused(gzip.compress(b'{"a":"\xc3\x28"}'), encoding="gzip") == "invalid_utf8"


@pytest.mark.parametrize("body", [b'{"a":', b"{'a': 1}", b'{"a":1} trailing', b"[1,]", b"1" * 5000])
def test_invalid_json(body):
    assert refused(body) == "invalid_json"


def test_depth_1000():
    assert refused(b"[" * 1000 + b"]" * 1000) == "too_deep"
    assert refused(b'{"a":' * 1000 + b"1" + b"}" * 1000) == "too_deep"
    assert refused(b"[" * 100_000 + b"]" * 100_000) == "too_deep"


def test_unsupported_content_type_for_a_non_public_resource():
    png = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
    assert refused(png, "image/png", view=PERSONAL_VIEW) == "unsupported_content_type"
    assert refused(png, "image/png", view=UNLABELLED) == "unsupported_content_type"
    assert refused(b"%PDF-1.4 110101199003074514", "application/pdf", view=PERSONAL_VIEW) == "unsupported_content_type"


def test_a_resource_without_protected_fields_is_not_public_for_types_it_did_not_declare():
    png = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
    assert refused(png, "image/png", view=PUBLIC_VIEW) == "unsupported_content_type"


def test_declared_public_content_types_pass_unchanged():
    import dataclasses

    png = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
    view = MaskingView(resource=dataclasses.replace(PUBLIC_RES, public_content_types=frozenset({"image/png"})))
    result = masker().mask_body(png, "image/png", "x-whatever", view)
    assert (result.body, result.findings, result.content_encoding) == (png, [], "x-whatever")
    assert refused(png, "image/gif", view=view) == "unsupported_content_type"


def test_json_of_a_public_resource_is_still_scanned():
    result = masker().mask_body(RAW, "application/json", None, PUBLIC_VIEW)
    assert json.loads(result.body) == MASKED


def test_unsupported_charset():
    assert refused(b"abc", "text/plain; charset=iso-8859-1") == "unsupported_charset"


def test_empty_body_passes():
    result = masker().mask_body(b"", "image/png", "gzip, gzip", PERSONAL_VIEW)
    assert (result.body, result.findings, result.content_encoding) == (b"", [], "gzip, gzip")


# --- encodings round trip ----------------------------------------------------------------------


@pytest.mark.parametrize("encoding, compress, decompress", [
    ("gzip", gzip.compress, gzip.decompress),
    ("x-gzip", gzip.compress, gzip.decompress),
    ("deflate", zlib.compress, zlib.decompress),
    ("deflate", lambda b: zlib.compress(b)[2:-4], zlib.decompress),  # raw deflate in, zlib-wrapped out
    ("br", brotli.compress, brotli.decompress),
    ("identity", lambda b: b, lambda b: b),
    (" GZIP ", gzip.compress, gzip.decompress),
])
def test_masked_body_is_re_encoded_with_its_coding(encoding, compress, decompress):
    result = masker().mask_body(compress(RAW), "application/json", encoding, UNLABELLED)
    assert json.loads(decompress(result.body)) == MASKED
    expected = {"x-gzip": "gzip", "identity": None, " GZIP ": "gzip"}.get(encoding, encoding)
    assert result.content_encoding == expected


def test_multi_member_gzip():
    half = len(RAW) // 2
    body = gzip.compress(RAW[:half]) + gzip.compress(RAW[half:])
    result = masker().mask_body(body, "application/json", "gzip", UNLABELLED)
    assert json.loads(gzip.decompress(result.body)) == MASKED


def test_zstd_follows_what_is_installed():
    if "zstd" in bodyio.supported_encodings():  # pragma: no cover - depends on the environment
        assert bodyio.decode_body(bodyio.encode_body(RAW, "zstd"), "zstd", max_bytes=10**6, max_ratio=100) == RAW
    else:
        assert refused(RAW, encoding="zstd") == "unsupported_encoding"


# --- content types and charsets ----------------------------------------------------------------


@pytest.mark.parametrize("content_type", [
    "application/json", "application/json; charset=UTF-8", "application/problem+json", "text/json", None, "",
])
def test_json_types(content_type):
    result = masker().mask_body(RAW, content_type, None, UNLABELLED)
    assert json.loads(result.body) == MASKED


def test_utf8_bom_is_accepted_and_dropped_from_json():
    result = masker().mask_body(b"\xef\xbb\xbf" + RAW, "application/json", None, UNLABELLED)
    assert json.loads(result.body) == MASKED and not result.body.startswith(b"\xef\xbb\xbf")


def test_text_plain_is_masked_as_text():
    text = "申请人联系电话13912345678，身份证号11010519491231002X，邮箱zhangsan@example.com。"
    result = masker().mask_body(text.encode(), "text/plain; charset=utf-8", None, UNLABELLED)
    assert result.body.decode() == "申请人联系电话139****5678，身份证号110105********002X，邮箱z***@example.com。"
    assert {f.entity for f in result.findings} == {"CN_MOBILE", "CN_ID_CARD", "EMAIL_ADDRESS"}
    assert {f.path for f in result.findings} == {"$"}


def test_sniffed_text_without_content_type():
    result = masker().mask_body("电话13912345678".encode(), None, None, UNLABELLED)
    assert result.body.decode() == "电话139****5678"


def test_gbk_declared_charset():
    body = "电话13912345678，张三".encode("gbk")
    result = masker().mask_body(body, "text/plain; charset=GBK", None, UNLABELLED)
    assert result.body.decode("gbk").startswith("电话139****5678")
    assert refused(b"\xff\xff\xff", "text/plain; charset=gbk") == "invalid_utf8"


def test_csv_masked_by_column_header():
    text = ("xm,sfzh,sjhm,yysr,bz,ref\r\n"
            "张三,110101199003074514,13812345678,12345678,\"电话13912345678, 已核验\",DD2024\r\n"
            "欧阳娜娜,11010519491231002X,13612345678,1,无,DD2025\r\n")
    result = masker().mask_body(text.encode(), "text/csv", None, PERSONAL_VIEW)
    assert result.body.decode() == (
        "xm,sfzh,sjhm,bz,ref\r\n"
        "张*,110101********4514,138****5678,\"电话139****5678, 已核验\",DD2024\r\n"
        "欧阳**,110105********002X,136****5678,无,DD2025\r\n")
    assert ("$[*].yysr", "TRADE_SECRET", "remove", 2) in {(f.path, f.entity, f.operator, f.count)
                                                          for f in result.findings}


def test_csv_unlabelled_uses_headers_as_key_context_and_keeps_format():
    text = "xm;phone;note\n张三;13812345678;ok\n李四\n"  # semicolons, LF, a short row
    result = masker().mask_body(text.encode(), "text/csv; charset=utf-8", None, UNLABELLED)
    assert result.body.decode() == "xm;phone;note\n张*;138****5678;ok\n李*\n"


def test_csv_bom_kept_and_no_trailing_newline_kept():
    text = "\ufeffsfzh,x\n110101199003074514,1"
    result = masker().mask_body(text.encode("utf-8"), "text/csv", None, UNLABELLED)
    assert result.body == "\ufeffsfzh,x\n110101********4514,1".encode("utf-8")


def test_csv_with_duplicate_headers_is_masked_as_text():
    text = "a,a\n13812345678,x\n"
    result = masker().mask_body(text.encode(), "text/csv", None, UNLABELLED)
    assert result.body.decode() == "a,a\n138****5678,x\n"


def test_csv_extra_cells_beyond_the_header_are_scanned():
    text = "a\n1,13812345678\n"
    result = masker().mask_body(text.encode(), "text/csv", None, UNLABELLED)
    assert result.body.decode() == "a\n1,138****5678\n"


def test_invalid_csv():
    assert refused(b'a,b\n"unterminated,1\n', "text/csv") == "invalid_csv"


@pytest.mark.parametrize("value", [None, "", "  ", "application/json", "Application/JSON; Charset=\"UTF-8\"",
                                   "text/csv;charset=gbk", "application/x-unknown", "text/x-markdown; a=b",
                                   "application/vnd.x+json", "image/png", "text/plain; charset=latin1"])
def test_parsed_content_types_are_the_uncached_parse_and_long_values_are_parsed_every_time(value):
    assert bodyio.parse_content_type(value) == bodyio._parse_content_type(value)
    assert bodyio.parse_content_type(value) == bodyio.parse_content_type(value)
    media = bodyio.parse_content_type(value)
    assert bodyio.content_type_of(media) == bodyio.content_type_of.__wrapped__(media)
    long_value = "application/json; x=" + "a" * bodyio.CACHED_TYPE_CHARS
    hits = bodyio._parse_content_type_cached.cache_info().hits
    assert bodyio.parse_content_type(long_value) == bodyio._parse_content_type(long_value)
    assert bodyio._parse_content_type_cached.cache_info().hits == hits  # not kept: parsed again
