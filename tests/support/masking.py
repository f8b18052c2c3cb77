"""Shared helpers for the masking tests: one real Detector per test process, Maskers, a catalog resource."""

from __future__ import annotations

import functools

from gateway.catalog import Field, FieldClass, Resource, Share
from gateway.config import MaskingSettings
from gateway.masking.engine import Masker, MaskingView
from gateway.masking.rules import MaskingRules, default_rules


@functools.lru_cache(maxsize=1)
def detector():
    """The real detector, built once per test process (it is slow to build, cheap to call)."""
    from gateway.masking.detector import Detector

    return Detector()


def masker(rules: MaskingRules | None = None, settings: MaskingSettings | None = None, det=None, **kw) -> Masker:
    return Masker(rules or default_rules(), settings or MaskingSettings(), det or detector(), **kw)


def resource(*fields: tuple[str, str, str | None], code: str = "GA-RK-0001") -> Resource:
    """A catalog resource with (name, class, entity) fields."""
    made = tuple(Field(name, name, FieldClass(klass), entity) for name, klass, entity in fields)
    return Resource(code, "人口基本信息", "GA", "/ga/rk", Share.CONDITIONAL, "http://127.0.0.1:9/rk",
                    fields=made, by_key={f.name: f for f in made})


POPULATION = resource(
    ("xm", "personal", "PERSON"),
    ("sfzh", "sensitive", "CN_ID_CARD"),
    ("sjhm", "personal", "CN_MOBILE"),
    ("zz", "personal", "CN_ADDRESS"),
    ("csrq", "personal", "DATE_OF_BIRTH"),
    ("mz", "personal", None),
    ("bz", "personal", "FREE_TEXT"),
    ("yysr", "trade_secret", None),
    ("nsje", "trade_secret", "TRADE_SECRET"),
    ("dwmc", "public", None),
    ("tyshxydm", "public", "CN_USCC"),
    ("gxsj", "internal", None),
)
PUBLIC_RES = resource(("dwmc", "public", None), ("tyshxydm", "public", "CN_USCC"), code="SC-QY-0001")
UNLABELLED = MaskingView(resource=None)
