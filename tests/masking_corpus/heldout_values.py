"""Value makers for the held-out masking corpus (heldout.py): valid identifiers (GB 11643 via python-stdnum,
USCC, Luhn, VIN per ISO 3779), names, addresses from our own lists of real places across China, organisations,
controls (checksum-failing digit runs, case and order numbers, user agents, public amounts) and the spellings
departments write them in. Written blind: nothing here is taken from gateway/masking or generate.py.
"""

from __future__ import annotations

import random
import re
from datetime import date, datetime, timedelta
from importlib import resources

from faker import Faker
from stdnum import luhn
from stdnum.cn import ric, uscc

FW = {c: chr(ord(c) + 0xFEE0) for c in map(chr, range(0x21, 0x7F))} | {" ": "\u3000"}


def fullwidth(s: str) -> str:
    return "".join(FW.get(c, c) for c in s)


def gb11643_check(body17: str) -> str:
    return ric.calc_check_digit(body17 + "0")


VIN_VALUES = {**{str(d): d for d in range(10)}, **dict(zip("ABCDEFGH", range(1, 9))),
              **dict(zip("JKLMN", range(1, 6))), "P": 7, "R": 9, **dict(zip("STUVWXYZ", range(2, 10)))}
VIN_WEIGHTS = (8, 7, 6, 5, 4, 3, 2, 10, 0, 9, 8, 7, 6, 5, 4, 3, 2)


def plausible_identifier(run: str) -> bool:
    """A digit run a checksum-aware detector could rightly take for an ID number, a bank card or an IMEI."""
    if not run.isdigit():
        return False
    return (len(run) == 18 and gb11643_check(run[:17]) == run[17]) or (15 <= len(run) <= 19 and luhn.is_valid(run))


def vin_check(vin: str) -> str:
    total = sum(VIN_VALUES[c] * w for c, w in zip(vin, VIN_WEIGHTS))
    return "X" if total % 11 == 10 else str(total % 11)


def _area_codes() -> list[str]:
    """County-level codes still in force, from python-stdnum's copy of the division code table."""
    codes, prov, city = [], "", ""
    text = resources.files("stdnum").joinpath("cn/loc.dat").read_text(encoding="utf-8")
    for line in text.splitlines():
        if line.startswith("#") or not line.strip():
            continue
        head = line.split()[0]
        if not line.startswith(" "):
            prov = head
        elif len(head) == 4 and 'county="[' in line and '-]' in line and not head.endswith("00"):
            codes.append(prov + head)
    return codes


AREAS = _area_codes()
SURNAMES = list("王李张刘陈杨黄赵周吴徐孙朱马胡郭何林罗高郑梁谢宋唐许韩冯邓曹彭曾萧田董潘袁蔡蒋余杜叶程魏苏吕丁任沈姚卢钟"
                "姜崔谭陆范廖石贾韦夏付方邹熊白孟秦邱侯江尹薛闫段雷龙黎史陶贺毛郝顾龚邵万覃武戴孔汤庞樊兰殷施严牛温"
                "芦季俞章鲁葛伍申尤毕聂焦向柳邢岳齐梅莫庄辛管祝左涂谷祁时舒耿牟卜路詹关苗凌费纪靳盛童欧甄项曲成游阳"
                "裴席卫查屈鲍位霍翁隋植甘景薄单包司柏宁柯阮桂闵解强柴华车冉房边")
COMPOUND = ["欧阳", "司马", "上官", "诸葛", "皇甫", "慕容", "令狐", "东方", "尉迟", "长孙", "端木", "公孙", "夏侯", "澹台"]
GIVEN = ("建国 志强 秀兰 桂英 玉兰 国华 海燕 春梅 晓东 文杰 子轩 欣怡 浩然 雨桐 梓涵 宇航 俊杰 佳琪 思远 明辉 红霞 丽娟 建军 德胜 "
         "永福 金花 成林 树森 冬梅 淑珍 凤英 志华 晓燕 立新 振宇 婷婷 一鸣 若曦 嘉怡 泽宇 诗涵 铭轩 昊天 雅琴 秋菊 春生 长庚 "
         "兴旺 满仓 翠兰 素芬 慧敏 家豪 锦程 芷若 晨阳 伟 芳 娜 敏 静 磊 洋 勇 艳 杰 涛 超 霞 刚 辉 鑫 琳 斌 蕾 楠 萍 "
         "婧 昕 彤 瑶 琦 璐 颖 倩 峥 骁 皓").split()
MINORITY = ["扎西多吉", "次仁卓玛", "格桑德吉", "旦增平措", "普布次仁", "央金拉姆", "洛桑丹增", "尼玛措姆", "买买提·吐尔逊",
            "阿依古丽·艾买提", "艾尔肯·阿不都拉", "古丽娜尔·吐尔洪", "热依拉·买合木提", "巴特尔", "乌云其木格", "其其格",
            "额尔敦巴雅尔", "阿西木呷", "吉克阿依", "韩玛尔燕", "马哈三", "努尔兰·哈力木"]
PY_SUR = ("Zhang Wang Li Liu Chen Yang Huang Zhao Zhou Wu Xu Sun Zhu Hu Guo Lin Luo Gao Zheng Liang Xie Song Tang Han "
          "Deng").split()
PY_SUR += ["Ouyang", "Situ", "Zhuge", "Shangguan"]
PY_GIVEN = ("Wei Fang Jing Xiuying Min Jun Lei Yong Yan Jie Tao Ming Chao Xia Ping Gang Hui Jian Hong Yuxuan Zihan "
            "Haoran "
            "Xinyi Zhiqiang Guohua Chunmei Xiaodong Jiahao Shuang Yutong Mingzhe Lihua Qiang").split()
FOREIGN = ["John Michael Smith", "Emily Carter", "David Miller", "Olga Petrova", "Tanaka Hiroshi", "Kim Minjun",
           "Nguyen Van An", "Maria Garcia Lopez", "Ahmed Hassan", "Sophie Martin", "Lukas Schneider", "Aisha Khan",
           "Park Jiyeon", "Somchai Srisuk", "Bolat Nurlanov"]
NATIONS = [("USA", "840"), ("JPN", "392"), ("KOR", "410"), ("DEU", "276"), ("FRA", "250"), ("GBR", "826"),
           ("RUS", "643"), ("CAN", "124"), ("AUS", "036"), ("PAK", "586"), ("VNM", "704"), ("KAZ", "398"),
           ("MNG", "496")]
# Our own list of real county-level places with a real township in each (province, city/prefecture, county, township).
RURAL = [
    ("西藏自治区", "日喀则市", "桑珠孜区", "江当乡"), ("西藏自治区", "山南市", "乃东区", "昌珠镇"),
    ("西藏自治区", "林芝市", "巴宜区", "八一镇"), ("西藏自治区", "昌都市", "卡若区", "俄洛镇"),
    ("青海省", "海东市", "互助土族自治县", "威远镇"), ("青海省", "海北藏族自治州", "门源回族自治县", "浩门镇"),
    ("青海省", "西宁市", "湟中区", "鲁沙尔镇"), ("青海省", "果洛藏族自治州", "玛沁县", "大武镇"),
    ("宁夏回族自治区", "吴忠市", "同心县", "豫海镇"), ("宁夏回族自治区", "固原市", "西吉县", "吉强镇"),
    ("宁夏回族自治区", "中卫市", "沙坡头区", "宣和镇"), ("宁夏回族自治区", "银川市", "永宁县", "望洪镇"),
    ("新疆维吾尔自治区", "喀什地区", "疏附县", "托克扎克镇"), ("新疆维吾尔自治区", "伊犁哈萨克自治州", "伊宁县", "吉里于孜镇"),
    ("新疆维吾尔自治区", "阿克苏地区", "库车市", "乌恰镇"), ("新疆维吾尔自治区", "昌吉回族自治州", "玛纳斯县", "乐土驿镇"),
    ("内蒙古自治区", "锡林郭勒盟", "正蓝旗", "上都镇"), ("内蒙古自治区", "鄂尔多斯市", "伊金霍洛旗", "阿勒腾席热镇"),
    ("广西壮族自治区", "河池市", "巴马瑶族自治县", "甲篆镇"), ("广西壮族自治区", "桂林市", "龙胜各族自治县", "龙脊镇"),
    ("云南省", "怒江傈僳族自治州", "贡山独龙族怒族自治县", "独龙江乡"), ("云南省", "西双版纳傣族自治州", "勐腊县", "勐仑镇"),
    ("云南省", "红河哈尼族彝族自治州", "元阳县", "新街镇"), ("贵州省", "黔东南苗族侗族自治州", "雷山县", "西江镇"),
    ("贵州省", "黔南布依族苗族自治州", "荔波县", "朝阳镇"), ("四川省", "甘孜藏族自治州", "理塘县", "高城镇"),
    ("四川省", "凉山彝族自治州", "昭觉县", "四开乡"), ("甘肃省", "甘南藏族自治州", "夏河县", "拉卜楞镇"),
    ("甘肃省", "临夏回族自治州", "东乡族自治县", "锁南镇"), ("吉林省", "延边朝鲜族自治州", "龙井市", "东盛涌镇"),
    ("黑龙江省", "黑河市", "逊克县", "奇克镇"), ("湖南省", "湘西土家族苗族自治州", "花垣县", "双龙镇"),
    ("湖北省", "恩施土家族苗族自治州", "利川市", "谋道镇"), ("海南省", "琼中黎族苗族自治县", "", "营根镇"),
    ("安徽省", "六安市", "金寨县", "花石乡"), ("陕西省", "延安市", "延川县", "文安驿镇"),
    ("浙江省", "丽水市", "景宁畲族自治县", "鹤溪街道"), ("江西省", "赣州市", "寻乌县", "澄江镇"),
    ("山西省", "吕梁市", "临县", "碛口镇"), ("河北省", "保定市", "阜平县", "龙泉关镇"),
]
VILLAGE = ("团结 红星 新民 建设 上河 石门 杨家坪 马场 沙窝 东风 下庄 河湾 柳树沟 红旗 双河 新光 黄土坡 羊圈湾 平安 "
           "中坝 骆驼湾 大湾 十八洞 梁家河 松林 塔尔").split()
URBAN = [("西藏自治区拉萨市城关区", ["北京中路", "江苏路", "金珠西路", "林廓北路"]),
         ("青海省西宁市城西区", ["五四大街", "西关大街", "胜利路"]), ("宁夏回族自治区银川市兴庆区", ["解放东街", "文化西街", "湖滨西街"]),
         ("新疆维吾尔自治区乌鲁木齐市天山区", ["解放南路", "中山路", "新华北路"]),
         ("新疆维吾尔自治区克拉玛依市克拉玛依区", ["准噶尔路", "友谊路"]), ("内蒙古自治区呼和浩特市新城区", ["新华大街", "兴安北路"]),
         ("甘肃省嘉峪关市", ["新华中路", "雄关东路"]), ("黑龙江省鹤岗市工农区", ["红旗路", "新华路"]),
         ("吉林省白山市浑江区", ["浑江大街", "民中街"]), ("辽宁省丹东市振兴区", ["锦山大街", "青年大街"]),
         ("海南省五指山市", ["三月三大道", "商贸路"]), ("广西壮族自治区防城港市东兴市", ["北仑大道", "兴华路"]),
         ("云南省德宏傣族景颇族自治州瑞丽市", ["姐告路", "勐卯路"]), ("山东省淄博市张店区", ["柳泉路", "华光路"]),
         ("江苏省南京市鼓楼区", ["中山北路", "湖南路"]), ("广东省广州市天河区", ["天河北路", "体育西路"]),
         ("浙江省杭州市西湖区", ["文三路", "天目山路"]), ("四川省成都市武侯区", ["人民南路四段", "科华北路"])]
SHORT = {"黑龙江省": "黑龙江", "内蒙古自治区": "内蒙古"}
COMPANY_WORDS = "三江源 塞上牧歌 天山雪 昆仑 格桑花 贺兰山 河套 瀚海 雪域 祁连 高原明珠 草原兴发".split()
TRADES = ["畜牧发展", "农业科技", "商贸", "建筑工程", "物流", "文化旅游", "食品", "新能源科技"]
CROPS = ["枸杞种植", "青稞种植", "牦牛养殖", "蔬菜种植", "中药材种植", "马铃薯种植"]
UAS = ["Mozilla/5.0 (Linux; Android 13; V2227A Build/TP1A.220624.014; wv) AppleWebKit/537.36 (KHTML, like Gecko) "
       "Version/4.0 Chrome/116.0.0.0 Mobile Safari/537.36 XWEB/1160065 MMWEBSDK/20231002 "
       "MicroMessenger/8.0.43.2480(0x28002B37) "
       "WeChat/arm64 Weixin NetType/WIFI Language/zh_CN ABI/arm64",
       "Mozilla/5.0 (iPhone; CPU iPhone OS 17_1_2 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
       "Mobile/15E148 "
       "AlipayClient/10.5.36.6000 Language/zh-Hans",
       "Mozilla/5.0 (Windows NT 6.1; WOW64; Trident/7.0; rv:11.0) like Gecko",
       "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/109.0.5414.120 Safari/537.36 "
       "UOS Professional", "okhttp/4.9.3", "Apache-HttpClient/4.5.13 (Java/1.8.0_292)", "python-requests/2.31.0",
       "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) "
       "DingTalk(7.0.40-macOS)"]
MOBILE_PREFIX = [str(p) for p in (*range(130, 140), 145, 147, 150, 151, 152, 153, 155, 156, 157, 158, 159, 166, 172,
                                  173, 175, 176, 177, 178, *range(180, 190), 191, 193, 195, 198, 199)]
AREA_PHONE = [("010", 8), ("021", 8), ("022", 8), ("028", 8), ("0891", 7), ("0892", 7), ("0971", 7), ("0951", 7),
              ("0991", 7), ("0998", 7), ("0471", 7), ("0931", 7), ("0898", 8), ("0851", 8), ("0871", 8), ("0771", 7)]
BINS = ["622202", "622848", "621700", "622588", "621226", "623668", "622700", "621483", "436742", "621799"]
VIN_WMI = ["LSV", "LFV", "LGB", "LVS", "LBV", "LGX", "LRW", "LSG", "LHG", "LVG", "LDC", "LNB", "L6T"]
PLATE_PROV = "京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼"
PLATE_LETTERS = "ABCDEFGHJKLMNPQRSTUVWXYZ"
EMAIL_DOMAINS = ["qq.com", "163.com", "126.com", "sina.com", "foxmail.com", "139.com", "outlook.com", "yeah.net"]
COURT_CODES = ["藏0102", "青0104", "宁0104", "新0102", "蒙0102", "桂1227", "云2528", "黔2634", "甘3001"]
CASE_KINDS = ["民初", "民终", "行初", "刑初", "执", "执恢", "民特"]
DOC_PREFIX = ["藏政办发", "青人社厅发", "宁民发", "新市监规", "蒙卫健发", "甘医保发", "黔交运", "桂税发"]


class Values:
    """Every maker draws from one seeded Random, so a corpus is a pure function of its seed."""

    def __init__(self, seed: int):
        self.rng = random.Random(seed)
        self.fake = Faker("zh_CN")
        self.fake.seed_instance(seed ^ 0x5EED)

    def digits(self, n: int) -> str:
        return "".join(self.rng.choice("0123456789") for _ in range(n))

    def birth(self, lo: int = 1940, hi: int = 2008) -> date:
        return date(lo, 1, 1) + timedelta(days=self.rng.randrange((date(hi, 12, 31) - date(lo, 1, 1)).days))

    # ---- identifiers (all valid) -------------------------------------------------------------
    def id18(self) -> str:
        while True:
            body = self.rng.choice(AREAS) + self.birth().strftime("%Y%m%d") + self.digits(3)
            number = body + gb11643_check(body)
            if ric.is_valid(number):
                return number

    def id15(self) -> str:
        return self.rng.choice(AREAS) + self.birth(1930, 1980).strftime("%y%m%d") + self.digits(3)

    def hmt_residence(self) -> str:
        prefix = self.rng.choice(["810000", "820000", "830000"])
        body = prefix + self.birth(1950, 2005).strftime("%Y%m%d") + self.digits(3)
        return body + gb11643_check(body)

    def foreign_pr(self) -> str:
        alpha, num = self.rng.choice(NATIONS)
        if self.rng.random() < 0.3:  # the pre-2023 form: nationality letters, province, birth date, sequence
            province = self.rng.choice(["11", "31", "44", "53", "65"])
            return alpha + province + self.birth(1950, 2000).strftime("%y%m%d") + self.digits(4)
        body = "9" + self.rng.choice(["11", "31", "44", "53", "54", "63", "64", "65"]) + num + \
            self.birth(1950, 2005).strftime("%Y%m%d") + self.digits(3)
        return body + gb11643_check(body)

    def travel_permit(self) -> tuple[str, str]:
        kind = self.rng.choice(["hx", "hx", "tb", "gatx"])
        if kind == "hx":
            return kind, self.rng.choice("HM") + self.digits(self.rng.choice([8, 8, 10]))
        if kind == "tb":
            return kind, self.digits(8)
        if self.rng.random() < 0.5:
            return kind, "C" + self.digits(8)
        return kind, "C" + self.rng.choice(PLATE_LETTERS) + self.digits(7)

    def passport(self) -> str:
        r = self.rng.random()
        if r < 0.5:
            return "E" + self.digits(8)
        if r < 0.8:
            return "E" + self.rng.choice(PLATE_LETTERS) + self.digits(7)
        return "G" + self.digits(8)

    def ss_card(self) -> str:
        return self.rng.choice("ABCDEFGHJKLM") + self.digits(8)

    def mobile(self) -> str:
        return self.rng.choice(MOBILE_PREFIX) + self.digits(8)

    def landline(self) -> tuple[str, str]:
        area, n = self.rng.choice(AREA_PHONE)
        return area, self.rng.choice("2345678") + self.digits(n - 1)

    def bank_card(self) -> str:
        body = self.rng.choice(BINS) + self.digits(self.rng.choice([9, 12]))
        return body + luhn.calc_check_digit(body)

    def vin(self) -> str:
        alnum = "0123456789ABCDEFGHJKLMNPRSTUVWXYZ"
        head = self.rng.choice(VIN_WMI) + "".join(self.rng.choice(alnum) for _ in range(5))
        tail = self.rng.choice("HJKLMNPR") + self.rng.choice(alnum) + self.digits(6)
        return head + vin_check(head + "0" + tail) + tail

    def plate(self) -> str:
        head = self.rng.choice(PLATE_PROV) + self.rng.choice(PLATE_LETTERS[:12])
        r = self.rng.random()
        if r < 0.25:
            return head + self.rng.choice("DF") + self.rng.choice(PLATE_LETTERS + "0123456789") + self.digits(4)
        if r < 0.35:
            return head + self.digits(5) + self.rng.choice("DF")
        tail = list(self.digits(5))
        for i in self.rng.sample(range(5), self.rng.choice([0, 0, 1, 2])):
            tail[i] = self.rng.choice(PLATE_LETTERS)
        return head + "".join(tail)

    def ipv4(self) -> str:
        return f"{self.rng.choice([36, 39, 42, 58, 101, 112, 117, 120, 183, 220, 223])}." + \
            ".".join(str(self.rng.randrange(1, 255)) for _ in range(3))

    def ipv6(self) -> str:
        groups = [self.rng.choice(["240e", "2409", "2408", "2400"]), f"{self.rng.randrange(0x100, 0xfff):x}"] + \
            [f"{self.rng.randrange(0, 0xffff):x}" for _ in range(6)]
        if self.rng.random() < 0.5:
            return ":".join(groups[:3]) + "::" + ":".join(groups[6:])
        return ":".join(groups)

    def mac(self) -> str:
        parts = [f"{self.rng.randrange(256):02X}" for _ in range(6)]
        style = self.rng.random()
        if style < 0.4:
            return "-".join(parts)
        if style < 0.8:
            return ":".join(parts).lower()
        raw = "".join(parts).lower()
        return ".".join(raw[i:i + 4] for i in (0, 4, 8))

    def email(self, pinyin: str | None = None) -> str:
        local = (pinyin or self.rng.choice(PY_SUR)).lower().replace(" ", "") + self.digits(self.rng.choice([2, 3, 4]))
        if self.rng.random() < 0.3:
            return str(self.rng.randrange(10**7, 10**10)) + "@qq.com"
        return local + "@" + self.rng.choice(EMAIL_DOMAINS)

    # ---- people and places ---------------------------------------------------------------------
    def name(self, harsh: bool = False) -> str:
        r = self.rng.random()
        if harsh and r < 0.15:
            n = self.rng.choice(MINORITY)
            return n.replace("·", self.rng.choice(["·", "·", "•"]))
        if r < 0.35:
            return self.fake.name()
        sur = self.rng.choice(COMPOUND) if self.rng.random() < 0.08 else self.rng.choice(SURNAMES)
        return sur + self.rng.choice(GIVEN)

    def pinyin_name(self) -> str:
        sur, given = self.rng.choice(PY_SUR), self.rng.choice(PY_GIVEN)
        return self.rng.choice([f"{sur} {given}", f"{sur.upper()} {given.upper()}", f"{given} {sur}",
                                f"{sur.upper()}/{given.upper()}", f"{sur}, {given}"])

    def foreign_name(self) -> str:
        n = self.rng.choice(FOREIGN)
        return n.upper() if self.rng.random() < 0.3 else n

    def rural(self) -> str:
        prov, city, county, town = self.rng.choice(RURAL)
        village = self.rng.choice(VILLAGE) + "村"
        tail = self.rng.choice([f"{self.rng.randrange(1, 12)}组", f"{'一二三四五六七八'[self.rng.randrange(8)]}组",
                                f"{self.rng.randrange(1, 12)}组{self.rng.randrange(1, 80)}号",
                                f"{self.rng.randrange(1, 120)}号"])
        if self.rng.random() < 0.3:
            prov = ""
        return prov + city + county + town + village + tail

    def urban(self) -> str:
        district, roads = self.rng.choice(URBAN)
        n = self.rng.randrange(1, 400)
        r = self.rng.randrange
        tail = self.rng.choice([f"{n}号", f"{n}号{r(1, 30)}栋{r(1, 6)}单元{r(1, 28)}0{r(1, 5)}室",
                                f"{n}号院{self.rng.randrange(1, 12)}号楼{self.rng.randrange(101, 2402)}室",
                                f"{n}号{r(1, 20)}-{r(1, 6)}-{r(101, 1802)}"])
        return district + self.rng.choice(roads) + tail

    def address(self) -> str:
        return self.rural() if self.rng.random() < 0.5 else self.urban()

    # ---- controls ------------------------------------------------------------------------------
    def org(self, kind: str = "any") -> str:
        """An organisation; kind narrows it to a company, tax office, market regulator, registration centre or
        hospital."""
        prov, city, county, town = self.rng.choice(RURAL)
        local = county or city
        company = self.rng.choice(COMPANY_WORDS) + self.rng.choice(TRADES)
        pools = {
            "company": [f"{SHORT.get(prov, prov[:2])}{company}有限公司", f"{city}{company}有限责任公司",
                        f"{county}{town}{self.rng.choice(CROPS)}专业合作社"],
            "tax": [f"国家税务总局{city}{local}税务局", f"国家税务总局{city}税务局"],
            "market": [f"{city}市场监督管理局", f"{local}市场监督管理局"],
            "bdc": [f"{city}不动产登记中心", f"{local}不动产登记中心"],
            "hospital": [f"{local}人民医院", f"{county}{town}中心卫生院", f"{city}妇幼保健院"],
            "any": [f"{self.rng.choice(URBAN)[0]}人民法院", f"{prov}{city}中级人民法院", f"{local}{town}人民政府",
                    f"{local}公安局{town.rstrip('镇乡')}派出所", f"{local}人民医院", f"{county}{town}中心卫生院",
                    f"{town}{self.rng.choice(VILLAGE)}村村民委员会", f"{city}人力资源和社会保障局", f"{local}医疗保障局",
                    f"{city}公安局交通警察支队", f"{local}民政局", f"{local}第一中学"],
        }
        if kind == "any":
            kind = self.rng.choice(["any", "any", "any", "company", "tax", "market", "bdc"])
        return self.rng.choice(pools[kind])

    def uscc(self) -> str:
        org = self.digits(8)
        c9 = 11 - sum(int(d) * w for d, w in zip(org, (3, 7, 9, 10, 5, 8, 4, 2))) % 11
        kind = self.rng.choice(["91", "92", "93", "52", "12"])
        body = kind + self.rng.choice(AREAS) + org + {10: "X", 11: "0"}.get(c9, str(c9))
        number = body + uscc.calc_check_digit(body + "0")
        return self.uscc() if plausible_identifier(number) else number

    def bad18(self) -> str:
        """An 18-digit business serial number (area + date + sequence) that passes neither GB 11643 nor Luhn."""
        while True:
            if self.rng.random() < 0.5:
                n = self.rng.choice(AREAS) + self.birth(2015, 2025).strftime("%Y%m%d") + self.digits(4)
            else:
                body = self.rng.choice(AREAS) + self.birth().strftime("%Y%m%d") + self.digits(3)
                n = body + self.rng.choice([d for d in "0123456789" if d != gb11643_check(body)])
            if not plausible_identifier(n):
                return n

    def when(self) -> datetime:
        return datetime(2019, 1, 1) + timedelta(seconds=self.rng.randrange(6 * 365 * 86400))

    def date_ctl(self) -> str:
        d = self.when()
        return self.rng.choice([d.strftime("%Y-%m-%d"), d.strftime("%Y-%m-%d %H:%M:%S"), f"{d.year}年{d.month}月{d.day}日",
                                d.strftime("%Y/%m/%d %H:%M")])

    def case_no(self) -> str:
        """Case, document, police, work-order and payment numbers; no digit run in them passes GB 11643 or Luhn."""
        while True:
            n = self._case_no()
            if not any(plausible_identifier(run) for run in re.findall(r"\d+", n)):
                return n

    def _case_no(self) -> str:
        y = self.rng.randrange(2019, 2026)
        return self.rng.choice([
            f"（{y}）{self.rng.choice(COURT_CODES)}{self.rng.choice(CASE_KINDS)}{self.rng.randrange(1, 9999)}号",
            f"{self.rng.choice(DOC_PREFIX)}〔{y}〕{self.rng.randrange(1, 200)}号",
            f"A{self.rng.choice(AREAS)}{self.digits(6)}{y}{self.digits(6)}",
            f"GD-{y}-{self.digits(6)}-{self.digits(4)}", f"ZF{y}{self.digits(14)}",
            f"SL{self.digits(6)}{y}{self.digits(5)}"])

    def public_amount(self, kind: str) -> str:
        """Amounts departments publish by rule: registered capital, subsidies announced in public, fines in penalty
        notices."""
        if kind == "zczb":
            return f"{self.rng.choice([50, 100, 200, 300, 500, 1000, 3000])}万元人民币"
        if kind == "btje":
            return f"{self.rng.randrange(80, 3000)}.{self.rng.choice(['00', '50', '26', '80'])}元"
        return f"罚款人民币{self.rng.choice(['贰仟', '伍仟', '壹万', '叁万'])}元整"

    def ua(self) -> str:
        return self.rng.choice(UAS)
