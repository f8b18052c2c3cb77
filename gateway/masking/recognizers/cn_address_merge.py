"""How cn_address merges its patterns' addresses with those that start at a division's name.

Owns with_divisions: each address once, the one starting at a division name marked (DIVISION_START), words
glued before a division name left out (`glue`, cn_address's rule, is passed in so the grammar stays there);
on a long body it works per cluster of overlapping addresses, so it stays linear in the addresses.
"""

from __future__ import annotations

from typing import Callable, List, Tuple

from presidio_analyzer import RecognizerResult

from ..spans import DIVISION_START

# Above this many (address, division address) pairs, the merge runs per cluster (below, clustering costs more).
CLUSTER_ABOVE = 256


def with_divisions(text: str, found: List[RecognizerResult], named: List[RecognizerResult],
                   glue: Callable[[str], bool]) -> List[RecognizerResult]:
    """_merged, run apart on each cluster of overlapping addresses when there are many (a long body): an
    address only meets those it overlaps (around it, inside it; a moved start only shrinks it), and each
    cluster keeps its own order, so the answer is the same up to the order of addresses that never meet."""
    if len(found) * len(named) <= CLUSTER_ABOVE:
        return _merged(text, found, named, glue)
    spans = sorted([(r.start, r.end, 0, i) for i, r in enumerate(found)] +
                   [(n.start, n.end, 1, i) for i, n in enumerate(named)])
    clusters: List[Tuple[List[int], List[int]]] = []
    reach = -1
    for start, end, kind, i in spans:
        if start >= reach:
            clusters.append(([], []))
        clusters[-1][kind].append(i)
        reach = max(reach, end)
    merged: List[RecognizerResult] = []
    for in_found, in_named in clusters:
        merged += _merged(text, [found[i] for i in sorted(in_found)], [named[i] for i in sorted(in_named)], glue)
    return merged


def _merged(text: str, found: List[RecognizerResult], named: List[RecognizerResult],
            glue: Callable[[str], bool]) -> List[RecognizerResult]:
    """The patterns' addresses and those starting at a division name, each address once.

    An address that starts at a division name replaces the matches inside it (河南街道12号, read as from the
    province 河南, inside 延边朝鲜族自治州延吉市河南街道12号). One inside a pattern's match is not added: that
    match began earlier only because words that are no address component were glued before the name
    (张三日喀则市…, 原籍浦东新区…), so it starts at the name instead and those words stay out of it. Each
    address that starts at a division name is marked so (DIVISION_START): a person's name that runs into it
    ends where it starts (张三杭|州市… is 张三 | 杭州市…, spans.resolve_overlaps).
    """
    for n in named:
        around = [r for r in found if r.start <= n.start and n.end <= r.end]
        if not around:
            found.append(n)
            around = [n]
        for r in around:
            if r.start < n.start and glue(text[r.start:n.start]):
                r.start = n.start
        starting_here = [r for r in around if r.start == n.start]
        if not starting_here:  # inside an address that rightly began earlier (88号北京市…浙江省北京市建国路)
            continue
        outer = max(starting_here, key=lambda r: (r.end, r.score))
        outer.recognition_metadata[DIVISION_START] = True  # a name running into it stops here (spans)
        found = [r for r in found if r is outer or not (outer.start <= r.start and r.end <= outer.end)]
    return found
