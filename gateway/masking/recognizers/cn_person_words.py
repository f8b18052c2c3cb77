"""PERSON word lists: surnames, role, context and kinship words, what may end a name, and the elements of
minority nationalities' transliterated names (Tibetan, Mongolian, Uyghur, Yi) that carry no Han surname.

Pure data and the spelling patterns built from it, read by cn_person (and the detector's pre-filter); no
presidio import.
"""

from __future__ import annotations

import re

SINGLE_SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁"
    "任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付傅方白邹孟熊秦邱江尹薛闫阎段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃"
    "武戴莫孔向汤常温康施文牛樊葛邢安齐易乔伍庞颜倪庄聂章鲁岳翟殷詹申欧耿关兰焦俞左柳甘祝包宁尚符舒阮"
    "柯纪梅童凌毕单季裴霍涂成苗谷盛曲翁冉骆蓝路游辛靳管柴蒙鲍华喻祁蒲房滕屈饶解牟艾尤阳时穆农司卓古吉"
    "缪简车项连芦麦褚娄窦戚岑景党宫费卜冷晏席卫米柏宗瞿桂全佟应臧闵苟邬边卞姬师和仇栾隋商刁沙荣巫寇桑"
    "郎甄丛仲虞敖巩明佘池查麻苑迟邝官封谈匡鞠惠荆乐冀郁胥南班储原栗燕楚鄢劳谌奚皮粟冼蔺楼盘满闻位厉伊"
    "仝区郜海阚花权强帅屠豆朴盖练廉禹井祖漆巴丰支卿国狄平计索宣晋相初门云容敬来扈晁芮都普阙浦戈伏鹿薄"
    "邸雍辜羊阿乌母裘亓修邰赫杭况那宿鲜印逯隆茹诸战慕危玉银亢嵇公哈湛宾戎勾茅利於呼居揭干但尉冶斯元束"
    "檀衣信展阴昝智幸奉植衡富尧闭由杞蓬雒綦逄黑萧赖洪"
)

COMPOUND_SURNAMES = (
    "欧阳", "司马", "诸葛", "上官", "东方", "皇甫", "尉迟", "公孙", "令狐", "慕容", "长孙", "宇文", "司徒",
    "夏侯", "轩辕", "端木", "独孤", "南宫", "西门", "呼延", "申屠", "澹台", "公羊", "万俟", "闻人", "赫连",
    "拓跋", "百里", "东郭", "钟离", "宗政", "濮阳", "太史", "仲孙", "司空", "亓官", "巫马", "公冶", "羊舌",
)

# Words after which the next characters are a person's name (申请人王小明, 姓名：张三).
ROLE_WORDS = (
    "被申请人", "申请人", "经办人", "联系人", "法定代表人", "法人代表", "负责人", "户主", "姓名", "收款人",
    "付款人", "持卡人", "委托人", "受托人", "代理人", "当事人", "监护人", "投保人", "被保险人", "借款人",
    "担保人", "承办人", "审批人", "签收人", "报案人", "举报人", "纳税人姓名", "驾驶人", "购房人", "产权人",
    "来电人", "来访人", "投诉人", "反映人", "求助人", "申报人", "权利人", "车主", "房主", "业主", "患者",
    "审核人", "复核人", "经办：", "经办:", "交款人", "缴款人", "领款人", "转账给", "汇款给", "村民", "居民",
    "收件人", "寄件人", "参保人", "被保人", "办税员", "办税人", "报警人", "受害人", "被害人", "嫌疑人", "证人",
    "中文名", "中文姓名", "查询对象", "登记所有人", "车辆所有人", "实际使用人", "租赁人", "承租人", "出租人", "户名",
)

# Words that introduce a name only when a delimiter follows it (代领人丁家峰（儿子）, 家庭成员何文明（父亲）).
CONTEXT_WORDS = (
    "代领人", "代办人", "领取人", "家庭成员", "共同生活人", "陪同人", "证明人", "见证人", "被监护人", "被委托人",
    "紧急联系人", "亲属", "所有人", "共有人", "用户", "核实", "联系", "电话联系", "交由", "移交",
)
# Kinship words: the name of the relative usually follows (兄弟何志强电话, 王某之女王丽).
KINSHIP_WORDS = (
    "配偶", "丈夫", "妻子", "爱人", "老伴", "儿子", "女儿", "长子", "次子", "长女", "次女", "独子", "独女",
    "父亲", "母亲", "继父", "继母", "养父", "养母", "岳父", "岳母", "公公", "婆婆", "兄弟", "姐妹", "哥哥",
    "弟弟", "姐姐", "妹妹", "胞兄", "胞弟", "胞姐", "胞妹", "祖父", "祖母", "外祖父", "外祖母", "爷爷", "奶奶",
    "外公", "外婆", "孙子", "孙女", "外孙", "外孙女", "儿媳", "女婿", "子女", "之子", "之女", "之妻", "之夫",
    "之父", "之母",
)
# What may follow a name found after a context or kinship word: any non-CJK character (punctuation,
# digits, space, the end of the text) or one of these words and characters.
NAME_END_WORDS = ("电话", "手机", "联系", "身份", "户籍", "住址", "现住", "家住", "本人", "同志", "先生", "女士",
                  "负责", "患有", "因病", "二人", "等人", "照顾", "照料", "陪同", "代为", "代领", "签字", "赡养",
                  "抚养", "监护", "护照", "通行证", "持有")
NAME_END_CHARS = "于因的在已和与及等为是系均经将向到自并也都从之持"
# Characters that are not the last character of a given name in that place (张勇于2024年: 于 ends 张勇).
NOT_GIVEN_NAME_CHARS = "的了于在是已与及或并将被从到给让都也还就又等持"
# Words that sit where a name could be but are not a given name (母亲和女儿, 配偶于今年, 申请人和家属).
NOT_GIVEN_NAMES = frozenset(
    KINSHIP_WORDS + (
        "家属", "家人", "子女", "本人", "他人", "其他", "邻居", "同事", "朋友", "单位", "社区", "村委", "居委",
        "政府", "部门", "今日", "今天", "今年", "昨日", "昨天", "明日", "明天", "明年", "去年", "本月", "本年",
        "当日", "当天", "近日", "次日", "同日", "上午", "下午", "晚上", "此前", "此后", "之前", "之后", "一起",
        "共同", "同住", "生活", "病故", "去世", "死亡", "住院", "外出", "务工",
    )
)
# Surnames that are also everyday function characters (和, 于, 向): a two-character dictionary word that
# starts with one of them is that word (和睦, 于是, 向前), not a name.
FUNCTION_WORD_SURNAMES = "和于向"
FUNCTION_SURNAME_WORD_FREQUENCY = 50
# jieba dictionary frequencies from which a candidate is an everyday word rather than a name: any word
# this frequent (明白 10875, 齐全 1417, 高中 4732), or a word this frequent that jieba does not tag as a
# name (常年 633 d, 程序员 170 n); 李娜 (438 nr) and 王明 (368 nr) stay names.
COMMON_WORD_FREQUENCY = 1000
COMMON_NON_NAME_FREQUENCY = 100
# A whole value spelled as a name that is a dictionary word this frequent (by length: 2 characters, 3 or more)
# is no name on its spelling alone; the NLP engine's limits for a name tag (nlp_engine.MAX_DICTIONARY_FREQUENCY).
NAME_WORD_MAX_FREQUENCY = {2: 10, 3: 100}

# Characters that end a name in running text rather than belong to it (王五电话…, 李娜已审核).
NOT_NAME_CHARS = "的了在是于和与及或并已将为向对把被从到给让要会能都也还就再又均曾请经等系先女男性身电手住居户籍地联现当该位息应需须所因提办申签同称出工"
# A value ending in one of these is an organisation or a place, not a person (公安局, 王府井街).
NON_PERSON_ENDINGS = "省市区县镇乡村路街局厅处委办院所队站司厂店馆室组部科会"

# Words right after a name that say it is one (高洁代为领取, 邓想（女）系…, 萧东家庭人均收入…): a name
# before one of them, at the start of a clause or after 由/经/与/和/向/给/是/被, is a person.
BEFORE_MARKERS = ("（男）", "（女）", "(男)", "(女)", "代为", "代领", "反映", "签字", "签名", "确认", "同志", "先生",
                  "女士", "家庭", "一家", "户籍", "本人", "的身份证", "身份证", "手机", "电话", "联系电话", "系",
                  "，女", "，男", ",女", ",男", "因病", "负责", "患有", "与其", "二人", "等人", "于19", "于20",
                  "承诺", "交来", "是夫妻", "的社会保障卡", "的银行卡", "的母亲", "的父亲", "的妻子", "的丈夫", "的儿子", "的女儿", "的配偶", "、",
                  "名下", "陈述", "报称", "报案", "报警", "举报", "供述", "口述", "称其", "来电", "来访", "（中文名",
                  "(中文名", "（英文名", "(英文名",
                  # a record of name/phone/address: 张三/13800000000/…
                  "/1", "/0", "/+", "|1", "|0")
# Characters right before a name that a before-marker closes (由高洁代为, 据石欣怡陈述, 发放至段国华名下).
BEFORE_MARKER_LEADS = "，。；：、,;:\\s由经与和向给是被据请到明人至接对"
# Chinese words after which a name in Latin letters follows (英文姓名Zhang San, 外籍人员John Smith).
LATIN_NAME_TRIGGERS = ("英文姓名", "英文名", "外文姓名", "外文名", "拼音姓名", "拼音", "外籍人员", "外籍人士", "外国人",
                       "外籍", "姓名", "申请人", "联系人", "当事人", "持照人", "旅客", "乘客", "经核实")

# Elements of minority nationalities' transliterated names, which carry no Han surname: a value made only
# of these (次仁卓玛, 乌云其木格, 阿西木呷) is a name under a person key or right after a role word.
MINORITY_NAME_PARTS = (
    # Tibetan
    "扎西", "次仁", "才让", "多吉", "多杰", "卓玛", "拉姆", "央金", "央宗", "格桑", "德吉", "尼玛", "达瓦", "达娃",
    "平措", "旦增", "丹增", "单增", "洛桑", "罗布", "索朗", "索南", "顿珠", "边巴", "普布", "白玛", "曲珍", "益西",
    "拉巴", "巴桑", "米玛", "次旦", "桑吉", "仁增", "群培", "贡布", "嘉措", "加措", "措姆", "卓嘎", "琼达", "旺姆",
    "旺堆", "旺杰", "强巴", "土登", "阿旺", "次珍", "德庆", "益珍", "美朵", "朗杰", "才旦", "更登", "尕藏", "仓决",
    "拉珍", "玉珍", "晋美", "贡嘎", "泽仁", "泽旺", "降央", "拉宗", "次央", "德央", "吉宗", "欧珠", "次拉", "扎巴",
    "格勒", "仁青", "桑珠", "曲措", "拉毛", "才措", "东珠", "南杰", "坚参", "白珍", "央拉", "多布杰", "措吉",
    "卓措", "拉措", "加央", "索朗", "次措", "巴珠", "尼珍", "边珍", "德措", "格措", "更桑", "吉美",
    # Mongolian
    "巴特尔", "其其格", "乌云", "娜仁", "图雅", "苏日娜", "斯琴", "高娃", "额尔敦", "巴雅尔", "宝音", "朝鲁",
    "孟和", "那顺", "格日勒", "阿拉坦", "哈斯", "其木格", "萨仁", "吉日嘎拉", "布和", "毕力格", "敖敦", "图门",
    "特木尔", "巴图", "苏和", "达来", "满都拉", "额尔德尼", "道尔吉", "朝克图", "阿木尔", "吉雅", "娜日", "托娅",
    "塔娜", "萨日娜", "呼和", "乌日娜", "格根", "德力格尔", "桑布", "赛音", "宝力道", "那日苏", "阿拉腾", "敖其尔",
    "苏雅拉", "青格勒", "朝格图", "乌力吉", "孟克", "吉仁", "白音", "额尔德木图", "巴根", "其勒莫格", "达古拉",
    # Uyghur, Kazakh, Hui (often written with ·)
    "古丽", "阿依", "热依拉", "买合木提", "吐尔洪", "买买提", "艾力", "阿不都", "阿布都", "努尔", "帕提", "迪丽",
    "吐尔逊", "依明", "阿里木", "艾买提", "热娜", "阿迪力", "艾尔肯", "努尔兰", "娜扎", "米娜", "玛依拉", "娜尔",
    "热合曼", "库尔班", "吾买尔", "卡德尔", "艾合买提", "托合提", "伊力", "沙吾提", "图尔贡", "巴图尔", "赛力克",
    "叶尔兰", "别克", "阿力木", "阿衣", "阿米娜", "祖丽", "胡玛尔", "苏力坦", "艾克拜尔", "肉孜", "吐逊", "穆罕默德",
    # Yi (clan name and given name)
    "阿西", "木呷", "吉克", "阿苏", "沙马", "曲比", "海来", "吉木", "马海", "勒格", "日火", "拉达", "木乃", "阿牛",
    "阿呷", "拉格", "依作", "莫色", "阿尔", "俄底", "阿约", "伍各", "阿克", "尔古", "沙呷", "日呷", "子哈",
)

# Other spellings of a name: a transliterated name with a middle dot (古丽娜尔·吐尔洪), one made of minority
# name elements (次仁卓玛, 乌云其木格), a Latin-letter name (Zhang Wei, ZHANG WEI, ZHANG/WEI, Zhang, Wei).
DOTTED_NAME = r"[\u4e00-\u9fff]{1,6}(?:[·•・][\u4e00-\u9fff]{1,8}){1,2}"
MINORITY_NAME = "(?:" + "|".join(sorted(set(MINORITY_NAME_PARTS), key=len, reverse=True)) + "){1,4}"
LATIN_NAME = (r"(?-i:[A-Z][a-z]+(?:[ \-][A-Z][a-z]+){1,2}|[A-Z][a-z]+, ?[A-Z][a-z]+|[A-Z]{2,}(?: [A-Z]{2,}){1,2}"
              r"|[A-Z]{2,}/[A-Z]{2,}(?: [A-Z]{2,})?)")
# A person key in `key=value` text (a query string, a log line): xm=张三&sfzh=…, userName=%E6%9D%8E….
KEY_VALUE = re.compile(r"(?:^|(?<=[?&;,|\s{\"'/]))([A-Za-z][A-Za-z_]{0,30}|[\u4e00-\u9fff]{2,8})=")
PERCENT_RUN = re.compile(r"(?:%[0-9A-Fa-f]{2})+")
# Keys of a login rather than a name: a value there is a person only when it is a Chinese name.
ACCOUNT_KEYS = frozenset({"username", "user", "uname", "loginname", "account"})
# A document number's issuing office (宁民发〔2020〕169号): a name tag on it is no name.
DOCUMENT_NUMBER = re.compile(r".?[发字]?[〔［\[]\d{4}[〕］\]]")

# Syllables of Tibetan, Mongolian and Yi personal names as written in Chinese (扎西多吉, 乌云其木格, 阿西木呷), single
# characters included (其, 格): cn_person.is_minority_name segments a value into them.
MINORITY_SYLLABLES = frozenset("""
扎西 次仁 卓玛 格桑 央金 旦增 洛桑 尼玛 达瓦 顿珠 拉姆 德吉 多吉 平措 丹增 白玛 索朗 普布 强巴 罗布 才让 措姆 巴桑
边巴 益西 拉巴 次旦 旺堆 旺姆 群培 曲珍 卓嘎 央宗 德庆 贡布 嘉措 加措 多杰 仁增 桑珠 拉珍 永珍 吉宗 曲措 米玛 琼达
巴特尔 乌云 其其格 其木格 额尔敦 巴雅尔 苏和 朝鲁 图雅 萨仁 格日勒 那仁 宝音 斯琴 高娃 乌兰 托娅 哈斯 毕力格 孟和
敖其尔 阿拉坦 特木尔 满都拉 娜仁 达来 布和 巴图 吉雅 乌日娜 其 格
阿西 木呷 吉克 阿约 曲比 沙马 俄其 日火 阿木 尔古 阿呷 伍各 拉且 木乃 阿牛 海来 吉木 莫色 马海 阿力
""".split())
