"""Demo people and places: names by real surname frequencies and era-typical given names, ethnicities,
residential and office addresses in real districts and streets. Used by `data` to build the record sets.
"""

from __future__ import annotations

import random

from .identifiers import BEIJING, CHENGDU, CHONGQING, GUANGZHOU, HANGZHOU, SHANGHAI, SHENZHEN, Area

# ---------------------------------------------------------------------------------------------------
# Names.

# Surnames with weights roughly proportional to their share of the population (per 10,000).
_SURNAMES = (
    ("王", 710), ("李", 700), ("张", 660), ("刘", 520), ("陈", 460), ("杨", 310), ("黄", 210), ("赵", 200),
    ("吴", 190), ("周", 190), ("徐", 140), ("孙", 130), ("马", 120), ("朱", 120), ("胡", 110), ("郭", 110),
    ("何", 100), ("林", 95), ("高", 95), ("罗", 86), ("郑", 83), ("梁", 80), ("谢", 70), ("宋", 66),
    ("唐", 64), ("许", 62), ("韩", 60), ("邓", 58), ("冯", 57), ("曹", 55), ("彭", 54), ("曾", 53), ("肖", 52),
    ("田", 50), ("董", 49), ("潘", 47), ("袁", 47), ("蔡", 45), ("蒋", 45), ("余", 44), ("于", 43), ("杜", 42),
    ("叶", 42), ("程", 41), ("魏", 40), ("苏", 39), ("吕", 38), ("丁", 37), ("任", 36), ("卢", 35), ("姚", 35),
    ("沈", 34), ("钟", 34), ("姜", 33), ("崔", 32), ("谭", 31), ("陆", 30), ("范", 30), ("汪", 30), ("廖", 29),
    ("石", 29), ("金", 28), ("韦", 28), ("贾", 27), ("夏", 26), ("付", 26), ("方", 26), ("邹", 25), ("熊", 25),
    ("白", 24), ("孟", 24), ("秦", 23), ("邱", 23), ("侯", 22), ("江", 22), ("尹", 21), ("薛", 21), ("闫", 20),
    ("段", 20), ("雷", 20), ("龙", 18), ("黎", 18), ("史", 17), ("陶", 17), ("贺", 17), ("毛", 16), ("郝", 16),
    ("顾", 16), ("龚", 15), ("邵", 15), ("万", 14), ("覃", 14), ("武", 14), ("钱", 13), ("戴", 13), ("严", 13),
    # Compound surnames are rare in life; weighted up a little so a 300-person register holds a few.
    ("欧阳", 30), ("司马", 8), ("上官", 8), ("诸葛", 6), ("东方", 5),
)
_SURNAME_CHOICES = tuple(s for s, _ in _SURNAMES)
_SURNAME_WEIGHTS = tuple(w for _, w in _SURNAMES)
COMPOUND_SURNAMES = frozenset(s for s, _ in _SURNAMES if len(s) == 2)

# Given names typical of each birth cohort (male, female).
_GIVEN_NAMES: tuple[tuple[int, str, str], ...] = (
    (1965,
     "建国 建军 国庆 国华 志刚 志明 德华 文明 永福 长青 保国 振华 卫东 红兵 建平 和平 学军 秀山 富贵 金生 树林 德胜",
     "秀英 桂英 秀兰 玉兰 桂兰 淑珍 凤英 玉珍 秀珍 丽华 素芬 翠花 美兰 淑华 桂芳 玉梅 秀云 金凤 红英 爱华"),
    (1985,
     "伟 勇 军 斌 强 磊 涛 明 刚 辉 志强 建伟 海涛 晓东 俊杰 永刚 文斌 红军 立新 卫国 海波 建华 春雷 晓明",
     "丽 敏 静 燕 艳 娟 霞 芳 红梅 晓燕 丽娟 海燕 春燕 雪梅 美玲 晓红 丽萍 慧敏 秀梅 雪芳 小红 文静"),
    (2000,
     "磊 鹏 杰 浩 超 宇 鑫 帅 博 俊 晨 凯 浩然 子豪 家豪 宇航 天宇 文博 俊杰 志远 明轩 嘉伟 思远 一鸣",
     "婷 丹 倩 雪 琳 璐 晶 佳 婷婷 雪莹 欣然 佳怡 梦琪 思雨 雅琪 晓雪 佳琪 雨婷 心怡 紫薇 丹丹 倩倩"),
    (9999,
     "子轩 浩宇 宇轩 梓豪 俊熙 一鸣 睿 沐辰 子墨 奕辰 宇航 皓轩 梓睿 铭泽 煜祺 博文 浩然 天佑",
     "梓涵 欣怡 子涵 诗涵 雨桐 可馨 一诺 紫萱 梦瑶 思彤 语嫣 若汐 欣妍 雨萱 佳琪 梓萱 芷若 诗琪"),
)


# Characters common in two-character given names (first, second), for names beyond the cohort lists.
_NAME_CHARS = {
    "1": ("建国志文明德永振海晓俊浩宇子天思嘉家泽博立春成兴鸿瑞锦少伟正",
          "华强军明平伟杰涛峰辉斌林龙飞鹏宇航轩然豪博远东波生成勇超磊阳"),
    "2": ("秀丽美玉淑春晓雪海慧静佳雨思欣梦诗紫雅婉若文小红彩丹凤桂月",
          "英兰芳华珍梅燕红霞娟玲婷琳怡涵萱琪瑶彤雯洁颖慧敏蓉莉丹倩薇妍"),
}


def person_name(rng: random.Random, sex: str, birth_year: int) -> str:
    """A full name: surname by frequency, given name typical of the cohort or composed of name characters."""
    surname = rng.choices(_SURNAME_CHOICES, _SURNAME_WEIGHTS)[0]
    if rng.random() < 0.45:
        firsts, seconds = _NAME_CHARS["1" if sex == "1" else "2"]
        first = rng.choice(firsts)
        second = rng.choice(seconds.replace(first, ""))
        return surname + first + second
    for until, male, female in _GIVEN_NAMES:
        if birth_year <= until:
            return surname + rng.choice((male if sex == "1" else female).split())
    raise AssertionError("unreachable: the last cohort is open-ended")


# Ethnic groups (GB 3304 names) with rough population shares (per 1,000).
_ETHNIC = (("汉族", 914), ("壮族", 14), ("回族", 8), ("满族", 8), ("维吾尔族", 8), ("苗族", 8), ("彝族", 7),
           ("土家族", 7), ("藏族", 5), ("蒙古族", 5), ("侗族", 3), ("布依族", 3), ("瑶族", 2), ("白族", 2),
           ("朝鲜族", 2))


def _ethnicity(rng: random.Random) -> str:
    return rng.choices([e for e, _ in _ETHNIC], [w for _, w in _ETHNIC])[0]


# ---------------------------------------------------------------------------------------------------
# Addresses, written the way each city writes them.

_ESTATE_HEADS = "海月 翠竹 锦绣 阳光 碧海 金域 万科 桃源 丽景 御景 星河 书香 滨海 绿景".split()
_ESTATE_TAILS = "花园 名苑 家园 雅居 新村 华庭".split()
_TOWER_HEADS = "东方 华润 国际 金融 数字 创业 科技 世贸 环球 中环 未来 信息".split()
_TOWER_TAILS = ("大厦", "中心", "广场", "商务楼")


def residential_address(rng: random.Random, area: Area) -> str:
    """北京市朝阳区建国路88号院3号楼2单元1101室 / 上海市徐汇区漕溪北路595弄12号1502室 / ..."""
    street = rng.choice(area.streets)
    n = rng.randint(1, 999)
    building = rng.randint(1, 24)
    unit = rng.randint(1, 6)
    floor = rng.randint(1, 28)
    room = rng.randint(1, 4)
    city = area.city
    if city == BEIJING:
        rest = f"{street}{n}号院{building}号楼{unit}单元{floor}{room:02d}室"
    elif city == SHANGHAI:
        rest = f"{street}{n}弄{building}号{floor}{room:02d}室"
    elif city == HANGZHOU:
        rest = f"{street}{n}号{building}幢{unit}单元{floor}{room:02d}室"
    elif city == SHENZHEN:
        estate = rng.choice(_ESTATE_HEADS) + rng.choice(_ESTATE_TAILS)
        rest = f"{street}{n}号{estate}{building}栋{'ABCD'[unit % 4]}座{floor}{room:02d}"
    elif city == GUANGZHOU:
        rest = f"{street}{n}号{building}栋{floor}{room:02d}房"
    elif city == CHENGDU:
        rest = f"{street}{n}号{building}栋{unit}单元{floor}楼{room}号"
    elif city == CHONGQING:
        rest = f"{street}{n}号{building}栋{floor}-{room}"
    else:
        rest = f"{street}{n}号{building}栋{unit}单元{floor}{room:02d}室"
    return area.full_name + rest


def office_address(rng: random.Random, area: Area) -> str:
    """浙江省杭州市西湖区文三路259号东方科技大厦12层1203室."""
    tower = rng.choice(_TOWER_HEADS) + rng.choice(_TOWER_TAILS)
    floor = rng.randint(2, 32)
    street, number, room = rng.choice(area.streets), rng.randint(1, 999), rng.randint(1, 20)
    return f"{area.full_name}{street}{number}号{tower}{floor}层{floor}{room:02d}室"


def _district_stem(district: str) -> str:
    """西湖区 -> 西湖, 浦东新区 -> 浦东 (as in 西湖支行, 浦东分局)."""
    return district.removesuffix("新区") if district.endswith("新区") else district.removesuffix("区")
