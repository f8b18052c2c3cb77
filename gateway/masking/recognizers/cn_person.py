"""PERSON: Chinese personal names, by surname, by role word and by jieba's name tag.

Three ways a name is found:
- a whole value that is a surname plus one to three characters (two to four in all; a compound
  surname plus one or two). Weak on its own: a key that says "name" (`xm`, `姓名`, `name`) lifts it
  through the context mechanism, so the detector's key hint decides;
- a surname plus one or two characters right after a role word (申请人王小明, 法定代表人：诸葛亮);
- in free text, a token that the NLP engine tagged as a personal name (jieba `nr*`, carried in
  NlpArtifacts.entities) and that starts with a known surname (compound surnames split by jieba,
  欧阳/娜娜, are joined again).
"""

from __future__ import annotations

from typing import List, Optional

from presidio_analyzer import (
    AnalysisExplanation,
    EntityRecognizer,
    Pattern,
    PatternRecognizer,
    RecognizerResult,
)
from presidio_analyzer.nlp_engine import NlpArtifacts

from .cjk import CJK, cjk_class_without

SINGLE_SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁"
    "任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付傅方白邹孟熊秦邱江尹薛闫阎段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃"
    "武戴莫孔向汤常温康施文牛樊葛邢安齐易乔伍庞颜倪庄聂章鲁岳翟殷詹申欧耿关兰焦俞左柳甘祝包宁尚符舒阮"
    "柯纪梅童凌毕单季裴霍涂成苗谷盛曲翁冉骆蓝路游辛靳管柴蒙鲍华喻祁蒲房滕屈饶解牟艾尤阳时穆农司卓古吉"
    "缪简车项连芦麦褚娄窦戚岑景党宫费卜冷晏席卫米柏宗瞿桂全佟应臧闵苟邬边卞姬师和仇栾隋商刁沙荣巫寇桑"
    "郎甄丛仲虞敖巩明佘池查麻苑迟邝官封谈匡鞠惠荆乐冀郁胥南班储原栗燕楚鄢劳谌奚皮粟冼蔺楼盘满闻位厉伊"
    "仝区郜海阚花权强帅屠豆朴盖练廉禹井祖漆巴丰支卿国狄平计索宣晋相初门云容敬来扈晁芮都普阙浦戈伏鹿薄"
    "邸雍辜羊阿乌母裘亓修邰赫杭况那宿鲜印逯隆茹诸战慕危玉银亢嵇公哈湛宾戎勾茅利於呼居揭干但尉冶斯元束"
    "檀衣信展阴昝智幸奉植衡富尧闭由杞蓬雒綦逄黑"
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
)

# Characters that end a name in running text rather than belong to it (王五电话…, 李娜已审核).
NOT_NAME_CHARS = "的了在是于和与及或并已将为向对把被从到给让要会能都也还就再又均曾请经等系先女男性身电手住居户籍地联现当该位息应需须所因提办申签同称出工"
# A value ending in one of these is an organisation or a place, not a person (公安局, 王府井街).
NON_PERSON_ENDINGS = "省市区县镇乡村路街局厅处委办院所队站司厂店馆室组部科会"

NAME_CHAR = cjk_class_without(NOT_NAME_CHARS)
_COMPOUND = "|".join(COMPOUND_SURNAMES)
_ROLES = "|".join(sorted(ROLE_WORDS, key=len, reverse=True))


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
    elif text[0] not in SINGLE_SURNAMES:
        return False
    if text[-1] in NON_PERSON_ENDINGS:
        return False
    return not any(role in text for role in ROLE_WORDS)


class CnPersonRecognizer(PatternRecognizer):
    """
    Recognize Chinese personal names (姓名) by surname, role word and NLP name tags.

    :param patterns: List of patterns to be used by this recognizer
    :param context: List of context words to increase confidence in detection
    :param supported_language: Language this recognizer supports
    :param supported_entity: The entity this recognizer can detect
    :param ner_score: score of a name found through the NLP engine's name tag
    """

    COUNTRY_CODE = "cn"

    PATTERNS = [
        Pattern(
            "CN name after role word (strong)",
            rf"(?:{_ROLES})(?:[：:是为]|[ \t\u3000]){{0,2}}\K"
            rf"(?:(?:{_COMPOUND}){NAME_CHAR}{{1,2}}|[{SINGLE_SURNAMES}]{NAME_CHAR}{{1,2}})",
            0.85,
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

    def __init__(
        self,
        patterns: Optional[List[Pattern]] = None,
        context: Optional[List[str]] = None,
        supported_language: str = "zh",
        supported_entity: str = "PERSON",
        name: Optional[str] = None,
        ner_score: float = 0.6,
    ):
        patterns = patterns if patterns else self.PATTERNS
        context = context if context else self.CONTEXT
        self.ner_score = ner_score
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
        results.extend(self.analyze_nlp_entities(nlp_artifacts))
        return EntityRecognizer.remove_duplicates(results)

    def analyze_nlp_entities(self, nlp_artifacts: Optional[NlpArtifacts]) -> List[RecognizerResult]:
        """
        Names from the NLP engine's PERSON entities that start with a known surname.

        A compound surname that the tokenizer split off (欧阳 | 娜娜) is joined to the name after it.

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
            candidate = span.doc.text[start:end]
            if not looks_like_name(candidate):
                continue
            results.append(self._ner_result(start, end))
        return results

    def validate_result(self, pattern_text: str) -> Optional[bool]:
        """
        Reject organisation and place words that happen to start with a surname (公安局, 王府井街).

        :param pattern_text: the text detected by the regex engine
        :return: False for a non-name; None keeps the pattern's score
        """
        return None if looks_like_name(pattern_text) else False

    def _ner_result(self, start: int, end: int) -> RecognizerResult:
        explanation = AnalysisExplanation(
            recognizer=self.name,
            original_score=self.ner_score,
            textual_explanation=f"Identified as {self.NER_LABEL} by the NLP engine's name tag",
        )
        return RecognizerResult(
            entity_type=self.supported_entities[0],
            start=start,
            end=end,
            score=self.ner_score,
            analysis_explanation=explanation,
            recognition_metadata={
                RecognizerResult.RECOGNIZER_NAME_KEY: self.name,
                RecognizerResult.RECOGNIZER_IDENTIFIER_KEY: self.id,
            },
        )

