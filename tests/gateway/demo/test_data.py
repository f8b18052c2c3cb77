"""Tests for gateway.demo.data: determinism, realism and internal consistency of the demo record sets."""

from __future__ import annotations

import json
import re
from collections import Counter
from datetime import date

import pytest

from gateway.demo.data import COMPOUND_SURNAMES, DEFAULT_SEED, demo_data, generate_demo_data
from gateway.demo.identifiers import (
    AREAS, BANKS, is_unionpay_card, is_valid_bank_card, is_valid_landline, is_valid_mobile,
    is_valid_org_code_in_uscc, is_valid_resident_id, is_valid_uscc, normalize_mobile, parse_resident_id,
)

AREA_NAMES = tuple(a.full_name for a in AREAS.values())
HAN_NAME = re.compile(r"^[\u4e00-\u9fff]{2,4}$")


@pytest.fixture(scope="module")
def data():
    return demo_data(DEFAULT_SEED)


def dump(d) -> str:
    return json.dumps({k: list(v.records) for k, v in d.datasets().items()}, ensure_ascii=False, sort_keys=True)


def test_same_seed_same_records_different_seed_different_records():
    a, b = generate_demo_data(42), generate_demo_data(42)
    assert dump(a) == dump(b)
    c = generate_demo_data(43)
    assert dump(c) != dump(a)
    assert {r["sfzh"] for r in a.persons.records}.isdisjoint({r["sfzh"] for r in c.persons.records})


def test_sizes(data):
    assert len(data.persons) == 300
    assert len(data.enterprises) == 300
    assert len(data.subsidies) == 300
    assert len(data.fugitives) == 40 and len(data.hr_agencies) == 40
    assert 200 <= len(data.annual_reports) <= 300
    small = generate_demo_data(5, persons=10, enterprises=8, subsidies=6, fugitives=2, hr_agencies=3)
    assert (len(small.persons), len(small.enterprises), len(small.subsidies)) == (10, 8, 6)


def test_ids_are_unique_and_get_finds_them(data):
    for ds in data.datasets().values():
        ids = [r[ds.id_key] for r in ds.records]
        assert len(ids) == len(set(ids)), ds.name
        assert ds.get(ids[-1]) == ds.records[-1]
        assert ds.get("no-such-id") is None
    # Identifiers are unique across the whole data set, not only per collection.
    people = [r["sfzh"] for r in data.persons.records + data.fugitives.records]
    assert len(people) == len(set(people))
    assert not {r["tyshxydm"] for r in data.enterprises.records} & {r["tyshxydm"] for r in data.hr_agencies.records}


def test_get_returns_a_copy(data):
    sfzh = data.persons.records[0]["sfzh"]
    copy = data.persons.get(sfzh)
    copy["xm"] = "改名"
    assert data.persons.get(sfzh)["xm"] != "改名"


def test_no_private_helper_keys_leak(data):
    for ds in data.datasets().values():
        for r in ds.records:
            assert not any(k.startswith("_") for k in r), ds.name


def test_population_register(data):
    for p in data.persons.records:
        assert set(p) == {"xm", "xb", "csrq", "mz", "sfzh", "sjhm", "hjdz", "zz"}
        parsed = parse_resident_id(p["sfzh"])
        assert parsed is not None, "every ID passes GB 11643"
        assert parsed.birth.isoformat() == p["csrq"]
        assert parsed.sex == p["xb"] and p["xb"] in ("1", "2")
        assert parsed.area_code in AREAS
        assert is_valid_mobile(p["sjhm"])
        assert HAN_NAME.match(p["xm"]), p["xm"]
        assert p["mz"].endswith("族")
        assert p["hjdz"].startswith(AREA_NAMES) and p["zz"].startswith(AREA_NAMES)
        assert p["zz"].endswith(("室", "号", "房")) or re.search(r"\d{3,4}$|\d+-\d+$", p["zz"]), p["zz"]
        assert 16 <= 2024 - int(p["csrq"][:4]) <= 90
    # Most people's household register is where their ID was issued; a quarter moved in from elsewhere.
    same = sum(AREAS[p["sfzh"][:6]].full_name in p["hjdz"] for p in data.persons.records)
    assert 0.6 * 300 < same < 300
    ethnic = Counter(p["mz"] for p in data.persons.records)
    assert ethnic["汉族"] / 300 > 0.8 and len(ethnic) >= 4
    assert Counter(p["xb"] for p in data.persons.records)["2"] > 100


def test_names_look_chinese(data):
    names = [p["xm"] for p in data.persons.records]
    surnames = Counter(n[0] for n in names)
    top = {s for s, _ in surnames.most_common(6)}
    assert len(top & {"王", "李", "张", "刘", "陈"}) >= 4, surnames.most_common(6)
    assert any(n[:2] in COMPOUND_SURNAMES for n in names), "a few compound surnames for the 欧阳** mask"
    assert len(set(names)) > 250


def test_addresses_follow_each_citys_style(data):
    zz = [p["zz"] for p in data.persons.records]
    assert any(re.match(r"^北京市..区.+\d+号院\d+号楼\d+单元\d+室$", a) for a in zz)
    assert any(re.match(r"^上海市.+区.+\d+弄\d+号\d+室$", a) for a in zz)
    assert any(re.match(r"^浙江省杭州市..区.+\d+号\d+幢\d+单元\d+室$", a) for a in zz)


def test_enterprise_register(data):
    for e in data.enterprises.records:
        assert is_valid_uscc(e["tyshxydm"]) and is_valid_org_code_in_uscc(e["tyshxydm"])
        area = AREAS[e["tyshxydm"][2:8]]
        assert e["zs"].startswith(area.full_name), "the code's area is the registered address's district"
        assert e["djjg"].startswith(area.city.name) and e["djjg"].endswith("市场监督管理局")
        assert e["qymc"].startswith(area.city.short) and e["qymc"].endswith("公司")
        assert HAN_NAME.match(e["fddbr"])
        assert e["zczb"] in (10, 30, 50, 100, 200, 300, 500, 1000, 2000, 3000, 5000, 10000)
        assert date(1998, 1, 1) <= date.fromisoformat(e["clrq"]) <= date(2024, 6, 30)
        # Enterprises registered after the 2015 reform carry an MA-series organisation code.
        if e["clrq"] >= "2016-01-01":
            assert e["tyshxydm"][8:10] == "MA"
        assert e["jyfw"].endswith("（依法须经批准的项目，经相关部门批准后方可开展经营活动）")
    assert len({e["qymc"] for e in data.enterprises.records}) == 300


def test_annual_reports(data):
    enterprises = {e["tyshxydm"]: e for e in data.enterprises.records}
    for r in data.annual_reports.records:
        e = enterprises[r["tyshxydm"]]
        assert r["qymc"] == e["qymc"] and r["nd"] == 2023
        assert e["clrq"] < "2024-01-01" and e["djzt"].startswith("存续")
        assert 0 <= r["cb"] <= r["yysr"] and r["lrze"] <= r["yysr"] and r["nsze"] >= 0
        for key in ("yysr", "cb", "lrze", "nsze"):
            assert round(r[key], 2) == r[key]
        assert is_valid_mobile(r["lxdh"])
        assert r["cyrs"] >= 1
    revenues = sorted(r["yysr"] for r in data.annual_reports.records)
    assert revenues[len(revenues) // 2] > 50 and revenues[-1] > 1000  # 万元: small firms and a few large
    assert any(r["lrze"] < 0 for r in data.annual_reports.records), "some firms make a loss"


def test_subsidy_recipients(data):
    register = {p["sfzh"]: p for p in data.persons.records}
    banks = {b.name: b for b in BANKS}
    found = 0
    for s in data.subsidies.records:
        assert is_valid_resident_id(s["sfzh"])
        assert is_unionpay_card(s["yhkh"])
        bank = next(b for name, b in banks.items() if s["khh"].startswith(name))
        assert s["yhkh"].startswith(bank.bin) and s["khh"].endswith("支行")
        assert s["btje"] > 0 and s["jtrks"] >= 1
        assert "2024-01-01" <= s["ffrq"] <= "2024-06-30"
        if s["sfzh"] in register:
            found += 1
            assert register[s["sfzh"]]["xm"] == s["xm"]
    assert 150 <= found < 300, "most recipients are in the population register, not all"
    assert Counter(s["btlx"] for s in data.subsidies.records).most_common(1)[0][0] == "城市居民最低生活保障金"


ID_IN_TEXT = re.compile(r"(?<![0-9A-Za-z])\d{17}[\dX](?![0-9A-Za-z])")
LONG_DIGITS = re.compile(r"(?<![\dA-Za-z-])\d{11,19}(?![\dXx-])")
WRITTEN_MOBILE = re.compile(r"(?:\+86 )?1[3-9]\d[- ]\d{4}[- ]\d{4}|\+86 1[3-9]\d{9}")
LANDLINE_IN_TEXT = re.compile(r"0\d{2,3}-\d{7,8}")


def test_remarks_hide_personal_data_that_passes_its_checksums(data):
    kinds = Counter()
    for s in data.subsidies.records:
        text = s["bz"]
        for token in LONG_DIGITS.findall(text):
            if len(token) == 11:
                assert is_valid_mobile(token), token
                kinds["mobile"] += 1
            elif is_valid_resident_id(token):
                kinds["id"] += 1
            else:
                assert is_valid_bank_card(token), token
                kinds["card"] += 1
        for token in ID_IN_TEXT.findall(text):
            assert is_valid_resident_id(token), token
        for token in WRITTEN_MOBILE.findall(text):
            assert normalize_mobile(token) is not None, token
            kinds["written mobile"] += 1
        for token in LANDLINE_IN_TEXT.findall(text):
            assert is_valid_landline(token), token
            kinds["landline"] += 1
        if "现住" in text:
            kinds["address"] += 1
        if re.search(r"申请人|家庭成员|代领人", text):
            kinds["name"] += 1
    for kind in ("mobile", "id", "card", "written mobile", "landline", "address", "name"):
        assert kinds[kind] >= 5, (kind, kinds)
    plain = sum(1 for s in data.subsidies.records if not re.search(r"\d{7,}", s["bz"]))
    assert 30 < plain < 270, "a mix of remarks with and without personal data"


def test_relatives_in_remarks_share_the_surname(data):
    pattern = re.compile(r"家庭成员(\S+?)（(儿子|女儿|父亲)，身份证号(\d{17}[\dX])）")
    checked = 0
    for s in data.subsidies.records:
        m = pattern.search(s["bz"])
        if m and s["xm"][:2] not in COMPOUND_SURNAMES:
            assert m.group(1)[0] == s["xm"][0], (s["xm"], m.group(1))
            sex = parse_resident_id(m.group(3)).sex
            assert sex == ("2" if m.group(2) == "女儿" else "1")
            checked += 1
    assert checked >= 3


def test_fugitives(data):
    for f in data.fugitives.records:
        parsed = parse_resident_id(f["sfzh"])
        assert parsed.birth.isoformat() == f["csrq"] and parsed.sex == f["xb"]
        assert f["ztrybh"].startswith("T") and f["ajbh"].startswith("A")
        assert f["xm"] in f["jyaq"]
        assert f["lasj"] <= f["ztrq"] <= "2024-06-30"
        assert "公安局" in f["zbdw"] and f["zbdw"].endswith("分局")


def test_hr_agencies(data):
    for a in data.hr_agencies.records:
        assert is_valid_uscc(a["tyshxydm"])
        assert is_valid_landline(a["lxdh"])
        assert re.match(r"^（[\u4e00-\u9fff]）人服证字〔\d{4}〕第\d{10}号$", a["xkzbh"]), a["xkzbh"]
        assert a["xkzbh"][8:12] == a["fzrq"][:4]
        assert a["yxqz"][:4] == str(int(a["fzrq"][:4]) + 5)
        assert a["dz"].startswith(AREA_NAMES)
