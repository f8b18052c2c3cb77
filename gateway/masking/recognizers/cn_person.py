"""PERSON: Chinese personal names, by surname, by role or kinship word and by jieba's name tag.

Four ways a name is found:
- a whole value that is a surname plus one to three characters (two to four in all; a compound
  surname plus one or two). Weak on its own: a key that says "name" (`xm`, `姓名`, `name`) lifts it
  through the context mechanism, so the detector's key hint decides;
- a surname plus one or two characters right after a role word (申请人王小明, 法定代表人：诸葛亮),
  stopping at the first character that cannot belong to a name;
- a surname plus one or two characters after a role word, a context word (代领人, 家庭成员) or a kinship
  word (儿子, 配偶, 之女), when a delimiter follows the name: punctuation, a digit, the end of the text
  or a word such as 电话, 于, 因 (代领人丁家峰（儿子）, 申请人刘和平因病住院, 兄弟何志强电话). Any
  character may be part of the given name here (和 in 刘和平), so the delimiter decides where the name
  ends; everyday words in that place (儿子高中在读, 与申请人和家属) are refused by a word list and by
  jieba's dictionary frequency;
- in free text, a token that the NLP engine tagged as a personal name (jieba `nr*`, carried in
  NlpArtifacts.entities) and that starts with a known surname (compound surnames split by jieba,
  欧阳/娜娜, are joined again). A tag that covers only the surname and one character while jieba split
  off the last character of the name (朱紫/萱) is extended over it when a delimiter follows.
"""

from __future__ import annotations

import logging
import threading
from typing import List, Optional

import jieba
import jieba.posseg
import regex as re
from presidio_analyzer import (
    AnalysisExplanation,
    EntityRecognizer,
    Pattern,
    RecognizerResult,
)
from presidio_analyzer.nlp_engine import NlpArtifacts

from .base import GovPatternRecognizer
from .cjk import CJK, cjk_class_without, is_cjk

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
    "收件人", "寄件人", "参保人", "查询对象", "登记所有人", "车辆所有人", "中文名", "中文姓名",
)

# Words that introduce a name only when a delimiter follows it (代领人丁家峰（儿子）, 家庭成员何文明（父亲）).
CONTEXT_WORDS = (
    "代领人", "代办人", "领取人", "家庭成员", "共同生活人", "陪同人", "证明人", "见证人", "被监护人", "被委托人",
    "紧急联系人", "亲属", "用户", "电话联系", "所有人", "共有人",
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
                  "抚养", "监护")
NAME_END_CHARS = "于因的在已和与及等为是系均经将向到自并也都从之"
# Characters that are not the last character of a given name in that place (张勇于2024年: 于 ends 张勇).
NOT_GIVEN_NAME_CHARS = "的了于在是已与及或并将被从到给让都也还就又等"
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

# Characters that end a name in running text rather than belong to it (王五电话…, 李娜已审核).
NOT_NAME_CHARS = "的了在是于和与及或并已将为向对把被从到给让要会能都也还就再又均曾请经等系先女男性身电手住居户籍地联现当该位息应需须所因提办申签同称出工"
# A value ending in one of these is an organisation or a place, not a person (公安局, 王府井街).
NON_PERSON_ENDINGS = "省市区县镇乡村路街局厅处委办院所队站司厂店馆室组部科会"

NAME_CHAR = cjk_class_without(NOT_NAME_CHARS)
_COMPOUND = "|".join(COMPOUND_SURNAMES)
_ROLES = "|".join(sorted(ROLE_WORDS, key=len, reverse=True))
_TRIGGERS = re.compile(
    "(?:" + "|".join(sorted(set(ROLE_WORDS + CONTEXT_WORDS + KINSHIP_WORDS), key=len, reverse=True)) + ")"
    r"(?:[：:是为]|[ \t\u3000]){0,2}"
)
# Words right after a name that say it is one (高洁代为领取, 邓想（女）系…, 萧东家庭人均收入…): a name
# before one of them, at the start of a clause or after 由/经/与/和/向/给/是/被, is a person.
BEFORE_MARKERS = ("（男）", "（女）", "(男)", "(女)", "代为", "代领", "反映", "签字", "签名", "确认", "同志", "先生",
                  "女士", "家庭", "一家", "户籍", "本人", "的身份证", "身份证", "手机", "电话", "联系电话", "系",
                  "，女", "，男", ",女", ",男", "因病", "负责", "患有", "与其", "二人", "等人", "于19", "于20",
                  "承诺", "交来", "是夫妻", "名下", "陈述", "报称", "报案", "来电", "的社会保障卡", "的银行卡", "的母亲", "的父亲", "的妻子", "的丈夫", "的儿子", "的女儿", "的配偶", "、")
_BEFORE_MARKER = re.compile(
    r"(?:^|(?<=[，。；：、,;:\s由经与和向给是被据请到明人接至]))"
    rf"((?:{'|'.join(COMPOUND_SURNAMES)})|[{SINGLE_SURNAMES}])([\u4e00-\u9fff]{{1,2}}?)"
    rf"(?=(?:{'|'.join(re.escape(m) for m in BEFORE_MARKERS)}))"
)
_NAME_END = re.compile("(?:" + "|".join(NAME_END_WORDS) + f"|[{NAME_END_CHARS}]" + r"|[^\u4e00-\u9fff]|$)")

# Syllables of Tibetan, Mongolian and Yi personal names as written in Chinese (扎西多吉, 乌云其木格, 阿西木呷):
# such a name has no Han surname, so a run of CJK made only of these syllables is read as a name.
MINORITY_SYLLABLES = frozenset("""
扎西 次仁 卓玛 格桑 央金 旦增 洛桑 尼玛 达瓦 顿珠 拉姆 德吉 多吉 平措 丹增 白玛 索朗 普布 强巴 罗布 才让 措姆 巴桑
边巴 益西 拉巴 次旦 旺堆 旺姆 群培 曲珍 卓嘎 央宗 德庆 贡布 嘉措 加措 多杰 仁增 桑珠 拉珍 永珍 吉宗 曲措 米玛 琼达
巴特尔 乌云 其其格 其木格 额尔敦 巴雅尔 苏和 朝鲁 图雅 萨仁 格日勒 那仁 宝音 斯琴 高娃 乌兰 托娅 哈斯 毕力格 孟和
敖其尔 阿拉坦 特木尔 满都拉 娜仁 达来 布和 巴图 吉雅 乌日娜 其 格
阿西 木呷 吉克 阿约 曲比 沙马 俄其 日火 阿木 尔古 阿呷 伍各 拉且 木乃 阿牛 海来 吉木 莫色 马海 阿力
""".split())
_MINORITY_MAX = 6
# Names of Uyghur, Kazakh or foreign persons in Chinese: parts joined by a middle dot (热依拉·买合木提).
_DOTTED = re.compile(r"[\u4e00-\u9fff]{1,6}(?:[·•・][\u4e00-\u9fff]{1,6}){1,3}")
_SPACES = re.compile(r"[ \t\u3000]+")

_dictionary_lock = threading.Lock()


def is_minority_name(text: str) -> bool:
    """Two to six CJK characters made only of MINORITY_SYLLABLES, at least two syllables or three characters."""
    if not 2 <= len(text) <= _MINORITY_MAX:
        return False
    reach = {0: 0}  # position -> syllables used to reach it
    for i in range(len(text)):
        if i not in reach:
            continue
        for n in (3, 2, 1):
            if text[i:i + n] in MINORITY_SYLLABLES:
                reach[i + n] = max(reach.get(i + n, 0), reach[i] + 1)
    used = reach.get(len(text), 0)
    return used >= 2 or (used == 1 and len(text) >= 3)


def minority_name_after(text: str, start: int) -> Optional[int]:
    """The end of a dotted or minority name starting at `start` and closed by a delimiter, or None."""
    m = _DOTTED.match(text, start)
    if m is not None and ends_name(text, m.end()):
        return m.end()
    for end in range(min(len(text), start + _MINORITY_MAX), start + 1, -1):
        if ends_name(text, end) and is_minority_name(text[start:end]):
            return end
    return None


def dictionary_entry(word: str) -> tuple[int, str]:
    """jieba's dictionary frequency and part-of-speech tag of a word ((0, "") for no dictionary word)."""
    if not jieba.dt.initialized:
        with _dictionary_lock:
            if not jieba.dt.initialized:
                jieba.setLogLevel(logging.WARNING)
                jieba.initialize()
    return jieba.dt.FREQ.get(word) or 0, jieba.posseg.dt.word_tag_tab.get(word, "")


def surname_length(text: str) -> int:
    """2 for a compound surname at the start of the text, 1 for a single one, 0 for none."""
    if text[:2] in COMPOUND_SURNAMES:
        return 2
    return 1 if text[:1] and text[0] in SINGLE_SURNAMES else 0


def ends_name(text: str, position: int) -> bool:
    """True if what starts at `position` can follow a name: a delimiter, a non-CJK character or the end."""
    return _NAME_END.match(text, position) is not None


def starts_with_surname(text: str) -> bool:
    """True if the text begins with a known single or compound surname."""
    return text[:2] in COMPOUND_SURNAMES or (bool(text) and text[0] in SINGLE_SURNAMES)


def looks_like_name(text: str) -> bool:
    """Two to four CJK characters, a known surname first, no organisation/place ending, no role word."""
    if not 2 <= len(text) <= 4 or not all("\u4e00" <= c <= "\u9fff" for c in text):
        return False
    if text[:2] in COMPOUND_SURNAMES:
        if len(text) == 2:
            return False
    elif text[0] not in SINGLE_SURNAMES or len(text) == 4:  # a single surname takes one or two given characters
        return False
    if text[-1] in NON_PERSON_ENDINGS:
        return False
    return not any(role in text for role in ROLE_WORDS + CONTEXT_WORDS)


def is_everyday_word(candidate: str) -> bool:
    """A name candidate that is rather an everyday word or phrase (高中, 和家属, 于今日, 和睦)."""
    given = candidate[surname_length(candidate):]
    if given in NOT_GIVEN_NAMES or given[:2] in NOT_GIVEN_NAMES:
        return True
    frequency, tag = dictionary_entry(candidate)
    if frequency >= COMMON_WORD_FREQUENCY:
        return True
    if frequency >= COMMON_NON_NAME_FREQUENCY and not tag.startswith("nr"):
        return True
    return candidate[0] in FUNCTION_WORD_SURNAMES and len(candidate) == 2 and \
        frequency >= FUNCTION_SURNAME_WORD_FREQUENCY


def name_after_context(text: str, start: int) -> Optional[int]:
    """
    The end of the name that starts at `start` right after a role, context or kinship word, or None.

    A surname, then one or two given-name characters, then a delimiter (ends_name); the longest such
    name that is not an everyday word wins (刘和平因病: 刘和平; 张勇于2024年: 张勇).

    :param text: the text
    :param start: where the name would start
    """
    compound = text[start : start + 2] in COMPOUND_SURNAMES
    single = start < len(text) and text[start] in SINGLE_SURNAMES
    for surname in (2,) * compound + (1,) * single:
        for given in (2, 1):
            end = start + surname + given
            if end > len(text) or not all(_is_given_name_char(char) for char in text[start + surname : end]):
                continue
            candidate = text[start:end]
            if ends_name(text, end) and looks_like_name(candidate) and not is_everyday_word(candidate):
                return end
    return None


def _is_given_name_char(char: str) -> bool:
    return is_cjk(char) and char not in NOT_GIVEN_NAME_CHARS


class CnPersonRecognizer(GovPatternRecognizer):
    """
    Recognize Chinese personal names (姓名) by surname, role word and NLP name tags.

    :param patterns: List of patterns to be used by this recognizer
    :param context: List of context words to increase confidence in detection
    :param supported_language: Language this recognizer supports
    :param supported_entity: The entity this recognizer can detect
    :param ner_score: score of a name found through the NLP engine's name tag
    :param context_score: score of a name found after a role, context or kinship word and a delimiter
    """

    COUNTRY_CODE = "cn"

    PATTERNS = [
        Pattern(
            "CN name after role word (strong)",
            rf"(?:{_ROLES})(?:[：:是为]|[ \t\u3000]){{0,2}}\K"
            rf"(?:(?:{_COMPOUND}){NAME_CHAR}{{1,2}}|[{SINGLE_SURNAMES}](?:[ \t\u3000]{{1,2}}(?={NAME_CHAR}))?{NAME_CHAR}{{1,2}})",
            0.85,
        ),
        Pattern(
            "Latin or pinyin name after an English role word (strong)",
            r"(?<![A-Za-z])(?:applicant|contact(?: person)?|name|owner|holder|driver|patient|resident|householder"
            r"|spouse|guardian|agent|mr|mrs|ms|miss|dr)\.?[ \t]*[:：]?[ \t]*\K"
            r"(?-i:[A-Z][a-z]+(?:[ \-][A-Z][a-z]+){1,2}|[A-Z]+(?: [A-Z]+){1,2})(?![A-Za-z])",
            0.85,
        ),
        Pattern(
            "Latin or pinyin name after a Chinese word for a foreign or English name (strong)",
            r"(?:英文姓名|英文名|外文姓名|拼音姓名|外籍人员|外籍人士|外国人|经核实)[ \t]*[:：]?[ \t]*\K"
            r"(?-i:[A-Z][a-z]+(?:(?:, |[ \-])[A-Z][a-z]+){1,2}|[A-Z]{2,}(?:[ /][A-Z]{2,}){1,2})(?![A-Za-z])",
            0.85,
        ),
        Pattern(
            "Latin or pinyin name as whole value (weak)",
            r"^(?-i:[A-Z][a-z]+(?:(?:, |[ \-])[A-Z][a-z]+){1,2}|[A-Z]{2,}(?:[ /][A-Z]{2,}){1,2})$",
            0.2,
        ),
        Pattern(
            "CN name written with spaces or middle dots, or a minority name, as whole value (weak)",
            rf"^(?:(?:{_COMPOUND})|[{SINGLE_SURNAMES}])[ \t\u3000]{{1,3}}{CJK}{{1,2}}$"
            r"|^[\u4e00-\u9fff]{1,6}(?:[·•・][\u4e00-\u9fff]{1,6}){1,3}$|^[\u4e00-\u9fff]{2,6}$",
            0.2,
        ),
        Pattern(
            "CN name as whole value (weak)",
            rf"^(?={CJK}{{2,4}}$)(?:(?:{_COMPOUND}){CJK}{{1,2}}|[{SINGLE_SURNAMES}]{CJK}{{1,3}})$",
            0.2,
        ),
    ]

    CONTEXT = [
        "姓名",
        "申请人",
        "经办人",
        "联系人",
        "法定代表人",
        "负责人",
        "户主",
        "收款人",
        "持卡人",
        "name",
    ]

    NER_LABEL = "PERSON"
    NER_EXPLANATION = f"Identified as {NER_LABEL} by the NLP engine's name tag"
    CONTEXT_EXPLANATION = "Identified as PERSON after a role, context or kinship word, closed by a delimiter"

    def __init__(
        self,
        patterns: Optional[List[Pattern]] = None,
        context: Optional[List[str]] = None,
        supported_language: str = "zh",
        supported_entity: str = "PERSON",
        name: Optional[str] = None,
        ner_score: float = 0.6,
        context_score: float = 0.85,
    ):
        patterns = patterns if patterns else self.PATTERNS
        context = context if context else self.CONTEXT
        self.ner_score = ner_score
        self.context_score = context_score
        super().__init__(
            supported_entity=supported_entity,
            patterns=patterns,
            context=context,
            supported_language=supported_language,
            name=name,
        )

    def analyze(
        self,
        text: str,
        entities: List[str],
        nlp_artifacts: Optional[NlpArtifacts] = None,
        regex_flags: Optional[int] = None,
    ) -> List[RecognizerResult]:
        """
        Find names by pattern and, when the NLP engine tagged names, by tag.

        :param text: Text to be analyzed
        :param entities: Entities this recognizer can detect
        :param nlp_artifacts: Output values from the NLP engine (entities labelled PERSON)
        :param regex_flags: regex flags to be used in regex matching
        :return: the recognized names
        """
        results = super().analyze(text, entities, nlp_artifacts, regex_flags)
        results.extend(self.analyze_context_names(text))
        results.extend(self.analyze_nlp_entities(nlp_artifacts))
        return EntityRecognizer.remove_duplicates(results)

    def analyze_context_names(self, text: str) -> List[RecognizerResult]:
        """
        Names right after a role, context or kinship word that a delimiter closes (name_after_context).

        :param text: Text to be analyzed
        :return: one result per name, scored context_score
        """
        results = []
        for m in _BEFORE_MARKER.finditer(text):
            start = m.start()
            if text[start] in "由经与和向给是被据请到明人接至" and looks_like_name(text[start + 1:m.end()]):
                start += 1  # 由高洁代为: 由 is the preposition (and a surname), 高洁 the name
            candidate = text[start:m.end()]
            if looks_like_name(candidate) and not is_everyday_word(candidate) \
                    and all(_is_given_name_char(c) for c in candidate[surname_length(candidate):]):
                results.append(self._result(start, m.end(), self.context_score, self.CONTEXT_EXPLANATION))
        for trigger in _TRIGGERS.finditer(text):
            end = name_after_context(text, trigger.end())
            if end is None:
                end = minority_name_after(text, trigger.end())
            if end is not None:
                results.append(self._result(trigger.end(), end, self.context_score, self.CONTEXT_EXPLANATION))
        return results

    def analyze_nlp_entities(self, nlp_artifacts: Optional[NlpArtifacts]) -> List[RecognizerResult]:
        """
        Names from the NLP engine's PERSON entities that start with a known surname.

        A compound surname that the tokenizer split off (欧阳 | 娜娜, 司 | 马静芳) is joined to the name
        after it, and a name whose last character the tokenizer split off (朱紫 | 萱) is extended over it.

        :param nlp_artifacts: Output values from the NLP engine
        :return: one result per accepted name
        """
        if nlp_artifacts is None or not nlp_artifacts.entities:
            return []
        results = []
        for span in nlp_artifacts.entities:
            if span.label_ != self.NER_LABEL:
                continue
            start, end = span.start_char, span.end_char
            if span.start > 0:
                before = span.doc[span.start - 1]
                if before.text in COMPOUND_SURNAMES and len(span.text) <= 2:
                    start = before.idx
                elif len(before.text) == 1 and before.text + span.text[0] in COMPOUND_SURNAMES \
                        and len(span.text) <= 3:
                    start = before.idx  # 司 | 马静芳: the tag took the second half of 司马
            candidate = span.doc.text[start:end]
            if not looks_like_name(candidate):
                continue
            end = self._extend_split_name(span, start, end)
            results.append(self._result(start, end, self.ner_score, self.NER_EXPLANATION))
        return results

    @staticmethod
    def _extend_split_name(span, start: int, end: int) -> int:
        """
        The end of a tagged name, extended over a last character that jieba split off (朱紫 | 萱 | （).

        Only for a tag covering the surname and one character, followed by a one-character token that
        can end a given name, followed in turn by a delimiter; never over an everyday word.
        """
        text = span.doc.text
        if end - start != surname_length(text[start:end]) + 1 or span.end >= len(span.doc):
            return end
        following = span.doc[span.end]
        if len(following.text) != 1 or following.text in NOT_NAME_CHARS or not _is_given_name_char(following.text):
            return end
        extended = text[start : end + 1]
        if ends_name(text, end + 1) and looks_like_name(extended) and not is_everyday_word(extended):
            return end + 1
        return end

    def validate_result(self, pattern_text: str) -> Optional[bool]:
        """
        Reject organisation and place words that happen to start with a surname (公安局, 王府井街); a
        Latin-letter name (after an English role word) is taken as found.

        :param pattern_text: the text detected by the regex engine
        :return: False for a non-name; None keeps the pattern's score
        """
        if pattern_text.isascii() or _DOTTED.fullmatch(pattern_text):
            return None
        compact = _SPACES.sub("", pattern_text)
        return None if looks_like_name(compact) or is_minority_name(compact) else False

    def _result(self, start: int, end: int, score: float, explanation_text: str) -> RecognizerResult:
        explanation = AnalysisExplanation(
            recognizer=self.name,
            original_score=score,
            textual_explanation=explanation_text,
        )
        return RecognizerResult(
            entity_type=self.supported_entities[0],
            start=start,
            end=end,
            score=score,
            analysis_explanation=explanation,
            recognition_metadata={
                RecognizerResult.RECOGNIZER_NAME_KEY: self.name,
                RecognizerResult.RECOGNIZER_IDENTIFIER_KEY: self.id,
            },
        )

