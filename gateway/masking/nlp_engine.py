"""A light presidio NlpEngine for Chinese: jieba tokens and, on request, jieba POS name tags.

No model is downloaded: jieba ships its dictionary. `process_text` returns valid presidio
NlpArtifacts (a spaCy Doc built from jieba's tokens over a blank vocabulary, token offsets, lemmas =
the tokens, keywords for presidio's context enhancer). With `with_entities=True` (the default, as
presidio calls it) the text is POS-tagged and every token jieba tags as a personal name (`nr`, `nrt`,
`nrfg`) becomes an entity Span labelled PERSON; the token tags are kept as Token.tag_. Without it
(the detector's choice for structured values) only the cheaper tokenizer runs and there are no entities.
jieba's dictionary tags many everyday words as names, so a dictionary word counts only when it is rare
(see is_probable_name); names jieba recognises as unknown words always count.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable, Iterator
from itertools import accumulate
from typing import Any

import jieba
import jieba.posseg
import rjieba
from presidio_analyzer.nlp_engine import NlpArtifacts, NlpEngine
from spacy.tokens import Doc
from spacy.vocab import Vocab

from .recognizers.cn_person import COMPOUND_SURNAMES

PERSON_LABEL = "PERSON"
NAME_TAG_PREFIX = "nr"
# jieba's dictionary tags many everyday words as names (齐全, 修正, 明白 are `nr`). A name-tagged token
# counts as a person only if jieba found it as an unknown word (no dictionary frequency) or it is a
# rare dictionary entry: below these frequencies by length (2 characters, 3 or more).
MAX_DICTIONARY_FREQUENCY = {2: 10, 3: 100}

STOPWORDS_ZH = frozenset(
    "的 了 在 是 和 与 及 或 并 于 对 为 将 把 被 从 到 给 向 就 也 都 还 又 再 而 且 之 其 该 本 此 这 那 个 着 过 "
    "我 你 他 她 它 们 a an the of to in on and or is are was were".split()
)
PUNCTUATION = frozenset("，。、；：？！…—·（）《》〈〉「」『』【】〔〕“”‘’,.;:?!()[]{}<>\"'`~@#$%^&*-_=+|\\/")

_PUNCTUATION_CHARS = "".join(sorted(PUNCTUATION))
_jieba_lock = threading.Lock()
_jieba_ready = False


def _initialize_jieba() -> None:
    """Load jieba's dictionary once per process (it logs at INFO by default: silence it)."""
    global _jieba_ready
    with _jieba_lock:
        if not _jieba_ready:
            jieba.setLogLevel(logging.WARNING)
            jieba.initialize()
            _jieba_ready = True


def is_probable_name(word: str) -> bool:
    """A name-tagged token that is an unknown word to jieba, or a rare dictionary entry."""
    if len(word) < 2:
        return False
    # 0: not a word, only a prefix of longer dictionary words
    return _probable(jieba.dt.FREQ.get(word) or 0, len(word))


def name_tag_indices(tags: list[str]) -> list[int]:
    """[i for i, tag in enumerate(tags) if tag[:2] == NAME_TAG_PREFIX], found in C: the name tags are searched in
    the tags joined by spaces (jieba's tags hold none), and a tag's index is the number of spaces before it. A text
    has a name tag or two among dozens of tokens; the comprehension tested every tag in Python."""
    joined = " " + " ".join(tags)
    if joined.count(" ") != len(tags):  # a tag holding a space (jieba's never do): the plain test
        return [i for i, tag in enumerate(tags) if tag[:2] == NAME_TAG_PREFIX]
    marker = " " + NAME_TAG_PREFIX
    found = []
    at = joined.find(marker)
    while at >= 0:
        found.append(joined.count(" ", 0, at))
        at = joined.find(marker, at + 1)
    return found


def name_spans(doc: Doc | None, words: list[str], tags: list[str], raw: bool = False,
               marked: list[int] | None = None) -> list:
    """Spans of name-tagged tokens that are probable names; a compound surname jieba split off
    (欧阳 | 娜娜) is joined to the given name after it. With `raw`, (start, end) token indices.
    `marked`: name_tag_indices(tags), when the caller has worked it out."""
    spans = []
    frequencies = jieba.dt.FREQ
    for i in name_tag_indices(tags) if marked is None else marked:
        start, word = i, words[i]
        if i > 0 and words[i - 1] in COMPOUND_SURNAMES and len(word) <= 2:
            start, word = i - 1, words[i - 1] + word
        if len(word) >= 2 and _probable(frequencies.get(word) or 0, len(word)):  # is_probable_name, inlined
            spans.append((start, i + 1) if raw else doc[start : i + 1])
    return spans


def _probable(frequency: int, length: int) -> bool:
    """is_probable_name's test of a word of `length` >= 2 characters with this dictionary frequency."""
    return frequency == 0 or frequency < MAX_DICTIONARY_FREQUENCY[min(length, 3)]


class _LiteToken:
    __slots__ = ("text", "idx")

    def __init__(self, text: str, idx: int):
        self.text, self.idx = text, idx


class _LiteDoc:
    """The little of a spaCy Doc that name spans are read through: text, tokens by index, length (a token
    object is made only when one is read: the person recognizer reads a few around each name)."""

    __slots__ = ("text", "_words", "_starts")

    def __init__(self, text: str, words: list[str], starts: list[int]):
        self.text, self._words, self._starts = text, words, starts

    def __getitem__(self, i: int) -> _LiteToken:
        if i < 0:
            i += len(self._words)
        return _LiteToken(self._words[i], self._starts[i])

    def __len__(self) -> int:
        return len(self._words)


class _LiteSpan:
    """A name-tagged run of tokens [start, end) of a _LiteDoc, read like a spaCy Span."""

    __slots__ = ("doc", "start", "end", "start_char", "end_char", "text", "label_")

    def __init__(self, doc: _LiteDoc, start: int, end: int):
        self.doc, self.start, self.end = doc, start, end
        self.start_char = doc._starts[start]  # doc[start].idx, without making the token
        self.end_char = doc._starts[end - 1] + len(doc._words[end - 1])
        self.text = doc.text[self.start_char:self.end_char]
        self.label_ = PERSON_LABEL


class LightArtifacts:
    """NlpArtifacts without its spaCy Doc: `tokens` are the token strings (presidio's context enhancer reads
    only their text and length), `lemmas` the same strings, `keywords` as NlpArtifacts.set_keywords makes
    them, worked out only if the enhancer reads them."""

    __slots__ = ("entities", "tokens", "tokens_indices", "token_ends", "lemmas", "scores", "_engine", "_language",
                 "_keywords", "_keyword_set", "_is_keyword")

    def __init__(self, entities: list, words: list[str], indices: list[int], ends: list[int],
                 engine: "ChineseNlpEngine", language: str):
        self.entities, self.tokens, self.tokens_indices, self.token_ends = entities, words, indices, ends
        self.lemmas = words
        self.scores = [0.85] * len(entities)
        self._engine, self._language, self._keywords, self._keyword_set = engine, language, None, None
        self._is_keyword = None

    @property
    def keywords(self) -> list[str]:
        if self._keywords is None:
            self._keywords = NlpArtifacts.set_keywords(self._engine, self.lemmas, self._language)
        return self._keywords

    @property
    def keyword_set(self) -> frozenset[str]:
        """The keywords as a set: what spans.KeyContextEnhancer asks of them is membership."""
        if self._keyword_set is None:  # NlpArtifacts.set_keywords over this engine's word classes, inlined
            keywords: set[str] = set()
            for lemma in self.lemmas:
                lower = lemma.lower()
                if lower in STOPWORDS_ZH or not lemma.strip() or not lemma.strip(_PUNCTUATION_CHARS) \
                        or lemma == "-PRON-" or lemma == "be":
                    continue
                keywords.update(lower.split(":"))
            self._keyword_set = frozenset(keywords)
        return self._keyword_set

    @property
    def is_keyword(self) -> Callable[[str], bool]:
        """Whether a lemma of these artifacts is a keyword (its lowered form is in keyword_set), tested on the
        lemma alone: the set is only built when a lemma could make it differ from that test (one holding ':'
        adds its parts; "be" and "-PRON-" are dropped by spelling, not by lowered form)."""
        if self._is_keyword is None:
            lemmas = self.lemmas
            if "be" in lemmas or "-PRON-" in lemmas or ":" in "".join(lemmas):
                keyword_set = self.keyword_set
                self._is_keyword = lambda lemma: lemma.lower() in keyword_set
            else:
                self._is_keyword = _plain_keyword
        return self._is_keyword


def _plain_keyword(lemma: str) -> bool:
    """keyword_set's filter for one lemma: no stopword, whitespace or punctuation (a pure verdict per word,
    remembered in a bounded table: the enhancer asks it of the same few hundred words on every page)."""
    verdict = _KEYWORD_VERDICTS.get(lemma)
    if verdict is None:
        if len(_KEYWORD_VERDICTS) >= _KEYWORD_VERDICTS_MAX:
            _KEYWORD_VERDICTS.clear()  # (bounded; a race with another thread only recomputes a verdict)
        verdict = _KEYWORD_VERDICTS[lemma] = _keyword_verdict(lemma)
    return verdict


def _keyword_verdict(lemma: str) -> bool:
    return lemma.lower() not in STOPWORDS_ZH and bool(lemma.strip()) and bool(lemma.strip(_PUNCTUATION_CHARS))


_KEYWORD_VERDICTS: dict[str, bool] = {}
_KEYWORD_VERDICTS_MAX = 1 << 16


class ChineseNlpEngine(NlpEngine):
    """
    NlpEngine over jieba: tokens, offsets, lemmas, POS tags and PERSON entities from name tags.

    :param languages: the language codes this engine answers for (default ["zh"])
    """

    engine_name = "jieba"
    is_available = True

    def __init__(self, languages: Iterable[str] = ("zh",)):
        self.languages = list(languages)
        self._vocab = Vocab()
        self._loaded = False

    def load(self) -> None:
        """Load jieba's dictionary (no network, no model download)."""
        _initialize_jieba()
        self._loaded = True

    def is_loaded(self) -> bool:
        """Return True once jieba's dictionary is loaded."""
        return self._loaded

    def process_text(self, text: str, language: str, with_entities: bool = True) -> NlpArtifacts:
        """
        Tokenize the text (and POS-tag it when with_entities) into presidio NlpArtifacts.

        :param text: the text to process
        :param language: one of this engine's languages
        :param with_entities: run jieba's POS tagger and report name-tagged tokens as PERSON entities
        """
        self._check(text, language)
        if not self._loaded:
            self.load()
        if not text:
            return self._artifacts(Doc(self._vocab, words=[]), [], [], language)
        if with_entities:  # rjieba (jieba-rs): jieba's dictionary, HMM and tags, ~100x faster than jieba.posseg
            pairs = rjieba.tag(text, True)
            words = [word for word, _ in pairs]
            tags = [flag for _, flag in pairs]
        else:
            words = rjieba.cut(text, False)
            tags = None
        if "".join(words) != text:  # jieba must cover every character; never misplace an offset
            words, tags = list(text), None
        doc = Doc(self._vocab, words=words, spaces=[False] * len(words), tags=tags)
        indices = [token.idx for token in doc]
        entities = []
        if tags is not None:
            entities = name_spans(doc, words, tags)
            for span in entities:
                span.label_ = PERSON_LABEL
        return self._artifacts(doc, indices, entities, language)

    def tag_many(self, texts: list[str]) -> list[tuple[list[str], list[str]] | None]:
        """jieba's (words, tags) of each text, tagged on its own: what light_artifacts and process_text tag.

        One call per text: measured on the bench's free-text page, rjieba tags 53 remarks faster one by one
        than joined by a separator (the separators are tagged too), and no token list has to be cut back
        into texts. A text whose tokens do not cover its own characters exactly gets None, and the caller
        tags it alone (light_artifacts then falls back to one token per character, as process_text does)."""
        if not self._loaded:
            self.load()
        out: list[tuple[list[str], list[str]] | None] = []
        tag = rjieba.tag
        for text in texts:
            pairs = tag(text, True) if text else []
            words = [word for word, _ in pairs]  # (two comprehensions beat map(list, zip(*pairs)) here)
            out.append((words, [flag for _, flag in pairs]) if "".join(words) == text else None)
        return out

    def light_artifacts(self, text: str, language: str, with_entities: bool = True,
                        tagged: tuple[list[str], list[str]] | None = None,
                        named: list[tuple[int, int]] | None = None) -> "LightArtifacts":
        """What process_text returns, as read by the person recognizer and presidio's context enhancer —
        the same tokens, offsets, lemmas, keywords and PERSON entities — without building a spaCy Doc.
        `tagged`: this text's (words, tags) from tag_many (which checked that they cover the text), when the
        batch tagged it already; `named`: name_spans(None, *tagged, raw=True), when the caller worked it out."""
        self._check(text, language)
        if not self._loaded:
            self.load()
        from_tag_many = with_entities and tagged is not None
        if from_tag_many:
            words, tags = tagged  # tag_many checked that the words cover the text
        elif with_entities:
            pairs = rjieba.tag(text, True) if text else []
            words, tags = [word for word, _ in pairs], [flag for _, flag in pairs]
        else:
            words, tags = (rjieba.cut(text, False) if text else []), None
        if not from_tag_many and "".join(words) != text:
            words, tags = list(text), None
        ends = list(accumulate(map(len, words)))
        indices = [0, *ends[:-1]] if words else []
        entities = []
        if tags:
            doc = _LiteDoc(text, words, indices)
            if named is None or not from_tag_many:
                named = name_spans(None, words, tags, raw=True)
            entities = [_LiteSpan(doc, a, b) for a, b in named]
        return LightArtifacts(entities, words, indices, ends, self, language)

    def process_batch(
        self,
        texts: Iterable[str],
        language: str,
        batch_size: int = 1,
        n_process: int = 1,
        **kwargs: Any,
    ) -> Iterator[tuple[str, NlpArtifacts]]:
        """Process each text in turn (jieba has no batch mode worth using here)."""
        with_entities = kwargs.pop("with_entities", True)
        for text in texts:
            text = str(text)
            yield text, self.process_text(text, language, with_entities=with_entities)

    def is_stopword(self, word: str, language: str) -> bool:
        """Return True for Chinese function words and a few English ones."""
        return word.lower() in STOPWORDS_ZH

    def is_punct(self, word: str, language: str) -> bool:
        """Return True for punctuation and whitespace tokens."""
        return not word.strip() or not word.strip(_PUNCTUATION_CHARS)  # strip in C: all punctuation

    def get_supported_entities(self) -> list[str]:
        """The entity label this engine produces."""
        return [PERSON_LABEL]

    def get_supported_languages(self) -> list[str]:
        """The languages this engine answers for."""
        return list(self.languages)

    def _artifacts(self, doc: Doc, indices: list[int], entities: list, language: str) -> NlpArtifacts:
        return NlpArtifacts(
            entities=entities,
            tokens=doc,
            tokens_indices=indices,
            lemmas=[token.text for token in doc],
            nlp_engine=self,
            language=language,
            scores=[0.85] * len(entities),
        )

    def _check(self, text: Any, language: str) -> None:
        if not isinstance(text, str):
            raise TypeError("text must be a string")
        if language not in self.languages:
            raise ValueError(f"language {language!r} is not supported by this NLP engine")
