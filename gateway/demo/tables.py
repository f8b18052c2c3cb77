"""The demo collections served in table shapes, derived deterministically from the register and the reports.

Real department exports are often not lists of objects. Two collections here are served that way:

- `households` (MZ, 低保家庭成员花名册): one row per household member, served as an array whose first
  element is the header row (`["姓名", "与户主关系", "公民身份号码", …]`) and whose other elements are the
  rows; the remark column holds sentences with the names, phones and addresses of relatives;
- `financials` (SCJG, 企业财务报表): one record per enterprise with its statement as rows of item and
  amounts (`{"xm": "营业收入", "bnje": …, "snje": …}`) and three years of figures under pinyin keys
  (`{"nd": 2021, "yysr": …, "nsze": …}`) — trade secrets found by shape and key name.

`Dataset.shape` tells the demo upstream how to serve a page ("header_rows" here; "records" for the rest).
"""

from __future__ import annotations

import random

from .dataset import Dataset

HOUSEHOLD_HEADER = ("姓名", "与户主关系", "公民身份号码", "联系电话", "现住址", "备注")
HOUSEHOLD_COUNT = 60
_RELATIONS = ("配偶", "儿子", "女儿", "父亲", "母亲")
_STATEMENT_ITEMS = (("营业收入", 1.0), ("营业成本", 0.72), ("利润总额", 0.11), ("纳税总额", 0.05))
FINANCIAL_COUNT = 60


def _member_remark(rng: random.Random, head: dict, member: dict, relation: str) -> str:
    kind = rng.randrange(4)
    if kind == 0:
        return f"{relation}{member['xm']}在外务工，联系电话{member['sjhm']}，每月寄回生活费。"
    if kind == 1:
        return f"户主{head['xm']}因病丧失劳动能力，由{relation}{member['xm']}照顾，现住{member['zz']}。"
    if kind == 2:
        return f"{member['xm']}系户主{head['xm']}之{relation[-1]}，在读学生，无收入。"
    return "经入户核查，家庭收入情况属实。"


def households(persons: Dataset, seed: str) -> Dataset:
    """Household member rows (dicts keyed by HOUSEHOLD_HEADER), heads and members from the register."""
    rng = random.Random(f"{seed}:households")
    people = list(persons.records)
    rows: list[dict] = []
    at = 0
    while len(rows) < HOUSEHOLD_COUNT and at < len(people):
        size = rng.choice((1, 2, 3, 3, 4))
        family, at = people[at:at + size], at + size
        head = family[0]
        for i, member in enumerate(family):
            relation = "户主" if i == 0 else rng.choice(_RELATIONS)
            rows.append({
                "姓名": member["xm"], "与户主关系": relation, "公民身份号码": member["sfzh"],
                "联系电话": member["sjhm"], "现住址": head["zz"],
                "备注": "户主本人。" if i == 0 else _member_remark(rng, head, member, relation),
            })
    return Dataset("households", "公民身份号码", tuple(rows[:HOUSEHOLD_COUNT]), shape="header_rows")


def financials(reports: Dataset, seed: str) -> Dataset:
    """Each reporting enterprise's statement (item/amount rows) and three years of pinyin-keyed figures."""
    rng = random.Random(f"{seed}:financials")
    out = []
    for report in reports.records[:FINANCIAL_COUNT]:
        revenue = float(report["yysr"])
        statement = []
        for item, share in _STATEMENT_ITEMS:
            this_year = round(revenue * share * rng.uniform(0.9, 1.1), 2)
            statement.append({"xm": item, "bnje": this_year, "snje": round(this_year * rng.uniform(0.8, 1.05), 2)})
        years = []
        for back in (2, 1, 0):
            factor = rng.uniform(0.7, 1.0) ** back
            years.append({"nd": report["nd"] - back, "yysr": round(revenue * factor, 2),
                          "lrze": round(float(report["lrze"]) * factor, 2), "nsze": round(float(report["nsze"]) * factor, 2)})
        out.append({"tyshxydm": report["tyshxydm"], "qymc": report["qymc"], "bbnd": report["nd"],
                    "cwbb": statement, "lnsj": years, "cyrs": report["cyrs"]})
    return Dataset("financials", "tyshxydm", tuple(out))


def table_datasets(persons: Dataset, reports: Dataset, seed: int) -> tuple[Dataset, Dataset]:
    """(households, financials) for the demo data of `seed`."""
    return households(persons, str(seed)), financials(reports, str(seed))


def page_items(dataset: Dataset, records: list[dict]) -> list:
    """A page's `items` as the department serves it: records as they are, or a header row then rows."""
    if dataset.shape == "header_rows":
        header = list(HOUSEHOLD_HEADER)
        return [header] + [[r[h] for h in header] for r in records]
    return records
