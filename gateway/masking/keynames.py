"""Key names → entity hints: what a JSON key says about the value under it.

Departments spell keys in pinyin initials (`xm` 姓名, `sfzh` 身份证号), in English (`name`, `idCard`)
or in Chinese (`姓名`, `身份证号码`). A key is normalised (lower case; `_`, `-`, `.` and spaces
dropped: `id_card`, `ID-Card` and `idCard` are one key) and looked up:

1. exactly, in KEY_ENTITIES;
2. by suffix, for compound keys such as `sqrxm` (申请人姓名), `lxrsjhm` (联系人手机号码), `hjdz`
   (户籍地址), `applicantName`: the longest known suffix of at least SUFFIX_MIN characters, plus the
   short pinyin suffixes in SHORT_SUFFIXES;
3. for keys with Chinese characters, by the Chinese words they contain (`申请人联系电话`).

`FREE_TEXT` marks remark-like keys (`bz` 备注, `remark`, `description`) whose values are sentences to
scan. ENTITY_CONTEXT_WORD gives, per hinted entity, the context word the detector hands to presidio's
context enhancer; each is chosen to contain a context word of that entity's recognizer only.
"""

from __future__ import annotations

import re
from functools import lru_cache

FREE_TEXT = "FREE_TEXT"

_PERSON = "PERSON"
_ID = "CN_ID_CARD"
_MOBILE = "CN_MOBILE"
_LANDLINE = "CN_LANDLINE"
_BANK = "CN_BANK_CARD"
_USCC = "CN_USCC"
_PASSPORT = "CN_PASSPORT"
_PLATE = "CN_LICENSE_PLATE"
_EMAIL = "EMAIL_ADDRESS"
_IP = "IP_ADDRESS"
_ADDRESS = "CN_ADDRESS"
_SECRET = "TRADE_SECRET"
_BIRTH = "DATE_OF_BIRTH"
_VIN = "CN_VIN"


def _keys(entity: str, *names: str) -> dict[str, str]:
    return {name: entity for name in names}


KEY_ENTITIES: dict[str, str] = {
    **_keys(_PERSON, "xm", "xingming", "name", "fullname", "realname", "truename", "personname",
            "applicantname", "contactname", "contactsname", "ownername", "holdername", "payeename",
            "cardholdername", "legalperson", "legalrepresentative", "fddbr", "fddbrxm", "sqr", "jbr",
            "lxr", "hzxm", "frxm", "applicant", "applicantxm",
            # 权利人/义务人/负责人/法人/户主/持卡人/驾驶人/当事人/监护人… in pinyin initials and full pinyin
            "qlr", "qlrmc", "qlrxm", "ywr", "ywrmc", "fzr", "fzrxm", "fr", "frdb", "fddbrmc", "hz", "hzmc", "ckr",
            "ckrxm", "jsr", "jsrxm", "jsy", "dsr", "dsrxm", "jhr", "jhrxm", "dlr", "dlrxm", "bsqr", "bsqrxm",
            "sqrmc", "cyxm", "jtcyxm", "lxrxm", "jbrxm", "xingmingpinyin", "lianxiren", "fuzeren", "farendaibiao",
            "shenqingren", "huzhu",
            # 所有人/机动车所有人/共有人/办税员/办税人/收件人/参保人/英文姓名/外文姓名/拼音姓名/配偶姓名…; a login's
            # userName holding a person's name
            "syr", "syrxm", "syrmc", "jdcsyr", "jdcsyrxm", "gyr", "gyrxm", "gyrmc", "bsy", "bsyxm", "bsr", "bsrxm",
            "sjr", "sjrxm", "cbr", "cbrxm", "ywxm", "wwxm", "pyxm", "brxm", "xmpy", "zwxm", "lxrmc", "dlrmc",
            "sqrxm", "bjr", "jbrmc", "fzrmc", "slr", "slrxm", "shr", "shrxm", "poxm", "username",
            # English
            "legalrep", "legalrepname", "legalrepresentativename", "legalpersonname", "firstname", "lastname",
            "surname", "givenname", "familyname", "middlename", "englishname", "pinyinname", "namepinyin",
            "nameen", "nameinpinyin", "contactperson", "linkman", "linkperson", "contact", "holder", "owner",
            "driver", "drivername", "patientname", "studentname", "employeename", "staffname", "membername",
            "residentname", "householder", "householdername", "guardianname", "agentname", "handlername",
            "operatorname", "recipientname", "beneficiaryname", "personincharge", "principal", "spousename",
            "fathername", "mothername", "customername", "clientname", "insuredname", "debtorname",
            "creditorname", "witnessname", "victimname", "suspectname", "partyname", "obligee", "obligor",
            "userrealname", "namecn", "chinesename", "foreignname",
            "contactpersonname", "legalpersonrep", "taxofficer", "registrant", "vehicleowner", "coowner",
            "recipient", "addressee", "insured", "querytarget", "queriedperson"),
    **_keys(_ID, "sfzh", "sfzhm", "sfzjhm", "zjhm", "gmsfhm", "shenfenzheng", "sfz", "idcard", "idcardno",
            "idcardnumber", "idno", "idnumber", "identitycard", "identitycardno", "identityno",
            "citizenid", "residentid", "certno", "certificateno",
            "zjh", "sfzjh", "gmsfzh", "qlrzjh", "qlrzjhm", "fzrsfzh", "frsfzh", "hzsfzh", "sbkh",
            "shbzh", "shbzhm", "ybkh", "yibaokahao", "shebaokahao", "ssn", "socialsecurityno",
            "socialsecuritynumber", "medicalinsuranceno", "idcode", "identificationnumber", "credentialno",
            "credentialnumber", "papersno", "paperno", "documentno", "idcardnum", "permanentresidenceno",
            "residencepermitno", "yjjlzh"),
    **_keys(_MOBILE, "sjhm", "sjh", "shouji", "shoujihao", "lxdh", "lxfs", "lxrdh", "dh", "dhhm",
            "mobile", "mobileno", "mobilephone", "mobilenumber", "cellphone", "phone", "phoneno",
            "phonenumber", "tel", "telephone", "contactphone", "contacttel",
            "sjh", "yddh", "lxsj", "lxrsj", "lxrdh", "fzrdh", "frdh", "hzdh", "sqrdh", "jbrdh", "qlrdh",
            "cellphoneno", "mobiletel", "phonenum", "mobilenum", "telno", "linktel", "linkphone", "smsphone",
            "contactnumber", "contactmobile", "emergencyphone", "emergencycontactphone"),
    **_keys(_LANDLINE, "gddh", "bgdh", "landline", "fax", "czhm", "officephone", "hometel", "zzdh", "jtdh",
            "officetel", "faxno", "faxnumber", "worktel", "workphone", "homephone", "zuoji"),
    **_keys(_BANK, "yhkh", "yhzh", "khzh", "yhkzh", "bankcard", "bankcardno", "bankcardnumber",
            "bankaccount", "bankaccountno", "cardno", "cardnumber", "accountno",
            "yhzhh", "khhzh", "ffzh", "skzh", "fkzh", "dfzh", "jszh", "yinhangka", "yinhangkahao", "acctno",
            "accountnumber", "bankno", "debitcard", "creditcard", "payeeaccount", "payeracount", "payeraccount"),
    **_keys(_USCC, "tyshxydm", "shxydm", "xydm", "uscc", "creditcode", "socialcreditcode",
            "unifiedsocialcreditcode"),
    **_keys(_PASSPORT, "hzhm", "huzhao", "passport", "passportno", "passportnumber", "hzh", "txzh", "txzhm",
            "gatxz", "twtxz", "hxz", "hxzh", "tbz", "tbzh", "permitno", "travelpermitno", "homereturnpermit",
            "entrypermitno", "visano"),
    **_keys(_PLATE, "cphm", "hphm", "chepai", "plateno", "platenumber", "licenseplate", "vehicleplate",
            "carplate", "cph", "clhp", "jdchphm", "chepaihao", "vehicleno", "vehicleplateno", "carno",
            "licenseplateno", "platenum"),
    **_keys(_EMAIL, "email", "mail", "emailaddress", "dzyx", "dzyj", "youxiang", "yx", "lxyx", "emailaddr",
            "contactemail", "mailbox"),
    **_keys(_IP, "ip", "ipaddr", "ipaddress", "clientip", "remoteip", "sourceip", "userip", "loginip", "hostip"),
    **_keys(_ADDRESS, "zz", "dz", "jtzz", "hjdz", "jzdz", "xzz", "hjszd", "jtdz", "txdz", "zhuzhi", "dizhi",
            "address", "addr", "homeaddress", "residentialaddress", "residenceaddress", "mailingaddress",
            "contactaddress",
            "jtdz", "jzd", "hjd", "hkszd", "csd", "sjjzd", "xjzd", "txdz", "sddz", "zcdz", "lxdz", "jjdz",
            "xxdz", "hjxxdz", "xzdz", "fwzl", "bdcdz", "jzdzxxdz", "domicile", "residence",
            "homeaddr", "liveaddress", "detailaddress", "detailedaddress", "fulladdress", "postaladdress",
            "currentaddress", "permanentaddress", "householdaddress", "registeredresidence"),
    **_keys(_SECRET, "yysr", "zyywsr", "xssr", "xse", "yye", "nsje", "nse", "ynse", "jnse", "sje", "lr",
            "lrze", "jlr", "cb", "yycb", "zcb", "tbjg", "tbbj", "tbje", "zbjg", "zbje",
            "revenue", "turnover", "income", "salesrevenue", "operatingrevenue", "tax", "taxamount",
            "taxpaid", "taxes", "profit", "netprofit", "grossprofit", "cost", "costs", "totalcost",
            "bidprice", "bidamount", "tenderprice", "tenderamount",
            # 纳税总额/应纳税额/实缴税额/营业收入/主营收入/利润总额/成本/投标价/中标价/标底/报价 in pinyin initials
            "nsze", "ynsze", "sjnse", "sjse", "yjse", "zsr", "srze", "zyysr", "yyzsr", "zyyw", "xssre",
            "yylr", "lrzs", "jlrze", "yycbze", "zycb", "cbze", "tbj", "tbbjze", "zbj",
            "bjje", "zcze", "fzze", "syzqy", "jzc", "zczb",
            "totalrevenue", "annualrevenue", "operatingincome", "mainbusinessincome", "totalprofit",
            "operatingprofit", "totaltax", "taxpayable", "taxtotal", "operatingcost", "bidquote", "quoteprice",
            "winningbid", "winningbidamount", "totalassets", "totalliabilities", "netassets"),
    **_keys(_VIN, "vin", "vinno", "vincode", "clsbdh", "cjh", "chejiahao", "framenumber", "frameno", "chassisno"),
    **_keys(_BIRTH, "csrq", "chusheng", "birthday", "birthdate", "dateofbirth", "dob"),
    **_keys(FREE_TEXT, "bz", "beizhu", "remark", "remarks", "note", "notes", "comment", "comments", "memo",
            "description", "desc", "content", "summary", "detail", "details", "message", "msg", "text",
            "qksm", "sm", "yj", "shyj", "spyj", "clyj", "reason", "feedback"),
}

# Suffixes this short are too ambiguous in general; these ones are safe at the end of a compound key.
SUFFIX_MIN = 4
SHORT_SUFFIXES: dict[str, str] = {
    "xm": _PERSON, "xmpy": _PERSON, "syr": _PERSON, "sfzh": _ID, "sjh": _MOBILE, "yx": _EMAIL, "zjhm": _ID, "sjhm": _MOBILE, "lxdh": _MOBILE, "dz": _ADDRESS,
    "zz": _ADDRESS, "yhkh": _BANK, "hzhm": _PASSPORT, "cphm": _PLATE, "hphm": _PLATE, "bz": FREE_TEXT,
}
# Suffix matching skips these: they end in a known key but mean something else.
NOT_SUFFIX_KEYS = frozenset({
    "filename", "nickname", "hostname", "domainname", "typename", "classname", "tablename",
    "fieldname", "deptname", "departmentname", "orgname", "organizationname", "companyname", "entname",
    "unitname", "resourcename", "appname", "servicename", "itemname", "productname", "cityname",
    "provincename", "regionname", "areaname", "streetname", "roadname", "shortname", "displayname",
    "ipaddress", "zip",
})

# Words that make a Chinese key name an organisation's (单位名称, 企业法人名称): checked before CHINESE_KEY_WORDS.
CHINESE_ORG_KEY_WORDS = ("单位", "企业", "公司", "机构", "部门", "组织", "法人单位", "主体名称")

# Chinese words inside a key, longest first where one contains another.
CHINESE_KEY_WORDS: tuple[tuple[str, str], ...] = (
    ("统一社会信用代码", _USCC), ("信用代码", _USCC),
    ("公民身份号码", _ID), ("身份证", _ID), ("证件号码", _ID),
    ("固定电话", _LANDLINE), ("座机", _LANDLINE), ("传真", _LANDLINE),
    ("手机", _MOBILE), ("联系电话", _MOBILE), ("电话", _MOBILE), ("联系方式", _MOBILE),
    ("银行卡", _BANK), ("银行账号", _BANK), ("卡号", _BANK),
    ("护照", _PASSPORT), ("车牌", _PLATE), ("号牌号码", _PLATE),
    ("电子邮箱", _EMAIL), ("邮箱", _EMAIL), ("电子邮件", _EMAIL),
    ("IP地址", _IP), ("ip地址", _IP),
    ("住址", _ADDRESS), ("地址", _ADDRESS), ("住所", _ADDRESS), ("户籍地", _ADDRESS), ("居住地", _ADDRESS),
    ("出生日期", _BIRTH), ("生日", _BIRTH),
    ("营业收入", _SECRET), ("收入", _SECRET), ("营业额", _SECRET), ("销售额", _SECRET), ("纳税", _SECRET),
    ("税额", _SECRET), ("利润", _SECRET), ("成本", _SECRET), ("报价", _SECRET), ("投标", _SECRET),
    ("中标金额", _SECRET), ("标底", _SECRET),
    ("备注", FREE_TEXT), ("说明", FREE_TEXT), ("描述", FREE_TEXT), ("内容", FREE_TEXT), ("意见", FREE_TEXT),
    ("摘要", FREE_TEXT), ("事由", FREE_TEXT),
    ("纳税总额", _SECRET), ("资产总额", _SECRET), ("负债总额", _SECRET), ("净资产", _SECRET),
    ("研发投入", _SECRET), ("研发费用", _SECRET), ("销售费用", _SECRET), ("管理费用", _SECRET), ("财务费用", _SECRET),
    ("所有者权益", _SECRET), ("增值税", _SECRET), ("所得税", _SECRET), ("毛利", _SECRET),
    ("姓名", _PERSON), ("申请人", _PERSON), ("权利人", _PERSON), ("负责人", _PERSON), ("持卡人", _PERSON),
    ("驾驶人", _PERSON), ("当事人", _PERSON), ("监护人", _PERSON), ("代理人", _PERSON), ("法人代表", _PERSON),
    ("车架号", _VIN), ("车辆识别", _VIN), ("社保卡", _ID), ("医保卡", _ID), ("社会保障号", _ID),
    ("通行证", _PASSPORT), ("回乡证", _PASSPORT), ("台胞证", _PASSPORT), ("居留证", _ID), ("居住证", _ID), ("经办人", _PERSON), ("联系人", _PERSON),
    ("法定代表人", _PERSON), ("户主", _PERSON), ("收款人", _PERSON), ("所有人", _PERSON), ("办税员", _PERSON),
    ("收件人", _PERSON), ("参保人", _PERSON), ("共有人", _PERSON), ("英文名", _PERSON),
)

# The word handed to presidio's context enhancer for a hinted entity (see the module docstring).
ENTITY_CONTEXT_WORD: dict[str, str] = {
    _PERSON: "姓名",
    _ID: "身份证",
    _MOBILE: "手机",
    _LANDLINE: "座机",
    _BANK: "银行卡",
    _USCC: "信用代码",
    _PASSPORT: "护照",
    _PLATE: "车牌",
    _EMAIL: "邮箱",
    _IP: "ip",
    _ADDRESS: "住址",
    _VIN: "车架号",
    _SECRET: "营业收入",
}

_SEPARATORS = re.compile(r"[\s_\-.]+")
_HAS_CJK = re.compile(r"[\u4e00-\u9fff]")
_SUFFIXES = sorted(
    [(k, v) for k, v in KEY_ENTITIES.items() if len(k) >= SUFFIX_MIN] + list(SHORT_SUFFIXES.items()),
    key=lambda item: len(item[0]),
    reverse=True,
)


def normalise_key(key: str) -> str:
    """Lower case, without `_`, `-`, `.` and whitespace: `ID_Card` → `idcard`."""
    return _SEPARATORS.sub("", key).lower()


_DIGIT = re.compile(r"[0-9\uff10-\uff19]")
_NUMBER_KEY_MIN_DIGITS = 11  # a mobile's 11 digits; ID numbers have 15 or 18


def key_hint(key: str | None) -> str | None:
    """The entity a key name hints at (FREE_TEXT for remark keys), or None. A key that is itself a phone or
    ID number (a phone book keyed by mobile: {"138…": "王芳"}) hints PERSON for the value under it; such keys
    are personal data and are never cached."""
    if key and len(key) >= _NUMBER_KEY_MIN_DIGITS and len(_DIGIT.findall(key)) >= _NUMBER_KEY_MIN_DIGITS:
        return _PERSON
    return _key_hint(key)


@lru_cache(maxsize=4096)
def _key_hint(key: str | None) -> str | None:
    if not key:
        return None
    name = normalise_key(key)
    if not name:
        return None
    if name in KEY_ENTITIES:
        return KEY_ENTITIES[name]
    if _HAS_CJK.search(name):
        if any(word in name for word, entity in CHINESE_KEY_WORDS if entity == _SECRET):
            return _SECRET  # 企业所得税, 单位营业收入: a business figure, whoever it belongs to
        if any(word in name for word in CHINESE_ORG_KEY_WORDS):
            return None
        for word, entity in CHINESE_KEY_WORDS:
            if word.lower() in name:
                return entity
        return None
    if name in NOT_SUFFIX_KEYS:
        return None
    for suffix, entity in _SUFFIXES:
        if len(name) > len(suffix) and name.endswith(suffix):
            return entity
    return None


def is_free_text_key(key: str | None) -> bool:
    """True for remark-like keys whose values are sentences to scan."""
    return key_hint(key) == FREE_TEXT


def context_words(entity: str | None) -> list[str]:
    """The context words the detector passes to presidio for a hinted entity (none for FREE_TEXT)."""
    word = ENTITY_CONTEXT_WORD.get(entity or "")
    return [word] if word else []
