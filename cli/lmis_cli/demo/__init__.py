"""Realistic demo data: a deterministic plan (`generate`) sent through the public APIs (`load`).

lmis demo load                      # what `lmis up` runs: the default size, idempotent
lmis demo generate --workers 100000 --out plan.jsonl   # a plan for benchmarks
"""

from lmis_cli.demo.cli import load_demo
from lmis_cli.demo.generate import generate_plan
from lmis_cli.demo.load import LoadReport, load_plan
from lmis_cli.demo.plan import Entity, Plan, Sizes, Step, read_jsonl, write_jsonl

__all__ = [
    "Entity",
    "LoadReport",
    "Plan",
    "Sizes",
    "Step",
    "generate_plan",
    "load_demo",
    "load_plan",
    "read_jsonl",
    "write_jsonl",
]
