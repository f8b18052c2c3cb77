"""Vocabulary of the held-out masking corpus (heldout.py), written blind: key names departments use
(pinyin initials, English, Chinese), trade-secret keys, table headers and the sentence templates of free-text
remarks ({slot} = a value heldout.py fills in and labels).
"""

from __future__ import annotations

K = {  # our own key vocabulary: pinyin initials, English, Chinese
    "name": ["xm", "sqrxm", "hzxm", "dsrxm", "jbrxm", "brxm", "name", "personName", "applicantName", "holderName",
             "姓名", "申请人姓名", "当事人", "户主姓名"],
    "id": ["gmsfhm", "sfzhm", "zjhm", "sfzh", "zjh", "idNo", "idCardNo", "certNo", "identityNumber", "公民身份号码", "证件号码"],
    "mobile": ["lxdh", "sjhm", "yddh", "lxfs", "phone", "mobilePhone", "contactPhone", "tel", "联系电话", "手机号码"],
    "landline": ["gddh", "bgdh", "officePhone", "fixedTel", "固定电话", "办公电话"],
    "addr": ["hjdz", "jzdz", "xzz", "zz", "txdz", "sddz", "address", "homeAddress", "mailingAddress", "户籍地址", "现住址",
             "家庭住址"],
    "card": ["yhkh", "ffzh", "skzh", "bankCardNo", "accountNo", "银行卡号", "发放账号"],
    "email": ["dzyx", "yx", "email", "mail", "电子邮箱"],
    "plate": ["hphm", "cphm", "clhp", "plateNo", "licensePlate", "号牌号码", "车牌号"],
    "vin": ["clsbdh", "cjh", "vin", "frameNo", "车辆识别代号", "车架号"],
    "passport": ["hzhm", "hzh", "passportNo", "护照号码"],
}
TS_KEYS = [("yysr", "营业收入"), ("nsze", "纳税总额"), ("lrze", "利润总额"), ("yycb", "营业成本"), ("jlr", "净利润"),
           ("ynse", "应纳税额"), ("xssr", "销售收入"), ("tbbj", "投标报价"), ("zyywsr", "主营业务收入"),
           ("operatingRevenue", "营业收入"), ("totalProfit", "利润总额"), ("taxPaid", "实缴税额"), ("bidPrice", "投标报价")]


EN_WORDS = {"name", "phone", "tel", "address", "email", "mail", "vin"}


def key_style(key: str) -> str:
    return "zh" if not key.isascii() else "en" if key != key.lower() or key in EN_WORDS else "py"


SENTENCES = [
    "经入户核查，申请人{name}（身份证号{id}）现居住于{addr}，联系电话{mobile}。",
    "{date}，{org}接{name}报称，其停放在小区门口的车辆（号牌{plate}）被刮擦，受理编号{case}。",
    "回访：已电话联系{name}（{mobile}），本人对办理结果表示满意。",
    "请将证书邮寄至{addr}，收件人{name}，电话{mobile}。",
    "当事人{name}，公民身份号码{id}，户籍所在地{addr}。",
    "该车辆识别代号为{vin}，登记所有人为{name}，于{date}办理转移登记。",
    "外籍人员{foreign}（永久居留身份证号码{pr}）于{date}申请换证，经办单位{org}。",
    "港澳台居民{name}持通行证{permit}于{date}入境，居住证号码{hmt}。",
    "用户{name}于{date}从IP {ip}登录网上办事大厅，终端MAC地址{mac}。",
    "补助资金已发放至{name}名下银行卡{card}。",
    "如有疑问请联系经办人{name}，电话{landline}，或发邮件至{email}。",
    "申请人{name}护照号码{passport}，英文姓名{pinyin}。",
    "该户户主{name}已于{date}迁出，新住址为{addr}，手续由{org}办理。",
    "法定代表人{name}（手机{mobile}）承诺所报材料真实有效，统一社会信用代码{uscc}。",
    "参保人{name}的社会保障卡号{sscard}已制卡，领卡网点为{org}。",
    "据{name}陈述，其于{date}在{addr}附近被一辆号牌为{plate}的电动车撞伤。",
]
HARSH_SENTENCES = [
    "联系人：{name} 电话：{mobile}；备用：{landline}；",
    "{name}/{mobile}/{addr}；",
    "身份证：{id}，手机：{mobile}，卡号：{card}。",
    "经核实{pinyin}（中文名{name}）为我市引进人才，联系邮箱{email}。",
    "Contact: {foreign}, Tel {mobile}, E-mail {email} .",
    "系统日志：{date} 终端{mac}（{ip}）提交查询，查询对象{name}，流水号{bad18}。",
    "新能源车{plate}（VIN:{vin}）于{date}违停，车主{name}已电话告知({mobile})。",
    "社保号{ssid}，姓名{name}，所在单位{org}。",
]
HEAD = {"name": "姓名", "id": "身份证号", "mobile": "联系电话", "addr": "住址", "card": "银行卡号", "plate": "车牌号"}
HEAD_PY = {"name": "xm", "id": "sfzh", "mobile": "lxdh", "addr": "jzdz", "card": "yhkh", "plate": "cphm"}
FIN_ITEMS = ["营业收入", "营业成本", "利润总额", "净利润", "应纳税额", "主营业务收入"]
