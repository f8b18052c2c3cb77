"""The held-out masking corpora, written blind (without reading the engine or the development corpus):
`ordinary` (department exports as they usually come) and `harsh` (messier real-world shapes: full-width and
mixed separators, odd spacing, JSON numbers, object keys, JSON inside strings, query strings, deep nesting,
tables, long remarks). Same Case interface as generate.py; values come from heldout_values.py.
Deterministic per seed; `generate_set("ordinary"|"harsh", seed, count)`.
"""

from __future__ import annotations

import json
from urllib.parse import quote

from .generate import FIELD, TEXT, Case
from .heldout_values import Values, fullwidth
from .heldout_vocab import FIN_ITEMS, HARSH_SENTENCES, HEAD, HEAD_PY, K, SENTENCES, TS_KEYS, key_style

SETS = ("ordinary", "harsh")
class B:
    """One case under construction: personal values go into truth, controls into controls."""

    def __init__(self, v: Values, harsh: bool, shape: str):
        self.v, self.r, self.harsh, self.case = v, v.rng, harsh, Case(shape, None)

    def key(self, kind: str, style: str | None = None) -> str:
        keys = [k for k in K[kind] if style is None or key_style(k) == style]
        return self.r.choice(keys or K[kind])

    def pii(self, entity: str, value, where: str = FIELD):
        self.case.truth.append((entity, value if isinstance(value, str) else json.dumps(value), where))
        return value

    def ctl(self, kind: str, value: str) -> str:
        self.case.controls.append((kind, value))
        return value

    def chance(self, ordinary: float, harsh: float) -> bool:
        return self.r.random() < (harsh if self.harsh else ordinary)

    # ---- spellings ----------------------------------------------------------------------------
    def as_number(self, s: str, where: str):
        return int(s) if where == FIELD and s.isdigit() and s[0] != "0" and self.chance(0.03, 0.2) else s

    def spell_id(self, s: str, where: str = FIELD):
        n = self.as_number(s, where)
        if not isinstance(n, str):
            return n
        if self.chance(0.8, 0.3):
            return s
        forms = [f"{s[:6]} {s[6:14]} {s[14:]}", s.lower(), f"{s[:6]}-{s[6:14]}-{s[14:]}"]
        if self.harsh:
            forms += [fullwidth(s), s[:6] + fullwidth(s[6:14]) + s[14:],
                      " ".join(s[i:i + 4] for i in range(0, len(s), 4)),
                      f"{s[:6]}　{s[6:14]}　{s[14:]}"]
        return self.r.choice(forms)

    def spell_mobile(self, s: str, where: str = FIELD):
        n = self.as_number(s, where)
        if not isinstance(n, str) or self.chance(0.7, 0.25):
            return n
        forms = [f"{s[:3]}-{s[3:7]}-{s[7:]}", f"{s[:3]} {s[3:7]} {s[7:]}", f"+86 {s}", f"+86-{s}"]
        if self.harsh:
            forms += [f"0086{s}", f"0086-{s[:3]}-{s[3:7]}-{s[7:]}", f"(+86){s}", f"+86 {s[:3]} {s[3:7]} {s[7:]}",
                      fullwidth(s), fullwidth(f"{s[:3]}-{s[3:7]}-{s[7:]}"), f"{s[:3]} {s[3:]}", f"+86{s}",
                      f"{s[:7]} {s[7:]}"]
        return self.r.choice(forms)

    def spell_card(self, s: str, where: str = FIELD):
        n = self.as_number(s, where)
        if not isinstance(n, str) or self.chance(0.7, 0.3):
            return n
        groups = " ".join(s[i:i + 4] for i in range(0, len(s), 4))
        forms = [groups]
        if self.harsh:
            forms += [groups.replace(" ", "-"), fullwidth(s), fullwidth(groups), groups.replace(" ", "  ")]
        return self.r.choice(forms)

    def landline(self, where: str = FIELD) -> str:
        """Writes a landline, records the number without its extension as truth, returns the written form."""
        area, local = self.v.landline()
        seps = ["-", "-", " ", ""] + (["－", " - "] if self.harsh else [])
        sep = self.r.choice(seps)
        number = f"({area}){local}" if self.chance(0.15, 0.15) else area + sep + local
        if self.harsh and self.r.random() < 0.15:
            number = f"+86 {area[1:]} {local}" if self.r.random() < 0.5 else fullwidth(number)
        ext = ""
        if self.chance(0.2, 0.5):
            ext = self.r.choice(["", "", f"-{self.v.digits(3)}", f"转{self.v.digits(4)}", f" 分机{self.v.digits(3)}"])
        self.pii("CN_LANDLINE", number, where)
        return number + ext

    def spell_plate(self, s: str) -> str:
        if self.chance(0.9, 0.5):
            return s
        forms = [f"{s[:2]}·{s[2:]}", f"{s[:2]} {s[2:]}"]
        return self.r.choice(forms + ([f"{s[0]} {s[1:]}", f"{s[:2]}-{s[2:]}"] if self.harsh else []))

    def spell_text_id(self, s: str) -> str:
        return fullwidth(s) if self.harsh and self.r.random() < 0.15 else s

    def spell_name(self, s: str) -> str:
        if self.harsh and len(s) == 2 and self.r.random() < 0.25:
            return s[0] + self.r.choice([" ", "\u3000", "  "]) + s[1]
        return s

    # ---- one value of each entity -------------------------------------------------------------
    def name(self, where=FIELD):
        return self.pii("PERSON", self.spell_name(self.v.name(self.harsh)), where)

    def id(self, where=FIELD, entity="CN_ID_CARD"):
        raw = self.v.id15() if self.chance(0.03, 0.08) and entity == "CN_ID_CARD" else self.v.id18()
        return self.pii(entity, self.spell_id(raw, where), where)

    def mobile(self, where=FIELD):
        return self.pii("CN_MOBILE", self.spell_mobile(self.v.mobile(), where), where)

    def card(self, where=FIELD):
        return self.pii("CN_BANK_CARD", self.spell_card(self.v.bank_card(), where), where)

    def addr(self, where=FIELD):
        a = self.v.address()
        if self.harsh and self.r.random() < 0.2:
            if self.r.random() < 0.5:
                a = a.replace("号", "号 ", 1)
            else:
                a = "".join(fullwidth(c) if c.isdigit() else c for c in a)
        return self.pii("CN_ADDRESS", a, where)

    def plate(self, where=FIELD):
        return self.pii("CN_LICENSE_PLATE", self.spell_plate(self.v.plate()), where)

    def simple(self, entity: str, value: str, where=FIELD):
        return self.pii(entity, self.spell_text_id(value), where)

    def org(self, kind: str = "any"):
        return self.ctl("org", self.v.org(kind))

    def date(self):
        return self.ctl("date", self.v.date_ctl())

    def case_no(self):
        return self.ctl("case_no", self.v.case_no())

    def uscc(self):
        return self.ctl("uscc", self.v.uscc())

    def bad18(self):
        """A checksum-failing 18-digit serial number; in harsh documents sometimes a JSON number."""
        value = self.ctl("bad_checksum", self.v.bad18())
        return int(value) if self.harsh and value[0] != "0" and self.r.random() < 0.3 else value

    def amount(self, where=FIELD):
        """A trade-secret amount, as a JSON number, a plain string, with thousands separators or in 万元."""
        x = round(self.r.uniform(2e5, 9e8), 2)
        form = self.r.random()
        if form < (0.4 if self.harsh else 0.3) and where == FIELD:
            return self.pii("TRADE_SECRET", x, where)
        value = f"{x:,.2f}" if form < 0.65 else (f"{x / 1e4:.2f}万元" if form < 0.8 else f"{x:.2f}")
        return self.pii("TRADE_SECRET", value, where)


# ---- free text -----------------------------------------------------------------------------------
def sentence(b: B, template: str) -> str:
    fill = {
        "name": lambda: b.name(TEXT), "id": lambda: b.id(TEXT), "mobile": lambda: b.mobile(TEXT),
        "addr": lambda: b.addr(TEXT),
        "plate": lambda: b.plate(TEXT), "card": lambda: b.card(TEXT), "landline": lambda: b.landline(TEXT),
        "vin": lambda: b.simple("CN_VIN", b.v.vin(), TEXT), "email": lambda: b.pii("EMAIL_ADDRESS", b.v.email(), TEXT),
        "ip": lambda: b.pii("IP_ADDRESS", b.v.ipv6() if b.chance(0.2, 0.5) else b.v.ipv4(), TEXT),
        "mac": lambda: b.pii("MAC_ADDRESS", b.v.mac(), TEXT),
        "passport": lambda: b.simple("CN_PASSPORT", b.v.passport(), TEXT),
        "pr": lambda: b.simple("CN_FOREIGN_PR", b.v.foreign_pr(), TEXT),
        "hmt": lambda: b.simple("CN_HMT_RESIDENCE", b.v.hmt_residence(), TEXT),
        "permit": lambda: b.simple("CN_TRAVEL_PERMIT", b.v.travel_permit()[1] if b.harsh else "H" + b.v.digits(8),
                                   TEXT),
        "sscard": lambda: b.pii("CN_SOCIAL_SECURITY", b.v.ss_card(), TEXT),
        "ssid": lambda: b.id(TEXT, "CN_SOCIAL_SECURITY"),
        "pinyin": lambda: b.pii("PERSON", b.v.pinyin_name(), TEXT),
        "foreign": lambda: b.pii("PERSON", b.v.foreign_name(), TEXT),
        "date": b.date, "org": b.org, "case": b.case_no, "uscc": b.uscc, "bad18": b.bad18,
    }
    out, rest = [], template
    while "{" in rest:
        head, _, tail = rest.partition("{")
        slot, _, rest = tail.partition("}")
        out += [head, str(fill[slot]())]
    return "".join(out) + rest


def remark(b: B, n: int) -> str:
    pool = SENTENCES + (HARSH_SENTENCES if b.harsh else [])
    sep = "" if not b.harsh else b.r.choice(["", "\n", " ", "；"])
    return sep.join(sentence(b, b.r.choice(pool)) for _ in range(n))


# ---- department records ---------------------------------------------------------------------------
def person(b: B, *kinds: str) -> dict:
    """One person's fields under keys of one style (pinyin, English or Chinese); harsh records sometimes mix them."""
    rec, style = {}, None if b.chance(0.0, 0.3) else b.r.choice(["py", "py", "en", "zh"])
    for kind in kinds:
        key = b.key(kind, style)
        while key in rec:
            key = b.key(kind)
        rec[key] = {"name": b.name, "id": b.id, "mobile": b.mobile, "addr": b.addr, "card": b.card, "plate": b.plate,
                    "landline": b.landline, "email": lambda: b.pii("EMAIL_ADDRESS", b.v.email()),
                    "vin": lambda: b.simple("CN_VIN", b.v.vin()),
                    "passport": lambda: b.simple("CN_PASSPORT", b.v.passport())}[kind]()
    return rec


def ga_rk(b: B):
    rows = [person(b, "name", "id", "addr", "mobile") | {"xb": b.r.choice(["1", "2"]), "mz": "01", "ywlsh": b.bad18(),
                                                          "djdw": b.org(),
                                                          "djsj": b.date()} for _ in range(b.r.randrange(1, 4))]
    return {"code": "200", "msg": "成功", "data": {"total": len(rows), "list": rows}}


def mz_db(b: B):
    members = [{"cyxm": b.name(), "yhzgx": b.r.choice(["配偶", "子女", "父母"]), "cysfzh": b.id()}
               for _ in range(b.r.randrange(1, 4))]
    return {"hzxm": b.name(), "hzsfzh": b.id(), "jtzz": b.addr(), "jtdh": b.landline(), "ffzh": b.card(),
            "bzje": b.ctl("public_amount", b.v.public_amount("btje")), "sqrq": b.date(), "jtcy": members,
            "bz": remark(b, 1)}


def scjg_qy(b: B):
    return {"qymc": b.org("company"), "tyshxydm": b.uscc(), "fddbr": b.name(), "fddbrlxdh": b.mobile(),
            "zczb": b.ctl("public_amount", b.v.public_amount("zczb")), "clrq": b.date(), "djjg": b.org("market"),
            "lxr": {"xm": b.name(), "sj": b.mobile(), "yx": b.pii("EMAIL_ADDRESS", b.v.email())}}


def rs_cb(b: B):
    return {"shbzhm": b.id(FIELD, "CN_SOCIAL_SECURITY"), "xm": b.name(),
            "sbkh": b.pii("CN_SOCIAL_SECURITY", b.v.ss_card()),
            "cbdw": b.org(), "yhkh": b.card(), "cbrq": b.date(), "ywlsh": b.bad18()}


def wj_cs(b: B):
    return {"mqxm": b.name(), "mqsfzh": b.id(), "fqxm": b.name(), "fqsfzh": b.id(), "csdd": b.org("hospital"),
            "lxdh": b.mobile(),
            "jtzz": b.addr(), "qfrq": b.date()}


def bdc_dj(b: B):
    owners = []
    for _ in range(b.r.randrange(1, 4)):
        if b.r.random() < 0.3:
            owners.append({"qlrmc": b.org("company"), "zjzl": "统一社会信用代码", "zjh": b.uscc()})
        else:
            owners.append({"qlrmc": b.name(), "zjzl": "身份证", "zjh": b.id(), "dh": b.mobile()})
    return {"slbh": b.case_no(), "djjg": b.org("bdc"), "qlr": owners, "djsj": b.date()}


def sw_nsr(b: B):
    rec = {"nsrmc": b.org("company"), "nsrsbh": b.uscc(), "ssnd": "2023", "bsy": b.name(), "bsylxdh": b.mobile(),
           "swjg": b.org("tax"), "pzxh": b.bad18()}
    for key, _ in b.r.sample(TS_KEYS, 3):
        rec[key] = b.amount()
    return rec


def jt_cl(b: B):
    return {"hphm": b.plate(), "hpzl": "02", "clsbdh": b.simple("CN_VIN", b.v.vin()), "syr": b.name(), "sfzmhm": b.id(),
            "lxdh": b.mobile(), "djrq": b.date(), "lsh": b.bad18()}


def crj(b: B):
    rec = {"xm": b.name(), "ywxm": b.pii("PERSON", b.v.pinyin_name()), "hzhm": b.simple("CN_PASSPORT", b.v.passport()),
           "qfjg": b.org(), "qfrq": b.date()}
    kind, permit = b.v.travel_permit()
    rec[{"hx": "hxzh", "tb": "tbzh", "gatx": "gatxzh"}[kind]] = b.simple("CN_TRAVEL_PERMIT", permit)
    if b.r.random() < 0.5:
        rec["wgr"] = {"ywxm": b.pii("PERSON", b.v.foreign_name()),
                      "yjjlzhm": b.simple("CN_FOREIGN_PR", b.v.foreign_pr())}
    else:
        rec["gatjm"] = {"xm": b.name(), "jzzhm": b.simple("CN_HMT_RESIDENCE", b.v.hmt_residence())}
    return rec


def remarks(b: B):
    head = {"ajbh": b.case_no(), "slsj": b.date(), "cljg": b.org()}
    return head | {"bz": remark(b, b.r.randrange(1, 4) if not b.harsh else b.r.randrange(3, 8))}


def net_log(b: B):
    rows = [{"yhxm": b.name(), "zdip": b.pii("IP_ADDRESS", b.v.ipv6() if b.chance(0.2, 0.5) else b.v.ipv4()),
             "mac": b.pii("MAC_ADDRESS", b.v.mac()), "ua": b.ctl("user_agent", b.v.ua()), "dlsj": b.date()}
            for _ in range(b.r.randrange(1, 4))]
    return {"records": rows}


def table(b: B):
    """An array whose first row is the header row, or {"columns": [...], "rows": [[...]]}."""
    kinds = b.r.sample(list(HEAD), b.r.randrange(3, 6))
    heads = HEAD if b.r.random() < 0.7 else HEAD_PY
    make = {"name": b.name, "id": b.id, "mobile": b.mobile, "addr": b.addr, "card": b.card, "plate": b.plate}
    rows = [[make[k]() for k in kinds] + [b.date()] for _ in range(b.r.randrange(2, 6))]
    header = [heads[k] for k in kinds] + ["登记日期"]
    if b.harsh and b.r.random() < 0.6:
        cols = header if b.r.random() < 0.6 else [{"field": f"c{i}", "title": h} for i, h in enumerate(header)]
        return {"columns": cols, "rows": rows, "total": len(rows)}
    return {"sheet": "花名册", "data": [header] + rows}


# ---- harsher shapes ------------------------------------------------------------------------------
def deep(b: B):
    """Five levels down, English keys, channels as kind/value pairs."""
    items = [{"subject": {"basic": {"fullName": b.name(), "certificate": {"type": "111", "number": b.id()}},
                          "contact": {"channels": [{"kind": "mobile", "value": b.mobile()},
                                                   {"kind": "email", "value": b.pii("EMAIL_ADDRESS", b.v.email())}]},
                          "residence": {"detail": b.addr()}},
              "meta": {"createdAt": b.date(), "handler": b.org()}} for _ in range(b.r.randrange(1, 3))]
    return {"resp": {"header": {"code": 0, "traceNo": b.case_no()}, "body": {"result": {"page": {"items": items}}}}}


def eav(b: B):
    """Field-name/field-value pairs, as exchange platforms export them."""
    pairs = [("姓名", b.name), ("身份证号码", b.id), ("联系电话", b.mobile), ("现住址", b.addr), ("银行账号", b.card)]
    return {"ywbh": b.case_no(), "zdxx": [{"zdmc": k, "zdz": f()} for k, f in b.r.sample(pairs, 4)], "tbdw": b.org()}


def embedded(b: B):
    """A JSON document serialized inside a string field, sometimes twice."""
    inner = person(b, "name", "id", "mobile", "addr") | {"sqsj": b.date()}
    text = json.dumps(inner, ensure_ascii=False)
    if b.r.random() < 0.3:
        text = json.dumps({"ywlx": "户籍迁移", "data": text}, ensure_ascii=False)
    return {"ywlx": "户籍迁移", b.r.choice(["ywsj", "payload", "extInfo", "rawData"]): text, "blbm": b.org()}


def query(b: B):
    """URL query strings and key=value text inside strings."""
    name = b.v.name(b.harsh)
    name = b.pii("PERSON", quote(name) if b.r.random() < 0.3 else name, TEXT)
    url = (f"https://zwfw.example.gov.cn/api/v2/verify?{b.r.choice(['xm', 'name', 'userName'])}={name}"
           f"&{b.r.choice(['sfzh', 'idNo', 'zjhm'])}={b.id(TEXT)}"
           f"&{b.r.choice(['sjhm', 'phone', 'mobile'])}={b.mobile(TEXT)}&appId=zwfw01")
    sep = b.r.choice([";", "&", "|", ", "])
    kv = sep.join([f"xm={b.name(TEXT)}", f"zjhm={b.id(TEXT)}", f"lxdh={b.mobile(TEXT)}", f"czsj={b.date()}"])
    zh = f"姓名:{b.name(TEXT)} 证件号:{b.id(TEXT)} 电话:{b.mobile(TEXT)} 地址:{b.addr(TEXT)}"
    return {"requestUrl": url, "ua": b.ctl("user_agent", b.v.ua()), "logText": kv, "beizhu": zh}


def objkeys(b: B):
    """Identifiers used as object keys, names as their values."""
    by_id = {str(b.id()): {"zt": "正常", "gxsj": b.date()} for _ in range(b.r.randrange(1, 3))}
    phones = {str(b.mobile()): b.name() for _ in range(b.r.randrange(1, 3))}
    plates = {b.plate(): {"wfcs": b.r.randrange(1, 9)} for _ in range(b.r.randrange(1, 3))}
    return {"byIdCard": by_id, "phoneBook": phones, "violations": plates}


def fin(b: B):
    """Financial tables: item rows with yearly columns, item/amount records, yearly arrays under pinyin keys."""
    years = ["2021年度", "2022年度", "2023年度"]
    form = b.r.randrange(3)
    doc = {"qymc": b.org("company"), "tyshxydm": b.uscc(), "zczb": b.ctl("public_amount", b.v.public_amount("zczb"))}
    if form == 0:
        rows = [[item] + [b.amount() for _ in years] for item in b.r.sample(FIN_ITEMS, 3)]
        doc["cwbb"] = {"columns": ["项目"] + years, "rows": rows}
    elif form == 1:
        doc["lrb"] = [{"xmmc": item, "bqje": b.amount(), "sqje": b.amount()} for item in b.r.sample(FIN_ITEMS, 3)]
    else:
        doc["nd"] = [2021, 2022, 2023]
        for key, _ in b.r.sample(TS_KEYS[:9], 2):
            doc[key] = [b.amount() for _ in range(3)]
    if b.r.random() < 0.5:
        doc["xzcf"] = {"wh": b.case_no(), "fkje": b.ctl("public_amount", b.v.public_amount("fkje"))}
    return doc


def vehicle(b: B):
    rows = [{b.r.choice(["hphm", "cphm"]): b.plate(), "clsbdh": b.simple("CN_VIN", b.v.vin()), "jdcsyr": b.name(),
             "sfzmhm": b.id(), "syxz": "A", "lxdh": b.mobile(), "yqjyrq": b.date(), "lsh": b.bad18()}
            for _ in range(b.r.randrange(1, 4))]
    return {"ret": 1, "msg": "ok", "data": {"jdcxx": rows, "cxr": b.org()}}


def bdc_mixed(b: B):
    """Owners under qlrmc/mc that are sometimes persons, sometimes organisations; nested co-owners and contacts."""
    doc = bdc_dj(b)
    doc["gyqk"] = {"gyfs": "共同共有", "gyr": [{"mc": b.name(), "zjhm": b.id()} for _ in range(b.r.randrange(1, 3))]}
    doc["lxrxx"] = [{"mc": b.name(), "dh": b.landline()}, {"mc": b.org(), "lx": "受托机构"}]
    doc["legalRep"] = b.name()
    return doc


def foreign(b: B):
    rec = crj(b)
    rec["contactPerson"] = b.pii("PERSON", b.v.pinyin_name())
    rec["englishName"] = b.pii("PERSON", b.v.foreign_name())
    return rec


ORDINARY = [(ga_rk, 4), (mz_db, 3), (scjg_qy, 3), (rs_cb, 3), (wj_cs, 2), (bdc_dj, 3), (sw_nsr, 3), (jt_cl, 3),
            (crj, 2),
            (remarks, 6), (net_log, 2), (table, 2)]
HARSH = [(ga_rk, 1), (mz_db, 1), (rs_cb, 1), (wj_cs, 1), (sw_nsr, 1), (remarks, 5), (table, 3), (deep, 2), (eav, 2),
         (embedded, 2), (query, 2), (objkeys, 2), (fin, 3), (vehicle, 2), (bdc_mixed, 2), (foreign, 2), (net_log, 2)]


def generate_set(which: str, seed: int = 20261205, count: int = 400) -> list[Case]:
    """`count` cases of the `ordinary` or `harsh` set, deterministic per seed."""
    if which not in SETS:
        raise ValueError(f"unknown held-out set {which!r}; expected one of {SETS}")
    harsh = which == "harsh"
    v = Values(seed + (7919 if harsh else 0))
    shapes = [f for f, w in (HARSH if harsh else ORDINARY) for _ in range(w)]
    cases = []
    for _ in range(count):
        make = v.rng.choice(shapes)
        b = B(v, harsh, f"{which}/{make.__name__}")
        b.case.doc = make(b)
        cases.append(b.case)
    return cases
