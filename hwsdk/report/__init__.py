"""Reports generated from a PartitionPlan alone: text, JSON (``plan.to_json()``, schema in
docs/plan-schema.md), Graphviz DOT, and one self-contained HTML page. None imports torch."""

from hwsdk.report.dot import render_dot
from hwsdk.report.html import render_html
from hwsdk.report.text import render_matrix, render_report, render_summary

__all__ = ["render_summary", "render_report", "render_matrix", "render_dot", "render_html"]
