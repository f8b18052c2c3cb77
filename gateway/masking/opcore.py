"""The operator contract: the Operator base class, its OpContext, the REMOVE sentinel and OperatorError.

Operators (operators.py, text_operators.py) are frozen dataclasses called as `op(value, ctx)`; this module
holds only what every one of them shares, so they can live in separate modules without a cycle.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar


class _Remove:
    """Sentinel: the value (field or span) is dropped."""

    _instance = None

    def __new__(cls):
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "REMOVE"

    def __bool__(self) -> bool:
        return False


REMOVE = _Remove()
FULL_REDACTION = "***"


class OperatorError(ValueError):
    """An operator was configured with a missing or invalid parameter (names the parameter)."""

    def __init__(self, param: str | None, problem: str):
        self.param, self.problem = param, problem
        super().__init__(f"{param}: {problem}" if param else problem)


@dataclass(frozen=True, slots=True)
class OpContext:
    """What an operator may need besides the value: the entity it masks and the pseudonym key."""

    entity: str = ""
    pseudonym_key: bytes = b""


class Operator:
    """Base class; subclasses are frozen dataclasses with a `name` and a `__call__`."""

    name: ClassVar[str] = ""
    params: ClassVar[tuple[str, ...]] = ()

    def __call__(self, value: str, ctx: OpContext) -> str | None | _Remove:  # pragma: no cover - abstract
        raise NotImplementedError
