"""Chinese identifiers for the demo data: generators that only produce valid values, and validators.

The checksum and structure rules themselves (GB 11643, GB 32100, Luhn, mobiles, landlines, plates) live in
gateway.identifiers and are called from here; this module adds the embedded GB 11714 organisation code,
the generators, and a small table of real county-level area codes (with street names) that the demo data
draws addresses from. Every generator takes a `random.Random`, so output is deterministic per seed.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass
from datetime import date

from .. import identifiers as _ids

# ---------------------------------------------------------------------------------------------------
# Real area codes (GB/T 2260) with the cities' phone codes, plate prefixes and real street names.


@dataclass(frozen=True, slots=True)
class City:
    name: str  # 杭州市
    province: str  # 浙江省; equal to `name` for the municipalities
    phone_code: str  # 0571
    plate_prefix: str  # 浙A

    @property
    def is_municipality(self) -> bool:
        return self.province == self.name

    @property
    def short(self) -> str:
        """The name without 市, as used in enterprise names (杭州云启科技有限公司)."""
        return self.name.removesuffix("市")

    @property
    def prefix(self) -> str:
        """Province and city as written at the start of an address (北京市 / 浙江省杭州市)."""
        return self.name if self.is_municipality else self.province + self.name


@dataclass(frozen=True, slots=True)
class Area:
    code: str  # 6-digit county-level code
    city: City
    district: str  # 西湖区
    streets: tuple[str, ...]

    @property
    def full_name(self) -> str:
        """浙江省杭州市西湖区 / 北京市朝阳区."""
        return self.city.prefix + self.district


BEIJING = City("北京市", "北京市", "010", "京A")
SHANGHAI = City("上海市", "上海市", "021", "沪A")
TIANJIN = City("天津市", "天津市", "022", "津A")
CHONGQING = City("重庆市", "重庆市", "023", "渝A")
HANGZHOU = City("杭州市", "浙江省", "0571", "浙A")
SHENZHEN = City("深圳市", "广东省", "0755", "粤B")
GUANGZHOU = City("广州市", "广东省", "020", "粤A")
NANJING = City("南京市", "江苏省", "025", "苏A")
CHENGDU = City("成都市", "四川省", "028", "川A")
WUHAN = City("武汉市", "湖北省", "027", "鄂A")
XIAN = City("西安市", "陕西省", "029", "陕A")

CITIES: tuple[City, ...] = (BEIJING, SHANGHAI, HANGZHOU, SHENZHEN, GUANGZHOU, NANJING, CHENGDU, WUHAN, XIAN,
                            TIANJIN, CHONGQING)

_AREA_ROWS: tuple[tuple[str, City, str, str], ...] = (
    ("110101", BEIJING, "东城区", "东直门内大街 朝阳门北大街 王府井大街 东四十条 和平里东街"),
    ("110102", BEIJING, "西城区", "金融大街 西直门内大街 复兴门内大街 德胜门外大街 广安门内大街"),
    ("110105", BEIJING, "朝阳区", "建国路 朝阳北路 望京街 东三环中路 工体北路 酒仙桥路 安立路"),
    ("110106", BEIJING, "丰台区", "丰台北路 南四环西路 马家堡东路 方庄路"),
    ("110108", BEIJING, "海淀区", "中关村大街 学院路 知春路 北四环西路 海淀南路 西三环北路"),
    ("110114", BEIJING, "昌平区", "回龙观东大街 回龙观西大街 府学路 政府街"),
    ("110115", BEIJING, "大兴区", "兴华大街 黄村东大街 荣华中路 金星西路"),
    ("310101", SHANGHAI, "黄浦区", "淮海中路 南京东路 西藏中路 河南南路 复兴东路"),
    ("310104", SHANGHAI, "徐汇区", "漕溪北路 肇嘉浜路 天钥桥路 衡山路 虹桥路 龙华中路"),
    ("310105", SHANGHAI, "长宁区", "天山路 延安西路 仙霞路 中山西路 古北路"),
    ("310106", SHANGHAI, "静安区", "南京西路 延安中路 常德路 共和新路 江宁路"),
    ("310107", SHANGHAI, "普陀区", "长寿路 真北路 曹杨路 中山北路 武宁路"),
    ("310110", SHANGHAI, "杨浦区", "国定路 四平路 黄兴路 控江路 江浦路"),
    ("310115", SHANGHAI, "浦东新区", "世纪大道 张杨路 浦东南路 陆家嘴环路 锦绣路 杨高中路"),
    ("330102", HANGZHOU, "上城区", "清泰街 望江路 解放路 延安路 庆春路"),
    ("330105", HANGZHOU, "拱墅区", "莫干山路 湖墅南路 上塘路 大关路 丽水路"),
    ("330106", HANGZHOU, "西湖区", "文三路 天目山路 教工路 西溪路 古墩路 文一路"),
    ("330108", HANGZHOU, "滨江区", "江南大道 滨盛路 网商路 长河路 江虹路"),
    ("330110", HANGZHOU, "余杭区", "文一西路 五常大道 良睦路 龙潭路"),
    ("440303", SHENZHEN, "罗湖区", "人民南路 东门中路 宝安南路 深南东路 笋岗路"),
    ("440304", SHENZHEN, "福田区", "福华一路 彩田路 深南中路 益田路 新洲路 红荔路"),
    ("440305", SHENZHEN, "南山区", "南海大道 科苑路 后海大道 深南大道 学府路 沙河西路"),
    ("440306", SHENZHEN, "宝安区", "宝安大道 新安六路 建安一路 创业一路 西乡大道"),
    ("440307", SHENZHEN, "龙岗区", "龙岗大道 龙翔大道 吉华路 清林路"),
    ("440103", GUANGZHOU, "荔湾区", "康王中路 中山八路 芳村大道中 龙津西路 黄沙大道"),
    ("440104", GUANGZHOU, "越秀区", "北京路 东风中路 环市东路 中山五路 解放北路"),
    ("440105", GUANGZHOU, "海珠区", "新港中路 江南大道中 工业大道中 昌岗中路 宝岗大道"),
    ("440106", GUANGZHOU, "天河区", "天河路 体育西路 天河北路 黄埔大道西 中山大道西 林和西路"),
    ("440111", GUANGZHOU, "白云区", "机场路 白云大道北 广园中路 云城西路"),
    ("320102", NANJING, "玄武区", "北京东路 珠江路 龙蟠路 长江路"),
    ("320104", NANJING, "秦淮区", "中山南路 太平南路 建康路 中华路"),
    ("320105", NANJING, "建邺区", "江东中路 河西大街 庐山路 集庆门大街"),
    ("320106", NANJING, "鼓楼区", "中山北路 湖南路 广州路 北京西路 汉中路"),
    ("510104", CHENGDU, "锦江区", "春熙路 东大街 红星路 督院街"),
    ("510105", CHENGDU, "青羊区", "人民中路 蜀都大道 青华路 西御街"),
    ("510106", CHENGDU, "金牛区", "金府路 蜀汉路 营门口路 交大路"),
    ("510107", CHENGDU, "武侯区", "武侯祠大街 科华北路 人民南路 玉林北路"),
    ("510108", CHENGDU, "成华区", "建设路 府青路 双林路 猛追湾街"),
    ("420102", WUHAN, "江岸区", "沿江大道 解放大道 黄浦大街 中山大道"),
    ("420106", WUHAN, "武昌区", "中北路 武珞路 中南路 友谊大道"),
    ("420111", WUHAN, "洪山区", "珞喻路 雄楚大道 民族大道"),
    ("610102", XIAN, "新城区", "解放路 长乐西路 西五路 东五路"),
    ("610104", XIAN, "莲湖区", "莲湖路 大庆路 北大街 劳动路"),
    ("610113", XIAN, "雁塔区", "小寨东路 雁塔北路 高新路 科技路"),
    ("120101", TIANJIN, "和平区", "南京路 滨江道 成都道 曲阜道"),
    ("120103", TIANJIN, "河西区", "友谊路 围堤道 解放南路 黑牛城道"),
    ("500103", CHONGQING, "渝中区", "民族路 中山三路 解放东路 人民路"),
    ("500106", CHONGQING, "沙坪坝区", "汉渝路 沙坪坝正街 小龙坎正街"),
    ("500112", CHONGQING, "渝北区", "金开大道 红锦大道 新南路"),
)

AREAS: dict[str, Area] = {code: Area(code, city, district, tuple(streets.split()))
                          for code, city, district, streets in _AREA_ROWS}


def areas_in(city: City) -> list[Area]:
    return [a for a in AREAS.values() if a.city == city]


# Province-level prefixes of GB/T 2260 (81/82/83: Hong Kong, Macao, Taiwan residence permits).
PROVINCE_PREFIXES = _ids.PROVINCE_PREFIXES

# ---------------------------------------------------------------------------------------------------
# Resident ID number, GB 11643-1999.

_ID18_RE = re.compile(r"^\d{17}[\dX]$")
_ID15_RE = re.compile(r"^\d{15}$")
EARLIEST_BIRTH = date(1900, 1, 1)


@dataclass(frozen=True, slots=True)
class ResidentId:
    area_code: str
    birth: date
    sex: str  # GB/T 2261.1: "1" male, "2" female


def resident_id_check_char(first17: str) -> str:
    return _ids.gb11643_check_char(first17)


def make_resident_id(area_code: str, birth: date, sequence: int) -> str:
    """18-character ID; `sequence` 1..999 (odd for men, even for women)."""
    if not (len(area_code) == 6 and area_code.isdigit()):
        raise ValueError("area code must be 6 digits")
    if not 1 <= sequence <= 999:
        raise ValueError("sequence must be 1..999")
    first17 = f"{area_code}{birth:%Y%m%d}{sequence:03d}"
    return first17 + resident_id_check_char(first17)


def _date_or_none(y: int, m: int, d: int) -> date | None:
    try:
        return date(y, m, d)
    except ValueError:
        return None


def parse_resident_id(value: str, *, allow_legacy: bool = False, today: date | None = None) -> ResidentId | None:
    """The parts of a valid ID number (checksum, real past birth date, known province); None otherwise."""
    if not isinstance(value, str):
        return None
    value = value.strip().upper()
    if _ID18_RE.match(value):
        if not _ids.is_resident_id(value):
            return None
        birth = _date_or_none(int(value[6:10]), int(value[10:12]), int(value[12:14]))
        seq = int(value[14:17])
    elif allow_legacy and _ID15_RE.match(value):
        birth = _date_or_none(1900 + int(value[6:8]), int(value[8:10]), int(value[10:12]))
        seq = int(value[12:15])
    else:
        return None
    if birth is None or not EARLIEST_BIRTH <= birth <= (today or date.today()):
        return None
    if value[:2] not in PROVINCE_PREFIXES:
        return None
    return ResidentId(value[:6], birth, "1" if seq % 2 else "2")


def is_valid_resident_id(value: str, *, allow_legacy: bool = False) -> bool:
    return parse_resident_id(value, allow_legacy=allow_legacy) is not None


def random_resident_id(rng: random.Random, *, area_code: str | None = None, birth: date | None = None,
                       sex: str | None = None) -> str:
    """A valid ID; sex "1"/"2" fixes the parity of the sequence number."""
    area_code = area_code or rng.choice(list(AREAS))
    if birth is None:
        birth = date.fromordinal(rng.randint(date(1945, 1, 1).toordinal(), date(2005, 12, 31).toordinal()))
    sex = sex or rng.choice("12")
    seq = rng.randrange(1, 999, 2) if sex == "1" else rng.randrange(2, 999, 2)
    return make_resident_id(area_code, birth, seq)


# ---------------------------------------------------------------------------------------------------
# Mobile numbers (11 digits, 13-19) and landlines.

MOBILE_PREFIXES = (
    "130", "131", "132", "133", "134", "135", "136", "137", "138", "139", "147", "150", "151", "152", "153",
    "155", "156", "157", "158", "159", "166", "173", "175", "176", "177", "178", "180", "181", "182", "183",
    "184", "185", "186", "187", "188", "189", "191", "193", "195", "198", "199",
)
_MOBILE_LOOSE_RE = re.compile(r"^(?:\+?86[\s-]?)?(1[3-9]\d)[\s-]?(\d{4})[\s-]?(\d{4})$")


def random_mobile(rng: random.Random) -> str:
    return rng.choice(MOBILE_PREFIXES) + f"{rng.randrange(10 ** 8):08d}"


def is_valid_mobile(value: str) -> bool:
    """Exactly 11 digits starting 13..19 (use `normalize_mobile` for written forms)."""
    return isinstance(value, str) and len(value) == 11 and _ids.is_mobile(value)


def normalize_mobile(text: str) -> str | None:
    """`138-1234-5678`, `138 1234 5678`, `+86 13812345678` -> `13812345678`; None if not a mobile."""
    m = _MOBILE_LOOSE_RE.match(text.strip()) if isinstance(text, str) else None
    return "".join(m.groups()) if m else None


_LANDLINE_RE = re.compile(r"^(0\d{2,3})-?(\d{7,8})$")


def random_landline(rng: random.Random, city: City) -> str:
    """`0571-87654321`: big-city local numbers have 8 digits (real ones start with 2-8)."""
    return f"{city.phone_code}-{rng.randint(2, 8)}{rng.randrange(10 ** 7):07d}"


def is_valid_landline(value: str) -> bool:
    return isinstance(value, str) and bool(_LANDLINE_RE.match(value)) and _ids.is_landline(value.replace("-", ""))


# ---------------------------------------------------------------------------------------------------
# Bank cards: Luhn; UnionPay cards start with 62.


@dataclass(frozen=True, slots=True)
class Bank:
    name: str  # 中国工商银行
    bin: str  # issuer prefix of its UnionPay debit card
    length: int


BANKS: tuple[Bank, ...] = (
    Bank("中国工商银行", "622202", 19),
    Bank("中国农业银行", "622848", 19),
    Bank("中国建设银行", "621700", 19),
    Bank("中国银行", "621661", 19),
    Bank("交通银行", "622262", 19),
    Bank("中国邮政储蓄银行", "622188", 19),
    Bank("招商银行", "622588", 16),
)


def luhn_check_digit(payload: str) -> str:
    """The digit that makes `payload + digit` pass the Luhn check."""
    return _ids.luhn_check_digit(payload)


def is_luhn_valid(number: str) -> bool:
    return isinstance(number, str) and number.isascii() and number.isdigit() and len(number) >= 2 and \
        luhn_check_digit(number[:-1]) == number[-1]


def is_valid_bank_card(value: str) -> bool:
    """16 to 19 digits with a valid Luhn check digit."""
    return isinstance(value, str) and _ids.is_bank_card(value)


def is_unionpay_card(value: str) -> bool:
    return is_valid_bank_card(value) and value.startswith("62")


def make_bank_card(rng: random.Random, bank: Bank) -> str:
    body = bank.bin + "".join(str(rng.randrange(10)) for _ in range(bank.length - len(bank.bin) - 1))
    return body + luhn_check_digit(body)


def random_bank_card(rng: random.Random) -> tuple[Bank, str]:
    bank = rng.choice(BANKS)
    return bank, make_bank_card(rng, bank)


# ---------------------------------------------------------------------------------------------------
# Unified social credit code, GB 32100-2015 (with its GB 11714 organisation code in positions 9-17).

USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_USCC_RE = re.compile(r"^[0-9A-HJ-NPQRTUWXY]{18}$")
_ORG_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)


def uscc_check_char(first17: str) -> str:
    return _ids.uscc_check_char(first17)


def is_valid_uscc(value: str) -> bool:
    """18 characters from the GB 32100 alphabet whose last is the right check character."""
    return isinstance(value, str) and bool(_USCC_RE.match(value)) and _ids.is_uscc(value)


def org_code_check_char(body8: str) -> str:
    """GB 11714 organisation code check character for an 8-character body (digits, capitals)."""
    if len(body8) != 8 or not all(c.isdigit() or "A" <= c <= "Z" for c in body8):
        raise ValueError("need 8 digits or capital letters")
    total = sum((int(c) if c.isdigit() else ord(c) - 55) * w for c, w in zip(body8, _ORG_WEIGHTS))
    c = 11 - total % 11
    return "X" if c == 10 else "0" if c == 11 else str(c)


def is_valid_org_code_in_uscc(value: str) -> bool:
    """True when the embedded organisation code (positions 9-17) carries its own valid check."""
    return is_valid_uscc(value) and org_code_check_char(value[8:16]) == value[16]


def random_uscc(rng: random.Random, area_code: str, *, since_reform: bool = True,
                registry: str = "9", category: str = "1") -> str:
    """A valid USCC: 9 (market regulation) + 1 (enterprise) + area + organisation code + check.

    Enterprises registered after the 2015 reform get an `MA`-series organisation code; older ones keep
    their numeric one.
    """
    if since_reform:
        letters = "0123456789ABCDEFGHJKLMNPQRTUWXY"
        body = "MA" + rng.choice("0123456789ABCDEFGH") + "".join(rng.choice(letters) for _ in range(5))
    else:
        body = str(rng.randint(1, 9)) + "".join(str(rng.randrange(10)) for _ in range(7))
    first17 = registry + category + area_code + body + org_code_check_char(body)
    return first17 + uscc_check_char(first17)


# ---------------------------------------------------------------------------------------------------
# Licence plates (GA 36) and passports.

PLATE_PROVINCES = "京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼"
_PLATE_LETTERS = "ABCDEFGHJKLMNPQRSTUVWXYZ"  # no I, O
_PLATE_RE = re.compile(
    rf"^[{PLATE_PROVINCES}][A-HJ-NP-Z]"
    r"(?:[A-HJ-NP-Z0-9]{4}[A-HJ-NP-Z0-9挂学警港澳]"  # ordinary: 5 characters
    r"|[DF][A-HJ-NP-Z0-9]\d{4}|\d{5}[DF])$"  # new-energy small / large: 6 characters
)


def random_plate(rng: random.Random, city: City, *, new_energy: bool = False) -> str:
    if new_energy:
        return city.plate_prefix + rng.choice("DF") + rng.choice(_PLATE_LETTERS[:8] + "0123456789") + \
            f"{rng.randrange(10 ** 4):04d}"
    chars = [str(rng.randrange(10)) for _ in range(5)]
    for pos in rng.sample(range(5), rng.choice((0, 1, 1, 2))):
        chars[pos] = rng.choice(_PLATE_LETTERS)
    return city.plate_prefix + "".join(chars)


def is_valid_plate(value: str) -> bool:
    return isinstance(value, str) and bool(_PLATE_RE.match(value)) and _ids.is_plate(value)


_PASSPORT_RE = re.compile(r"^(?:[EG]\d{8}|E[A-HJ-NP-Z]\d{7})$")


def random_passport(rng: random.Random) -> str:
    if rng.random() < 0.5:
        return "E" + rng.choice(_PLATE_LETTERS) + f"{rng.randrange(10 ** 7):07d}"
    return rng.choice("EG") + f"{rng.randrange(10 ** 8):08d}"


def is_valid_passport(value: str) -> bool:
    return isinstance(value, str) and bool(_PASSPORT_RE.match(value))
