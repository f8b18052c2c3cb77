"""A masking-rules version in force: its text and digest, parsed into MaskingRules, and a Masker for it.

The store of record hands running gateways a new masking-rules version as text; `rules_from_text` parses it
with the same parser as the rules file (errors name the source, line and entry), and `masker_with_rules`
builds a Masker for those rules that shares the already-warmed detector and pseudonym keys, so a swap costs
a parse, not a Presidio start. The masking pool's workers get `(digest, text)` with each job and rebuild the
same way when their digest differs (gateway.masking.pool).
"""

from __future__ import annotations

from pathlib import Path

import yaml

from ..yamlsrc import LineMap, SourceError, _LineLoader
from .rules import MaskingRules, RulesError, _Parser


def rules_from_text(text: str, source: str = "<masking rules version>") -> MaskingRules:
    """Parse a rules text as `load_rules` parses the file; raises RulesError naming source, line and entry."""
    raw = text.encode("utf-8")
    try:
        doc = yaml.load(text, Loader=_LineLoader)  # noqa: S506 - SafeLoader subclass
    except yaml.MarkedYAMLError as e:
        mark = e.problem_mark or e.context_mark
        raise RulesError(source, mark.line + 1 if mark else None, "", f"YAML syntax: {e.problem or e.context}") \
            from None
    except yaml.YAMLError as e:
        raise RulesError(source, None, "", f"YAML syntax: {type(e).__name__}") from None
    except SourceError as e:
        raise RulesError(e.path, e.line, e.entry, e.problem) from None
    if doc is None:
        doc = LineMap()
        doc.key_lines = {}
    return _Parser(Path(source), doc, raw).parse()  # its digest: SHA-256 of the text, as the store's


def masker_with_rules(masker, rules: MaskingRules):
    """A new Masker like `masker` (settings, detector, pseudonym keys) masking with `rules`."""
    from .engine import Masker

    return Masker(rules, masker.settings, masker.detector, pseudonym_keys=masker._keys)
