"""The conformance summary a vendor can publish: text, Markdown and JSON.

Built from the records the conformance tests leave in their reports (one per test): kind
(``op``, ``round_trip``, ``capabilities`` …), target, op, dtype, status and detail.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, Mapping
from typing import Any

__all__ = ["Summary", "SCHEMA_VERSION"]

SCHEMA_VERSION = 1
_MARK = {"passed": "pass", "failed": "FAIL", "skipped": "skip"}
_ORDER = {kind: i for i, kind in enumerate(
    ("targets", "probe", "capabilities", "import", "round_trip", "errors", "unavailable"))}


class Summary:
    """Conformance records grouped by target."""

    def __init__(self, records: Iterable[Mapping[str, Any]] = ()) -> None:
        self.records: list[dict[str, Any]] = [dict(r) for r in records]

    def add(self, record: Mapping[str, Any]) -> None:
        self.records.append(dict(record))

    def targets(self) -> list[str]:
        return sorted({r["target"] for r in self.records})

    def counts(self, target: str) -> Counter[str]:
        return Counter(r["status"] for r in self.records if r["target"] == target)

    def _matrix(self, target: str) -> tuple[list[str], list[str], dict[tuple[str, str], str]]:
        cells = {(r["op"], r["dtype"]): r["status"] for r in self.records
                 if r["target"] == target and r["kind"] == "op"}
        ops = sorted({op for op, _ in cells})
        dtypes = sorted({dt for _, dt in cells})
        return ops, dtypes, cells

    def _contracts(self, target: str) -> list[dict[str, Any]]:
        found = [r for r in self.records if r["target"] == target and r["kind"] != "op"]
        return sorted(found, key=lambda r: (_ORDER.get(r["kind"], len(_ORDER)), r["kind"],
                                            r.get("dtype", "")))

    def input_classes(self, target: str) -> dict[str, Counter[str]]:
        """Input class → how many op x dtype checks ran it, failed it, found it refused,
        declared or not applicable (in the kit's order of classes)."""
        from hwsdk.capability import INPUT_CLASSES

        found: dict[str, Counter[str]] = {}
        for r in self.records:
            if r["target"] == target and r["kind"] == "op":
                for cls, status in (r.get("classes") or {}).items():
                    key = "declared" if status.startswith("declared") else status
                    found.setdefault(cls, Counter())[key] += 1
        order = {c: i for i, c in enumerate(INPUT_CLASSES)}
        return dict(sorted(found.items(), key=lambda kv: order.get(kv[0], len(order))))

    def _declared(self, target: str) -> list[str]:
        return sorted({f"{r['op']} {cls}: {status.partition(': ')[2]}"
                       for r in self.records if r["target"] == target and r["kind"] == "op"
                       for cls, status in (r.get("classes") or {}).items()
                       if status.startswith("declared")})

    def _problems(self, target: str) -> list[dict[str, Any]]:
        return [r for r in self.records if r["target"] == target and r["status"] != "passed"]

    @staticmethod
    def _label(record: Mapping[str, Any]) -> str:
        parts = [record["kind"], record.get("op", ""), record.get("dtype", "")]
        return " ".join(p for p in parts if p)

    def text(self) -> str:
        """Plain text for the terminal."""
        lines: list[str] = []
        for target in self.targets():
            c = self.counts(target)
            lines.append(f"hwsdk conformance for {target}: {c['passed']} passed, "
                         f"{c['failed']} failed, {c['skipped']} skipped")
            ops, dtypes, cells = self._matrix(target)
            if ops:
                width = max(len(op) for op in ops) + 2
                lines.append("  " + "op".ljust(width) + "".join(d.ljust(6) for d in dtypes))
                for op in ops:
                    row = "".join(_MARK.get(cells.get((op, d), ""), "-").ljust(6)
                                  for d in dtypes)
                    lines.append("  " + op.ljust(width) + row)
            contracts = ", ".join(f"{self._label(r)} {_MARK[r['status']]}"
                                  for r in self._contracts(target))
            lines.append(f"  contracts: {contracts}")
            for r in self._problems(target):
                first = (r["detail"] or "").splitlines()[0] if r["detail"] else ""
                lines.append(f"  {_MARK[r['status']]} {self._label(r)}: {first}")
        return "\n".join(lines)

    def markdown(self) -> str:
        """A Markdown page: counts, the op x dtype matrix, contract checks, reasons."""
        out: list[str] = []
        for target in self.targets():
            c = self.counts(target)
            out += [f"# hwsdk conformance: `{target}`", "",
                    f"{c['passed']} passed, {c['failed']} failed, {c['skipped']} skipped.", ""]
            ops, dtypes, cells = self._matrix(target)
            if ops:
                out += ["| op | " + " | ".join(dtypes) + " |",
                        "|---|" + "---|" * len(dtypes)]
                for op in ops:
                    row = " | ".join(_MARK.get(cells.get((op, d), ""), "") for d in dtypes)
                    out.append(f"| {op} | {row} |")
                out.append("")
            classes = self.input_classes(target)
            if classes:
                out += [f"Input classes run: {', '.join(f'`{c}`' for c in classes)}.", "",
                        "| input class | ran | failed | refused | declared unhandled "
                        "| not applicable |", "|---|---|---|---|---|---|"]
                for cls, n in classes.items():
                    out.append(f"| {cls} | {n['ran']} | {n['failed']} | {n['refused']} | "
                               f"{n['declared']} | {n['n/a']} |")
                out.append("")
                declared = self._declared(target)
                if declared:
                    out += ["Declared unhandled by the target (not failures):", ""]
                    out += [f"- {line}" for line in declared] + [""]
            out += ["| contract check | result | detail |", "|---|---|---|"]
            for r in self._contracts(target):
                detail = (r["detail"] or "").replace("\n", " ").replace("|", "\\|")
                out.append(f"| {self._label(r)} | {_MARK[r['status']]} | {detail} |")
            problems = self._problems(target)
            if problems:
                out += ["", "## Failures and skips", ""]
                for r in problems:
                    detail = (r["detail"] or "").replace("\n", "; ")
                    out.append(f"- **{_MARK[r['status']]}** {self._label(r)}: {detail}")
            out.append("")
        return "\n".join(out)

    def to_json(self) -> str:
        """JSON: schema version, counts per target, every record."""
        return json.dumps({
            "schema_version": SCHEMA_VERSION,
            "targets": {t: dict(self.counts(t)) for t in self.targets()},
            "records": self.records,
        }, indent=1)
