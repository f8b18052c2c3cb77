"""The normalised view detection sees, and its map back to the caller's characters."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from gateway.masking.normalise import normalise, normalise_many


def test_full_width_and_separated_identifiers_become_compact():
    assert normalise("手机１３８１２３４５６７８").text == "手机13812345678"
    assert normalise("110101 19900307 777X").text == "11010119900307777X"
    assert normalise("+86 138-1234-5678").text == "+8613812345678"
    assert normalise("0571-8581 8451").text == "0571-85818451"


def test_dates_and_numbers_side_by_side_keep_their_separators():
    assert normalise("2023-01-05 12:00").text == "2023-01-05 12:00"
    assert normalise("13812345678 13912345678").text == "13812345678 13912345678"
    assert normalise("020-33125001-2216").text == "020-33125001-2216"


def test_spans_map_back_to_the_original_characters():
    text = "身份证 110101 19900307 777X 电话 138-1234-5678。"
    view = normalise(text)
    start = view.text.index("11010119900307777X")
    assert text[slice(*view.span(start, start + 18))] == "110101 19900307 777X"
    start = view.text.index("13812345678")
    assert text[slice(*view.span(start, start + 11))] == "138-1234-5678"


@settings(max_examples=500, deadline=None)
@given(st.text(alphabet="0123456789０１２ -X+。a", max_size=40))
def test_every_view_character_maps_to_its_original(text):
    view = normalise(text)
    for i, ch in enumerate(view.text):
        start, end = view.span(i, i + 1)
        assert end - start == 1
        assert normalise(text[start]).text == ch


def test_octets_and_a_group_after_a_spaced_dash_keep_their_separators():
    assert normalise("D1-28-25-73-77-13").text == "D1-28-25-73-77-13"  # a MAC written in pairs
    assert normalise("12 34 56 78 90 12").text == "12 34 56 78 90 12"
    # a local number and its extension after a spaced dash do not merge into one long number
    assert normalise("电话0871 - 53604089-347").text == "电话0871 - 53604089-347"
    assert normalise("+86 991 4193383").text == "+869914193383"


def _reference(text: str):
    """normalise() as it was before its runs were counted in C (the per-character version), for the
    property test below: the same view and the same map on every string."""
    from gateway.masking import normalise as n

    if not text.isascii():
        text = n._REPLACED.sub(n._replace, text)
    if "-" not in text and " " not in text:
        return text, [], []
    pieces, marks, shifts, removed, last = [], [], [], 0, 0
    for m in n._RUN.finditer(text):
        run, start = m.group(0), m.start()
        if run[0] == "0" and run[1] != "0":
            cut = next(i for i, ch in enumerate(run) if ch in " -") + 1
            while cut < len(run) and run[cut] in " -":
                cut += 1
            if sum(ch.isdigit() for ch in run[cut:]) not in (7, 8):
                continue
            start, run = start + cut, run[cut:]
        elif n._OCTETS.fullmatch(run) or n._AFTER_GROUP.search(text, max(0, start - 4), start):
            continue
        elif sum(ch.isdigit() for ch in run) not in n.SQUEEZE_DIGITS or n._WHOLE_GROUP.search(run):
            if not (sum(ch.isdigit() for ch in run) in (7, 8)
                    and text[max(0, start - 2):start].rstrip()[-1:] in (")", "）")):
                continue
        pieces.append(text[last:start])
        position, pending, kept = start, False, []
        for ch in run:
            if ch == " " or ch == "-":
                removed += 1
                pending = True
            else:
                if pending:
                    marks.append(position - removed)
                    shifts.append(removed)
                    pending = False
                kept.append(ch)
            position += 1
        pieces.append("".join(kept))
        last = m.end()
    if not marks:
        return text, [], []
    pieces.append(text[last:])
    return "".join(pieces), marks, shifts


@given(st.lists(st.sampled_from(["0", "1", "3", "8", "9", "0571", "0755-", "010 ", "138", "1234", "5678", " ",
                                 "-", "  ", " - ", "X", "x", "+86 ", "0086", "(", ")", "（", "）", "٣", "２",
                                 "号", "a", "：", "D1-28-25-73-77-13", "2023-02-16", "0123-04-05",
                                 "0012-34-56"]), max_size=14).map("".join))
def test_the_counted_runs_give_the_view_and_map_the_per_character_version_gave(text):
    view = normalise(text)
    assert (view.text, view.marks, view.shifts) == _reference(text)


# Full-width marks and digits, the ideographic space and dashes normalise replaces, digits, separators, CJK, and the
# line break normalise_many joins its texts with.
_MANY = st.text(alphabet="0123456789０１２３ -－—X+。，：（）\u3000\u00a0\n王路a", max_size=30)


@settings(max_examples=500, deadline=None)
@given(st.lists(_MANY, max_size=8))
def test_normalise_many_is_normalise_of_each(texts):
    assert normalise_many(texts) == [normalise(text) for text in texts]
