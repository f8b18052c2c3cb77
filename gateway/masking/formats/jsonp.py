"""JSONP: `callback(<JSON>);` — the JSON inside is masked like a JSON body. The callback must be a plain
dotted JavaScript identifier (at most 128 characters, fewer than 5 digits: a name is never a place for
an identifier); anything else in the body (a second statement,
`typeof cb === 'function' && cb(...)`, a comment other than the usual leading `/**/`) is refused
(`invalid_jsonp`): a script we cannot read is a script we cannot mask."""

from __future__ import annotations

import json
import re

from ..refusal import MaskingRefused
from . import Sink

_JSONP = re.compile(r"\A\s*(?:/\*\*/\s*)?([A-Za-z_$][\w$]{0,63}(?:\.[A-Za-z_$][\w$]{0,63}){0,3})\s*\((.*)\)\s*;?\s*\Z",
                    re.DOTALL | re.ASCII)


def mask(text: str, sink: Sink) -> str:
    m = _JSONP.match(text)
    if m is None or len(m.group(1)) > 128 or sum(c.isdigit() for c in m.group(1)) >= 5:  # no number in a name
        raise MaskingRefused("invalid_jsonp")
    callback, inner = m.group(1), m.group(2)
    try:
        doc = json.loads(inner)
    except RecursionError:
        raise MaskingRefused("too_deep") from None
    except ValueError:
        raise MaskingRefused("invalid_jsonp") from None
    holder = sink.collect(doc)
    sink.run()
    return f"{callback}({json.dumps(holder[0], ensure_ascii=False, separators=(',', ':'))});"
