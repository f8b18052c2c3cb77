"""Deterministic demo record sets for the four demo departments, generated from a seed.

Owns what the departments' own systems would hold: the public-security population register and a
not-shared fugitive list (GA), the enterprise register and annual financial reports (SCJG), subsistence
allowance recipients with free-text remarks that hide personal data (MZ), and the licensed HR service
agencies (RS). Names follow real surname frequencies and era-typical given names, addresses use real
districts and streets, and every identifier passes its checksum. Same seed, same records, byte for byte.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache

from .dataset import Dataset, nested_datasets
from .identifiers import (
    AREAS, BANKS, CHENGDU, CHONGQING, GUANGZHOU, HANGZHOU, SHANGHAI, SHENZHEN, BEIJING, Area, City,
    make_bank_card, make_resident_id, random_landline, random_mobile, random_uscc,
)

DEFAULT_SEED = 20240601
REFERENCE_DATE = date(2024, 6, 30)  # "today" of the demo data; never the wall clock, so output is stable

from .people import (  # noqa: F401 - COMPOUND_SURNAMES and person_name are part of this module's API
    COMPOUND_SURNAMES, _district_stem, _ethnicity, office_address, person_name, residential_address,
)

# ---------------------------------------------------------------------------------------------------
# Record sets.


@dataclass(frozen=True)
class DemoData:
    seed: int
    persons: Dataset  # GA population register (常住人口)
    fugitives: Dataset  # GA fugitives (在逃人员), not shared
    enterprises: Dataset  # SCJG enterprise register
    annual_reports: Dataset  # SCJG annual reports, financial part
    subsidies: Dataset  # MZ subsistence allowance recipients (最低生活保障对象)
    hr_agencies: Dataset  # RS licensed HR service agencies

    def datasets(self) -> dict[str, Dataset]:
        """Every collection by name, with GA's not-shared collections nested under the register."""
        from .tables import table_datasets

        return {d.name: d for d in (self.persons, self.fugitives, self.enterprises, self.annual_reports,
                                    self.subsidies, self.hr_agencies, *nested_datasets(self.persons),
                                    *table_datasets(self.persons, self.annual_reports, self.seed))}


class _Registry:
    """Keeps identifiers unique across the whole demo data set."""

    def __init__(self):
        self.ids: set[str] = set()
        self.mobiles: set[str] = set()
        self.usccs: set[str] = set()
        self.names: set[str] = set()

    def resident_id(self, rng: random.Random, area_code: str, birth: date, sex: str) -> str:
        while True:
            seq = rng.randrange(1, 999, 2) if sex == "1" else rng.randrange(2, 999, 2)
            value = make_resident_id(area_code, birth, seq)
            if value not in self.ids:
                self.ids.add(value)
                return value

    def mobile(self, rng: random.Random) -> str:
        while (value := random_mobile(rng)) in self.mobiles:
            pass
        self.mobiles.add(value)
        return value

    def uscc(self, rng: random.Random, area_code: str, since_reform: bool) -> str:
        while (value := random_uscc(rng, area_code, since_reform=since_reform)) in self.usccs:
            pass
        self.usccs.add(value)
        return value


def _random_date(rng: random.Random, start: date, end: date) -> date:
    return date.fromordinal(rng.randint(start.toordinal(), end.toordinal()))


def _birth_date(rng: random.Random, earliest: int = 1940, latest: int = 2006) -> date:
    # Cohorts weighted like an adult urban population: most born between the 1960s and the 1990s.
    decades = [(y, w) for y, w in ((1940, 4), (1950, 10), (1960, 17), (1970, 18), (1980, 20), (1990, 19),
                                   (2000, 12)) if earliest <= y + 9 and y <= latest]
    decade = rng.choices([d for d, _ in decades], [w for _, w in decades])[0]
    start = date(max(decade, earliest), 1, 1)
    end = date(min(decade + 9, latest), 12, 31)
    return _random_date(rng, start, end)


_RESIDENCE_CITIES = (BEIJING, SHANGHAI, HANGZHOU, SHENZHEN, GUANGZHOU, CHENGDU)


def _person(rng: random.Random, reg: _Registry, *, birth: date | None = None, sex: str | None = None) -> dict:
    """One resident. The ID keeps the area code of first registration; one in four came from elsewhere,
    and half of those moved their household register (hjdz) to where they live now (zz)."""
    sex = sex or rng.choice("12")
    birth = birth or _birth_date(rng)
    home = rng.choice([a for a in AREAS.values() if a.city in _RESIDENCE_CITIES])
    origin = rng.choice(list(AREAS.values())) if rng.random() < 0.25 else home
    register = home if origin is home or rng.random() < 0.5 else origin
    hjdz = residential_address(rng, register)
    zz = hjdz if register is home and rng.random() < 0.7 else residential_address(rng, home)
    return {
        "xm": person_name(rng, sex, birth.year),
        "xb": sex,
        "csrq": birth.isoformat(),
        "mz": _ethnicity(rng),
        "sfzh": reg.resident_id(rng, origin.code, birth, sex),
        "sjhm": reg.mobile(rng),
        "hjdz": hjdz,
        "zz": zz,
        "_home": home.code,
    }


def _public(record: dict) -> dict:
    return {k: v for k, v in record.items() if not k.startswith("_")}


def _population(rng: random.Random, reg: _Registry, count: int) -> list[dict]:
    return [_person(rng, reg) for _ in range(count)]


# Industries: the word in the name, and a typical business scope.
_INDUSTRIES = (
    ("科技", "技术开发、技术咨询、技术服务、技术转让；软件开发；信息系统集成服务；数据处理服务"),
    ("信息技术", "软件开发；信息技术咨询服务；计算机系统服务；网络技术服务；数字内容制作服务"),
    ("网络科技", "互联网信息服务；网络技术服务；软件开发；广告设计、代理；电子产品销售"),
    ("贸易", "日用百货、五金产品、机械设备、电子产品、建筑材料的批发、零售；货物进出口；技术进出口"),
    ("电子", "电子元器件制造；电子产品销售；集成电路设计；通信设备制造"),
    ("建设工程", "建设工程施工；市政设施管理；园林绿化工程施工；建筑装饰材料销售"),
    ("餐饮管理", "餐饮服务；餐饮管理；食品销售；外卖递送服务"),
    ("物流", "普通货物道路运输；国内货物运输代理；普通货物仓储服务（不含危险化学品）；装卸搬运"),
    ("文化传媒", "组织文化艺术交流活动；广告设计、代理；会议及展览服务；广播电视节目制作经营"),
    ("医疗器械", "第二类医疗器械销售；第一类医疗器械生产；医疗器械技术服务"),
    ("生物科技", "生物技术推广服务；技术开发、技术咨询；化工产品销售（不含许可类化工产品）"),
    ("环保科技", "环保咨询服务；大气污染治理；水污染治理；固体废物治理"),
    ("服饰", "服装制造；服装服饰批发；服装服饰零售；针纺织品销售"),
    ("教育科技", "教育咨询服务（不含涉许可审批的教育培训活动）；软件开发；组织文化艺术交流活动"),
    ("企业管理咨询", "企业管理咨询；信息咨询服务（不含许可类信息咨询服务）；市场营销策划"),
    ("新能源科技", "太阳能发电技术服务；光伏设备及元器件销售；储能技术服务；充电桩销售"),
    ("机械设备", "通用设备制造（不含特种设备制造）；机械设备销售；机械零件、零部件加工"),
    ("食品", "食品销售；食用农产品批发；食品互联网销售；预包装食品进出口"),
)
_TRADE_NAMES = (
    "云启 华瑞 恒达 鼎泰 博远 聚力 锐思 启明 星辰 汇通 德润 嘉禾 瑞丰 盛世 宏图 天成 海纳 智联 和信 金桥 远航 新锐 卓越 "
    "众诚 安达 永昌 同创 合众 优品 弘毅 致远 明德 信达 祥瑞 蓝海 青禾 云帆 睿达 思源 天行 凯旋 中联 百川 景行 恒信 润泽 "
    "九州 鸿运 广源 兴业 晨曦 朗润 清源 乐享 数智 云栖 博雅 锦程 东昇 华创 融通 诚品 易达 安信 精诚 泰和 宏远 联创 悦然 "
    "新程 昊天 嘉盛 鑫源 领航 知行 合力 鼎盛 浩瀚 沐阳 星火 拓新 千帆 亿联 昇辉 澜图"
).split()
_REG_CAPITAL = ((10, 5), (30, 5), (50, 10), (100, 20), (200, 12), (300, 10), (500, 15), (1000, 12), (2000, 6),
                (3000, 3), (5000, 3), (10000, 2))
_ENTERPRISE_CITIES = (HANGZHOU, SHENZHEN, BEIJING, SHANGHAI, GUANGZHOU, CHENGDU)


def _company_name(rng: random.Random, city: City, suffix: str, used: set[str]) -> str:
    while True:
        with_shi = rng.random() < (0.7 if city in (SHENZHEN, GUANGZHOU) else 0.15)
        place = city.name if with_shi or city.is_municipality and rng.random() < 0.3 else city.short
        name = place + rng.choice(_TRADE_NAMES) + suffix
        if name not in used:
            used.add(name)
            return name


def _enterprises(rng: random.Random, reg: _Registry, count: int, used_names: set[str]) -> list[dict]:
    out = []
    for _ in range(count):
        city = rng.choice(_ENTERPRISE_CITIES)
        area = rng.choice([a for a in AREAS.values() if a.city == city])
        industry, scope = rng.choice(_INDUSTRIES)
        form = rng.choices(("有限公司", "有限责任公司", "股份有限公司"), (80, 12, 8))[0]
        qymc = _company_name(rng, city, industry + form, used_names)
        year = rng.choices(range(1998, 2025), [1 + (y - 1998) // 3 for y in range(1998, 2025)])[0]
        clrq = _random_date(rng, date(year, 1, 1), min(date(year, 12, 31), REFERENCE_DATE))
        capital = rng.choices([c for c, _ in _REG_CAPITAL], [w for _, w in _REG_CAPITAL])[0]
        if form == "股份有限公司":
            capital = max(capital, 1000)
            qylx = "股份有限公司(非上市、自然人投资或控股)"
        else:
            qylx = rng.choices(("有限责任公司(自然人投资或控股)", "有限责任公司(自然人独资)"), (75, 25))[0]
        city_level = form == "股份有限公司" or capital >= 5000
        djjg = f"{city.name}市场监督管理局" if city_level else f"{city.name}{area.district}市场监督管理局"
        rep_sex = rng.choices("12", (70, 30))[0]
        rep_birth = _birth_date(rng, 1955, 1998)
        status = rng.choices(("存续（在营、开业、在册）", "注销", "吊销，未注销"), (94, 4, 2))[0]
        out.append({
            "tyshxydm": reg.uscc(rng, area.code, since_reform=clrq >= date(2016, 1, 1)),
            "qymc": qymc,
            "qylx": qylx,
            "fddbr": person_name(rng, rep_sex, rep_birth.year),
            "zczb": float(capital),
            "clrq": clrq.isoformat(),
            "djjg": djjg,
            "djzt": status,
            "jyfw": scope + "（依法须经批准的项目，经相关部门批准后方可开展经营活动）",
            "zs": office_address(rng, area),
            "_contact": reg.mobile(rng),
        })
    return out


def _annual_reports(rng: random.Random, enterprises: list[dict], year: int = 2023) -> list[dict]:
    """The financial part of each enterprise's annual report for `year` (amounts in 万元)."""
    out = []
    for e in enterprises:
        if date.fromisoformat(e["clrq"]).year > year or not e["djzt"].startswith("存续"):
            continue
        capital = e["zczb"]
        if rng.random() < 0.05:  # founded recently, no revenue yet
            revenue = 0.0
        else:
            revenue = max(3.0, capital * rng.lognormvariate(0.2, 0.9))
        cost = revenue * rng.uniform(0.55, 0.92)
        expenses = revenue * rng.uniform(0.03, 0.2) + (rng.uniform(5, 40) if revenue == 0 else 0)
        profit = revenue - cost - expenses
        tax = revenue * rng.uniform(0.01, 0.05) + max(profit, 0) * 0.2
        out.append({
            "tyshxydm": e["tyshxydm"],
            "qymc": e["qymc"],
            "nd": year,
            "yysr": round(revenue, 2),
            "cb": round(cost, 2),
            "lrze": round(profit, 2),
            "nsze": round(tax, 2),
            "cyrs": max(1, int(revenue / rng.uniform(40, 150))) if revenue else rng.randint(1, 5),
            "lxdh": e["_contact"],
        })
    return out


# Monthly subsistence allowance standards (元/人·月), roughly the cities' 2024 levels.
_DIBAO_STANDARD = {BEIJING: 1420, SHANGHAI: 1510, HANGZHOU: 1240, SHENZHEN: 1365, GUANGZHOU: 1261, CHENGDU: 1050}
_SUBSIDY_TYPES = (("城市居民最低生活保障金", 50), ("农村居民最低生活保障金", 12), ("特困人员救助供养金", 10),
                  ("临时救助金", 10), ("高龄津贴", 9), ("困难残疾人生活补贴", 9))
_RELATIONS = ("配偶", "儿子", "女儿", "父亲", "母亲", "兄弟", "姐妹")
_PLAIN_REMARKS = ("按月发放。", "材料齐全，已核验。", "年度复核通过。", "经社区公示无异议。", "")


def _written_mobile(rng: random.Random, mobile: str) -> str:
    style = rng.randrange(4)
    if style == 1:
        return f"{mobile[:3]}-{mobile[3:7]}-{mobile[7:]}"
    if style == 2:
        return f"{mobile[:3]} {mobile[3:7]} {mobile[7:]}"
    if style == 3:
        return "+86 " + mobile
    return mobile


def _relative(rng: random.Random, reg: _Registry, person: dict) -> tuple[str, dict]:
    relation = rng.choice(_RELATIONS)
    born = date.fromisoformat(person["csrq"])
    offset = {"儿子": 26, "女儿": 26, "父亲": -27, "母亲": -25}.get(relation, 0)
    if born.year + offset < 1935:  # an elderly applicant's parents are no longer living
        relation, offset = "配偶", 0
    first, last = (min(born.year + offset + d, 2006) for d in (-3, 3))
    birth = _random_date(rng, date(first, 1, 1), date(last, 12, 31))
    sex = "1" if relation in ("儿子", "父亲", "兄弟") else "2" if relation in ("女儿", "母亲", "姐妹") else \
        ("2" if person["xb"] == "1" else "1")
    rel = _person(rng, reg, birth=birth, sex=sex)
    if relation != "配偶" and not any(person["xm"].startswith(c) for c in COMPOUND_SURNAMES) and \
            relation not in ("母亲",):
        # Children, fathers and siblings share the surname.
        rel["xm"] = person["xm"][0] + rel["xm"][len(_surname_of(rel["xm"])):]
    return relation, rel


def _surname_of(name: str) -> str:
    return name[:2] if name[:2] in COMPOUND_SURNAMES else name[:1]


def _remark(rng: random.Random, reg: _Registry, person: dict, card_bank) -> str:
    """A case worker's note; most carry personal data inside ordinary sentences."""
    y, m = 2024, rng.randint(1, 6)
    kind = rng.randrange(9)
    if kind == 0:
        return f"申请人{person['xm']}于{y}年{m}月提交材料，联系电话{person['sjhm']}，已核验。"
    if kind == 1:
        relation, rel = _relative(rng, reg, person)
        return f"家庭成员{rel['xm']}（{relation}，身份证号{rel['sfzh']}）与申请人共同生活，收入已核查。"
    if kind == 2:
        return f"{y}年{m}月入户调查，现住{person['zz']}，经社区公示无异议。"
    if kind == 3:
        old = make_bank_card(rng, card_bank)
        return f"原银行卡{old}已挂失，自{y}年{m}月起改发至新卡。"
    if kind == 4:
        relation, rel = _relative(rng, reg, person)
        return f"代领人{rel['xm']}（{relation}），联系电话{_written_mobile(rng, rel['sjhm'])}。"
    if kind == 5:
        relation, rel = _relative(rng, reg, person)
        return (f"申请人{person['xm']}因病住院，{relation}{rel['xm']}电话{_written_mobile(rng, rel['sjhm'])}，"
                f"已转介临时救助。")
    if kind == 6:
        city = AREAS[person["_home"]].city
        return f"社区联系人座机{random_landline(rng, city)}，已按月发放。"
    return rng.choice(_PLAIN_REMARKS)


def _subsidies(rng: random.Random, reg: _Registry, population: list[dict], count: int) -> list[dict]:
    """Recipients: about 60% found in the population register, the rest registered elsewhere."""
    from_register = rng.sample(population, min(len(population), count * 3 // 5))
    recipients = from_register + [_person(rng, reg, birth=_birth_date(rng, 1935, 2000))
                                  for _ in range(count - len(from_register))]
    rng.shuffle(recipients)
    out = []
    for p in recipients:
        area = AREAS[p["_home"]]
        bank = rng.choice(BANKS)
        kind = rng.choices([t for t, _ in _SUBSIDY_TYPES], [w for _, w in _SUBSIDY_TYPES])[0]
        household = rng.choices((1, 2, 3, 4, 5), (30, 30, 22, 12, 6))[0]
        standard = _DIBAO_STANDARD[area.city]
        if kind == "高龄津贴":
            amount, household = float(rng.choice((100, 200, 300, 500))), 1
        elif kind == "困难残疾人生活补贴":
            amount, household = float(rng.choice((240, 300, 360, 420))), 1
        elif kind == "临时救助金":
            amount = float(rng.randrange(1000, 6001, 100))
        elif kind == "特困人员救助供养金":
            amount, household = round(standard * 1.3, 2), 1
        else:
            amount = float(round(standard * household * rng.uniform(0.25, 1.0)))
        out.append({
            "xm": p["xm"],
            "sfzh": p["sfzh"],
            "yhkh": make_bank_card(rng, bank),
            "khh": f"{bank.name}{area.city.short}{_district_stem(area.district)}支行",
            "btlx": kind,
            "btje": amount,
            "jtrks": household,
            "ffrq": date(2024, rng.randint(1, 6), rng.randint(5, 20)).isoformat(),
            "bz": _remark(rng, reg, p, bank),
        })
    return out


_CRIMES = (
    ("电信网络诈骗", "冒充电商客服以退款为名诱骗被害人转账，骗取人民币{amt}万元"),
    ("合同诈骗", "以虚构工程项目签订合同的方式骗取预付款人民币{amt}万元"),
    ("非法吸收公众存款", "以高额回报为诱饵向社会公众非法吸收资金人民币{amt}万元"),
    ("盗窃", "多次入户盗窃，涉案财物价值人民币{amt}万元"),
    ("故意伤害", "因琐事与他人发生争执，持械致被害人轻伤"),
    ("抢劫", "伙同他人在街头抢劫被害人手机、现金，涉案价值人民币{amt}万元"),
    ("贩卖毒品", "多次向他人贩卖甲基苯丙胺，共计{amt}克"),
)


def _fugitives(rng: random.Random, reg: _Registry, count: int) -> list[dict]:
    out = []
    for i in range(count):
        sex = rng.choices("12", (85, 15))[0]
        p = _person(rng, reg, birth=_birth_date(rng, 1960, 2000), sex=sex)
        area = AREAS[p["_home"]]
        crime, story = rng.choice(_CRIMES)
        filed = _random_date(rng, date(2019, 1, 1), date(2024, 5, 31))
        listed = filed + timedelta(days=rng.randint(10, 120))
        amt = rng.randint(3, 480)
        out.append({
            "ztrybh": f"T{area.code}{filed:%Y%m}{i + 1:05d}",
            "xm": p["xm"],
            "xb": p["xb"],
            "csrq": p["csrq"],
            "sfzh": p["sfzh"],
            "hjdz": p["hjdz"],
            "ajbh": f"A{area.code}550000{filed:%Y%m}{rng.randint(1, 9999):04d}",
            "ajlb": crime,
            "lasj": filed.isoformat(),
            "ztrq": min(listed, REFERENCE_DATE).isoformat(),
            "zbdw": f"{area.city.name}公安局{_district_stem(area.district)}分局",
            "jyaq": f"{filed.year}年{filed.month}月，犯罪嫌疑人{p['xm']}" + story.format(amt=amt) + "，后潜逃。",
        })
    return out


_HR_SCOPES = ("职业介绍", "人力资源供求信息的收集和发布", "就业和创业指导", "人力资源管理咨询", "人力资源测评",
              "人力资源培训", "承接人力资源服务外包", "高级人才寻访", "网络招聘")


def _hr_agencies(rng: random.Random, reg: _Registry, count: int, used_names: set[str]) -> list[dict]:
    out = []
    for i in range(count):
        city = rng.choice(_ENTERPRISE_CITIES)
        area = rng.choice([a for a in AREAS.values() if a.city == city])
        suffix = rng.choice(("人力资源有限公司", "人力资源服务有限公司", "人才服务有限公司", "企业管理咨询有限公司"))
        issued = _random_date(rng, date(2019, 1, 1), date(2024, 5, 31))
        scopes = sorted(rng.sample(range(len(_HR_SCOPES)), rng.randint(3, 7)))
        out.append({
            "tyshxydm": reg.uscc(rng, area.code, since_reform=True),
            "jgmc": _company_name(rng, city, suffix, used_names),
            "xkzbh": f"（{city.plate_prefix[0]}）人服证字〔{issued.year}〕第{area.code}{i + 1:04d}号",
            "fzrq": issued.isoformat(),
            "yxqz": issued.replace(year=issued.year + 5).isoformat(),
            "fwfw": "；".join(_HR_SCOPES[j] for j in scopes),
            "dz": office_address(rng, area),
            "lxdh": random_landline(rng, city),
        })
    return out


def generate_demo_data(seed: int = DEFAULT_SEED, *, persons: int = 300, enterprises: int = 300,
                       subsidies: int = 300, fugitives: int = 40, hr_agencies: int = 40) -> DemoData:
    """All demo record sets for `seed`; each set draws from its own seeded stream."""
    reg = _Registry()
    used_names: set[str] = set()
    population = _population(random.Random(f"{seed}:population"), reg, persons)
    companies = _enterprises(random.Random(f"{seed}:enterprises"), reg, enterprises, used_names)
    reports = _annual_reports(random.Random(f"{seed}:annual-reports"), companies)
    recipients = _subsidies(random.Random(f"{seed}:subsidies"), reg, population, subsidies)
    wanted = _fugitives(random.Random(f"{seed}:fugitives"), reg, fugitives)
    agencies = _hr_agencies(random.Random(f"{seed}:hr-agencies"), reg, hr_agencies, used_names)

    def ds(name: str, key: str, rows: list[dict]) -> Dataset:
        return Dataset(name, key, tuple(_public(r) for r in rows))

    return DemoData(
        seed=seed,
        persons=ds("persons", "sfzh", population),
        fugitives=ds("fugitives", "ztrybh", wanted),
        enterprises=ds("enterprises", "tyshxydm", companies),
        annual_reports=ds("annual_reports", "tyshxydm", reports),
        subsidies=ds("subsidies", "sfzh", recipients),
        hr_agencies=ds("hr_agencies", "tyshxydm", agencies),
    )


@lru_cache(maxsize=4)
def demo_data(seed: int = DEFAULT_SEED) -> DemoData:
    """The cached default-size data set for `seed` (treat the records as read-only)."""
    return generate_demo_data(seed)
