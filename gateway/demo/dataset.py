"""A demo department collection (`Dataset`), and the GA collections nested under the population register.

The population register's provider URL `/api/v1/persons` has two not-shared collections under it,
`/api/v1/persons/sensitive` (GA-RK-0002) and `/api/v1/persons/archive` (GA-RK-0003): the layout issue 12
found in real provider APIs, where the gateway must never let the outer, shared entry reach them. Their
records are derived from the register (same people, same valid identifiers), deterministically.
"""

from __future__ import annotations

from dataclasses import dataclass

SENSITIVE_COUNT = 40
ARCHIVE_COUNT = 40
_NOTES = ("宗教信仰：无；曾因治安案件受行政处罚一次", "宗教信仰：佛教；无违法犯罪记录",
          "宗教信仰：无；社区矫正期满", "宗教信仰：基督教；曾有吸毒史，已戒断三年")


@dataclass(frozen=True)
class Dataset:
    """One department collection: the records and the key that addresses one record."""

    name: str
    id_key: str
    records: tuple[dict, ...]
    shape: str = "records"  # how a page is served: "records", or "header_rows" (gateway.demo.tables)

    def get(self, record_id: str) -> dict | None:
        for r in self.records:
            if r[self.id_key] == record_id:
                return dict(r)
        return None

    def __len__(self) -> int:
        return len(self.records)


def nested_datasets(persons: Dataset) -> tuple[Dataset, Dataset]:
    """(persons_sensitive, persons_archive): sensitive notes on the first residents of the register (a
    free-text remark repeating the ID number and mobile, as case officers write them), and the archived
    household entries of the next ones."""
    people = persons.records
    sensitive = tuple(
        {"xm": p["xm"], "sfzh": p["sfzh"],
         "bz": f"{p['xm']}，身份证号{p['sfzh']}，联系电话{p['sjhm']}，{_NOTES[i % len(_NOTES)]}。"}
        for i, p in enumerate(people[:SENSITIVE_COUNT]))
    archive = tuple({"xm": p["xm"], "sfzh": p["sfzh"], "hjdz": p["hjdz"]}
                    for p in people[SENSITIVE_COUNT:SENSITIVE_COUNT + ARCHIVE_COUNT])
    return Dataset("persons_sensitive", "sfzh", sensitive), Dataset("persons_archive", "sfzh", archive)
