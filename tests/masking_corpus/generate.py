"""Seeded generator of responses shaped like real department exports, with labelled truth and controls.

Each Case is one JSON document, its shape, the personal values it holds (entity, value, where: `field`
when the value is a field's whole value or a table cell, `text` when it sits in a sentence or a string),
and controls: values that are not personal data and must come out untouched (organisation names, dates,
order and case numbers, checksum-failing digit runs, user agents, non-secret amounts, credit codes).
Identifiers pass their checksums; each is written in the spellings departments use (spaces, dashes,
full-width digits, +86/0086). Deterministic per seed.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass, field
from datetime import date
from typing import Any
from urllib.parse import quote

from faker import Faker

from gateway import identifiers as ids
from gateway.demo import identifiers as demo

FIELD, TEXT = "field", "text"


@dataclass
class Case:
    shape: str
    doc: Any
    truth: list[tuple[str, str, str]] = field(default_factory=list)  # (entity, value, where)
    controls: list[tuple[str, str]] = field(default_factory=list)  # (kind, value)


FULL = str.maketrans("0123456789X", "０１２３４５６７８９Ｘ")
RURAL = ["河南省周口市郸城县宁平镇李楼村三组", "四川省南充市仪陇县马鞍镇琳琅村5组", "湖南省邵阳市隆回县六都寨镇大田村",
         "甘肃省临夏回族自治州东乡族自治县达板镇", "云南省怒江傈僳族自治州泸水市六库街道", "贵州省黔东南苗族侗族自治州雷山县西江镇",
         "西藏自治区那曲市色尼区那曲镇", "青海省玉树藏族自治州玉树市结古街道", "新疆维吾尔自治区伊犁哈萨克自治州伊宁市",
         "内蒙古自治区锡林郭勒盟锡林浩特市", "黑龙江省大兴安岭地区加格达奇区", "广西壮族自治区百色市田阳区那坡镇",
         "江西省赣州市于都县梓山镇潭头村", "山东省菏泽市曹县大集镇丁楼村", "安徽省阜阳市临泉县城关街道"]
TAILS = ["{n}号", "{n}号{b}栋{u}单元{r}室", "{n}号院{b}号楼{r}室", "{n}组{b}号", "{n}弄{b}号{r}室"]
ORGS = ["不动产登记中心", "{city}市公共资源交易中心", "{city}市市场监督管理局", "{city}市卫生健康委员会",
        "{city}市人民政府办公室", "{city}{district}人民法院", "{city}市第一人民医院", "{city}市实验小学",
        "{city}{w}农民专业合作社", "{city}{w}科技有限公司", "{city}{w}建设集团有限公司", "{city}市医疗保障局",
        "{city}市住房公积金管理中心", "{city}市{district}街道办事处", "{city}{w}股份有限公司"]
UAS = ["Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36",
       "Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 "
       "MicroMessenger/8.0.43", "okhttp/4.9.3", "Apache-HttpClient/4.5.13 (Java/1.8.0_292)"]
WORDS = "华信 恒泰 宏达 瑞丰 金穗 鑫源 锦程 汇通 德馨 嘉禾 丰裕 康宁".split()

PERSON_KEYS = ["xm", "xingming", "name", "fullName", "real_name", "姓名", "申请人", "qlrmc", "legalRep", "fddbr",
               "lxr", "contactName", "owner_name", "hzxm", "sqrxm", "jbrxm", "applicantName", "联系人"]
KEYS = {
    "CN_ID_CARD": ["sfzh", "gmsfhm", "zjhm", "idCard", "id_no", "身份证号码", "certNo", "sfzjhm", "identityNo"],
    "CN_MOBILE": ["sjhm", "lxdh", "mobile", "phone", "tel", "手机号码", "联系电话", "contactPhone", "shoujihao"],
    "CN_LANDLINE": ["gddh", "bgdh", "officePhone", "固定电话", "landline"],
    "CN_BANK_CARD": ["yhkh", "yhzh", "bankCard", "bank_account", "银行卡号", "cardNo", "khzh"],
    "CN_PASSPORT": ["hzhm", "passportNo", "护照号码", "txzhm", "permitNo", "通行证号码"],
    "CN_LICENSE_PLATE": ["cphm", "hphm", "plateNo", "车牌号码", "号牌号码"],
    "CN_VIN": ["clsbdh", "vin", "车架号", "车辆识别代号"],
    "EMAIL_ADDRESS": ["email", "dzyx", "电子邮箱", "mail"],
    "IP_ADDRESS": ["ip", "clientIp", "loginIp", "登录IP"],
    "CN_ADDRESS": ["zz", "jtzz", "hjdz", "address", "homeAddress", "住址", "户籍地址", "xzz", "jzdz", "contact_addr"],
    "TRADE_SECRET": ["yysr", "nsze", "lrze", "yycb", "tbj", "zbje", "operatingRevenue", "netProfit", "营业收入",
                     "纳税总额", "利润总额", "投标报价"],
}


class Gen:
    def __init__(self, seed: int):
        self.rng = random.Random(seed)
        self.fake = Faker("zh_CN")
        self.fake.seed_instance(seed)
        self.used: set[str] = set()

    # -- values ---------------------------------------------------------------------------------
    def unique(self, make) -> str:
        for _ in range(50):
            value = make()
            if value not in self.used:
                self.used.add(value)
                return value
        raise RuntimeError("cannot make a unique value")

    def name(self) -> str:
        return self.unique(self.fake.name)

    def latin_name(self) -> str:
        return self.unique(lambda: self.fake.romanized_name() if self.rng.random() < 0.7 else
                           self.rng.choice(["John", "Mary", "David", "Anna", "Peter", "Linda"]) + " "
                           + self.rng.choice(["Smith", "Brown", "Wilson", "Taylor", "Miller", "Clark"]))

    def resident_id(self) -> str:
        r = self.rng.random()
        if r < 0.08:
            first17 = self.rng.choice(["810000", "820000", "830000"]) + f"{self._birth():%Y%m%d}{self.rng.randrange(1, 999):03d}"
            return first17 + ids.gb11643_check_char(first17)
        if r < 0.14:  # foreigner's permanent-residence ID, 2023 form
            first17 = "9" + self.rng.choice(["11", "31", "44"]) + self.rng.choice(["840", "392", "410", "643"]) + \
                f"{self._birth():%Y%m%d}{self.rng.randrange(1, 999):03d}"
            return first17 + ids.gb11643_check_char(first17)
        return demo.random_resident_id(self.rng)

    def _birth(self) -> date:
        return date.fromordinal(self.rng.randint(date(1940, 1, 1).toordinal(), date(2005, 12, 31).toordinal()))

    def id_written(self) -> str:
        v = self.unique(self.resident_id)
        style = self.rng.random()
        if style < 0.55:
            return v
        if style < 0.7:
            return f"{v[:6]} {v[6:14]} {v[14:]}"
        if style < 0.8:
            return f"{v[:6]}-{v[6:14]}-{v[14:]}"
        if style < 0.9:
            return v.translate(FULL)
        return v.lower()

    def mobile_written(self) -> str:
        m = self.unique(lambda: demo.random_mobile(self.rng))
        return self.rng.choice([m, m, m, f"{m[:3]}-{m[3:7]}-{m[7:]}", f"{m[:3]} {m[3:7]} {m[7:]}", f"+86 {m}",
                                f"+86-{m[:3]}-{m[3:7]}-{m[7:]}", f"0086{m}", f"+86{m}", m.translate(FULL),
                                f"(+86) {m}"])

    def landline_written(self) -> str:
        city = self.rng.choice(demo.CITIES)
        local = f"{self.rng.randint(2, 8)}{self.rng.randrange(10 ** 7):07d}"
        return self.unique(lambda: self.rng.choice([f"{city.phone_code}-{local}", f"({city.phone_code}){local}",
                                                    f"{city.phone_code} {local}", f"{city.phone_code}-{local}-{self.rng.randint(100, 8999)}",
                                                    f"{city.phone_code}-{local[:4]} {local[4:]}"]))

    def card_written(self) -> str:
        _, c = demo.random_bank_card(self.rng)
        c = self.unique(lambda: c)
        return self.rng.choice([c, c, " ".join(c[i:i + 4] for i in range(0, len(c), 4))])

    def passport(self) -> str:
        r = self.rng
        return self.unique(lambda: r.choice([
            "E" + f"{r.randrange(10 ** 8):08d}", "E" + r.choice("ABCDFGHJKLMN") + f"{r.randrange(10 ** 7):07d}",
            "G" + f"{r.randrange(10 ** 8):08d}", r.choice("HM") + f"{r.randrange(10 ** 8):08d}",
            "C" + r.choice("ABCDEFGH") + f"{r.randrange(10 ** 7):07d}"]))

    def plate(self) -> str:
        return self.unique(lambda: demo.random_plate(self.rng, self.rng.choice(demo.CITIES), new_energy=self.rng.random() < 0.35))

    def vin(self) -> str:
        alphabet = "ABCDEFGHJKLMNPRSTUVWXYZ0123456789"
        while True:
            body = "L" + "".join(self.rng.choice(alphabet) for _ in range(16))
            v = body[:8] + "0" + body[9:]
            if v[9] in "0UZ":  # position 10 is a model-year code: 0, U and Z are never issued (same draws)
                v = v[:9] + "A" + v[10:]
            v = v[:8] + ids.vin_check_char(v) + v[9:]
            if ids.is_vin(v):
                return self.unique(lambda: v)

    def email(self) -> str:
        return self.unique(lambda: self.fake.user_name() + str(self.rng.randint(1, 999)) + "@" +
                           self.rng.choice(["163.com", "qq.com", "126.com", "gmail.com", "sina.com"]))

    def ip(self) -> str:
        r = self.rng
        return self.unique(lambda: f"{r.randint(11, 223)}.{r.randint(0, 255)}.{r.randint(0, 255)}.{r.randint(1, 254)}"
                           if r.random() < 0.8 else f"240e:{r.randrange(65536):x}:{r.randrange(65536):x}::{r.randrange(1, 65536):x}")

    def address(self) -> str:
        r = self.rng
        if r.random() < 0.45:
            head = r.choice(RURAL)
        else:
            area = r.choice(list(demo.AREAS.values()))
            head = area.full_name + r.choice(area.streets)
        tail = r.choice(TAILS).format(n=r.randint(1, 300), b=r.randint(1, 30), u=r.randint(1, 6), r=r.randint(101, 2806))
        return self.unique(lambda: head + tail)

    def amount(self) -> str:
        return self.unique(lambda: self.rng.choice([f"{self.rng.randint(100000, 900000000)}.{self.rng.randint(0, 99):02d}",
                                                    f"{self.rng.randint(100, 90000)}万元", str(self.rng.randint(100000, 99999999))]))

    def value(self, entity: str) -> str:
        return {"PERSON": self.name, "CN_ID_CARD": self.id_written, "CN_MOBILE": self.mobile_written,
                "CN_LANDLINE": self.landline_written, "CN_BANK_CARD": self.card_written, "CN_PASSPORT": self.passport,
                "CN_LICENSE_PLATE": self.plate, "CN_VIN": self.vin, "EMAIL_ADDRESS": self.email, "IP_ADDRESS": self.ip,
                "CN_ADDRESS": self.address, "TRADE_SECRET": self.amount}[entity]()

    # -- controls -------------------------------------------------------------------------------
    def org(self) -> str:
        area = self.rng.choice(list(demo.AREAS.values()))
        return self.rng.choice(ORGS).format(city=area.city.short, district=area.district, w=self.rng.choice(WORDS))

    def bad_id(self) -> str:
        v = demo.random_resident_id(self.rng)
        wrong = "0123456789X".replace(v[-1], "")
        return v[:17] + self.rng.choice(wrong[:10])

    def control(self) -> tuple[str, str]:
        r = self.rng
        kind = r.choice(["org", "org", "date", "order", "case", "bad_id", "ua", "amount", "uscc", "status"])
        value = {
            "org": self.org, "date": lambda: f"{r.randint(2015, 2025)}-{r.randint(1, 12):02d}-{r.randint(1, 28):02d}",
            "order": lambda: f"{r.randint(2019, 2025)}{r.randrange(10 ** 14):014d}",
            "case": lambda: f"({r.randint(2018, 2025)})浙0106民初{r.randint(100, 99999)}号",
            "bad_id": self.bad_id, "ua": lambda: r.choice(UAS), "amount": lambda: f"{r.randint(100, 3000)}.00",
            "uscc": lambda: demo.random_uscc(r, r.choice(list(demo.AREAS))),
            "status": lambda: r.choice(["已办结", "审核通过", "待补正", "正常", "注销"]),
        }[kind]()
        return kind, value


CONTROL_KEYS = {"org": ["dwmc", "jgmc", "djjg", "orgName", "单位名称", "companyName", "slbm"], "date": ["cjsj", "blrq", "updateTime"],
                "order": ["ddh", "ywlsh", "orderNo", "业务流水号"], "case": ["ajh", "caseNo", "案号"],
                "bad_id": ["djbh", "serialNo", "档案编号"], "ua": ["ua", "userAgent"], "amount": ["bzje", "fee", "补助金额"],
                "uscc": ["tyshxydm", "creditCode"], "status": ["zt", "status", "办理状态"]}
FIELD_ENTITIES = list(KEYS) + ["PERSON"]
TEXT_ENTITIES = ["PERSON", "CN_ID_CARD", "CN_MOBILE", "CN_LANDLINE", "CN_BANK_CARD", "CN_PASSPORT", "CN_LICENSE_PLATE",
                 "EMAIL_ADDRESS", "CN_ADDRESS", "CN_VIN", "IP_ADDRESS"]
SENTENCES = {
    "PERSON": ["申请人{v}于{d}到窗口办理", "经核实，{v}家庭人均收入低于标准", "来电人{v}反映情况", "户主{v}已签字确认",
               "由{v}代为领取", "{v}（女）系低保对象"],
    "CN_ID_CARD": ["身份证号{v}", "证件号码：{v}", "其身份证为{v}"], "CN_MOBILE": ["联系电话{v}", "手机：{v}", "电话 {v} 已回访"],
    "CN_LANDLINE": ["办公电话{v}", "座机{v}"], "CN_BANK_CARD": ["补助发放至银行卡{v}", "账号{v}"],
    "CN_PASSPORT": ["护照号码{v}", "通行证{v}"], "CN_LICENSE_PLATE": ["车牌号{v}的车辆", "驾驶{v}号车辆"],
    "EMAIL_ADDRESS": ["邮箱{v}", "请发送至{v}"], "CN_ADDRESS": ["现住{v}", "家住{v}", "地址：{v}"],
    "CN_VIN": ["车架号{v}", "车辆识别代号{v}"], "IP_ADDRESS": ["登录IP {v}", "来自{v}的访问"],
}


def _record(g: Gen, case: Case, entities: list[str]) -> dict:
    rec: dict[str, Any] = {}
    for entity in entities:
        key = g.rng.choice(PERSON_KEYS if entity == "PERSON" else KEYS[entity])
        if key in rec:
            continue
        value = g.latin_name() if entity == "PERSON" and key[0].isascii() and g.rng.random() < 0.15 else g.value(entity)
        rec[key] = value
        case.truth.append((entity, value, FIELD))
    for _ in range(g.rng.randint(1, 3)):
        kind, value = g.control()
        key = g.rng.choice(CONTROL_KEYS[kind])
        if key not in rec:
            rec[key] = value
            case.controls.append((kind, value))
    return rec


def _remark(g: Gen, case: Case, n: int) -> str:
    parts = []
    for entity in g.rng.sample(TEXT_ENTITIES, n):
        value = g.value(entity)
        parts.append(g.rng.choice(SENTENCES[entity]).format(v=value, d="2023年5月"))
        case.truth.append((entity, value, TEXT))
    if g.rng.random() < 0.6:
        kind, value = g.control()
        parts.append(f"经办单位{value}" if kind == "org" else f"（{value}）")
        case.controls.append((kind, value))
    return "，".join(parts) + "。"


def make_case(g: Gen, shape: str) -> Case:
    case = Case(shape, None)
    r = g.rng
    pick = lambda k: r.sample(FIELD_ENTITIES, k)  # noqa: E731
    if shape == "records":
        items = [_record(g, case, pick(r.randint(3, 6))) for _ in range(r.randint(1, 4))]
        case.doc = {"code": 0, "data": {"items": items, "total": len(items)}}
    elif shape == "remarks":
        items = [{**_record(g, case, pick(2)), r.choice(["bz", "remark", "备注", "qksm", "description"]): _remark(g, case, r.randint(2, 4))}
                 for _ in range(r.randint(1, 3))]
        case.doc = {"code": 0, "data": items}
    elif shape == "table":
        cols = [("姓名", "PERSON"), ("身份证号", "CN_ID_CARD"), ("联系电话", "CN_MOBILE"), ("家庭住址", "CN_ADDRESS"),
                ("银行卡号", "CN_BANK_CARD")]
        chosen = r.sample(cols, r.randint(2, 5))
        rows = []
        for _ in range(r.randint(1, 4)):
            row = []
            for _, entity in chosen:
                value = g.value(entity)
                row.append(value)
                case.truth.append((entity, value, FIELD))
            kind, control = g.control()
            case.controls.append((kind, control))
            rows.append(row + [control])
        header = [c for c, _ in chosen] + ["备注项"]
        case.doc = {"data": [header] + rows} if r.random() < 0.5 else {"columns": header, "rows": rows}
    elif shape == "numbers":
        mobile = demo.random_mobile(r)
        card = demo.make_bank_card(r, r.choice(demo.BANKS))
        idn = g.resident_id()
        while not idn.isdigit():
            idn = g.resident_id()
        case.doc = {"data": {"lxdh": int(mobile), "value": int(card), "zjhm": int(idn), "sj": float(mobile)}}
        case.truth += [("CN_MOBILE", mobile, FIELD), ("CN_BANK_CARD", card, FIELD), ("CN_ID_CARD", idn, FIELD)]
    elif shape == "nested_json":
        inner = _record(g, case, pick(3))
        case.doc = {"code": 0, "payload": json.dumps(inner, ensure_ascii=False)}
    elif shape == "query":
        name, mobile = g.name(), demo.random_mobile(r)
        case.truth += [("PERSON", name, TEXT), ("CN_MOBILE", mobile, TEXT)]
        if r.random() < 0.5:
            case.doc = {"callback": f"https://api.example.gov.cn/notify?xm={quote(name)}&sjhm={mobile}&t=1"}
            case.truth[-2] = ("PERSON", quote(name), TEXT)
        else:
            case.doc = {"ext": f"xm={name};sjhm={mobile};zt=1"}
    elif shape == "keys":
        idn = g.resident_id()
        mobile = demo.random_mobile(r)
        case.doc = {"byId": {idn: {"zt": "正常"}}, "byPhone": {mobile: 1}}
        case.truth += [("CN_ID_CARD", idn, FIELD), ("CN_MOBILE", mobile, FIELD)]
    elif shape == "contact":
        rec = _record(g, case, pick(1))
        name, mobile = g.name(), g.mobile_written()
        rec["contact"] = {"name": name, "phone": mobile}
        rec["jjlxr"] = {"xm": (n2 := g.name()), "dh": (m2 := g.mobile_written())}
        case.truth += [("PERSON", name, FIELD), ("CN_MOBILE", mobile, FIELD), ("PERSON", n2, FIELD), ("CN_MOBILE", m2, FIELD)]
        case.doc = {"data": rec}
    elif shape == "financial":
        items = []
        for label in r.sample(["营业收入", "营业成本", "利润总额", "净利润", "纳税总额", "研发投入"], 4):
            amount = g.amount()
            items.append({"xm": label, "je": amount})
            case.truth.append(("TRADE_SECRET", amount, FIELD))
        years = [{"nd": str(y), r.choice(["yysr", "nsze", "lrze"]): g.amount()} for y in (2021, 2022, 2023)]
        case.truth += [("TRADE_SECRET", y[k], FIELD) for y in years for k in y if k != "nd"]
        org = g.org()
        case.controls.append(("org", org))
        case.doc = {"data": {"qymc": org, "cwbb": items, "history": years}}
    return case


SHAPES = ["records"] * 6 + ["remarks"] * 5 + ["table"] * 2 + ["numbers", "nested_json", "query", "keys", "contact",
                                                                  "financial"]


def generate(seed: int = 20261204, count: int = 400) -> list[Case]:
    """`count` cases, deterministic per seed."""
    g = Gen(seed)
    return [make_case(g, g.rng.choice(SHAPES)) for _ in range(count)]
