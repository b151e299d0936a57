"""The catalogue and the rules agree: every published code is computed by exactly one kind of
rule, every rule is published, and `by` offers what the rules break down by."""

from __future__ import annotations

from lmis_reporting.domain.catalogue import CATALOGUE, find_indicator
from lmis_reporting.domain.indicators import RULES
from lmis_reporting.domain.measures import RATIO_RULES
from lmis_reporting.domain.stocks import STOCK_RULES

FLOWS = {rule.indicator for rule in RULES}
STOCKS = {rule.indicator for rule in STOCK_RULES}
RATIOS = {rule.indicator for rule in RATIO_RULES}


def test_every_code_is_computed_by_one_kind_of_rule_and_every_rule_is_published() -> None:
    codes = [d.code for d in CATALOGUE]

    assert len(codes) == len(set(codes))
    assert set(codes) == FLOWS | STOCKS | RATIOS
    assert len(FLOWS) + len(STOCKS) + len(RATIOS) == len(codes)  # no code in two kinds


def test_flows_count_over_periods_and_stocks_on_dates() -> None:
    for definition in CATALOGUE:
        if definition.code in FLOWS:
            assert definition.kind == "flow", definition.code
        if definition.code in STOCKS:
            assert definition.kind == "stock", definition.code
    for ratio in RATIO_RULES:
        definition, denominator = find_indicator(ratio.indicator), find_indicator(ratio.denominator)
        assert definition is not None
        assert denominator is not None
        assert definition.is_ratio
        assert definition.kind == denominator.kind


def test_every_indicator_breaks_down_by_unit_and_what_its_rule_records() -> None:
    for rule in RULES:
        definition = find_indicator(rule.indicator)
        assert definition is not None
        assert {*rule.dimensions, "unit"} <= set(definition.dimensions)
    departed = find_indicator("departed")
    share = find_indicator("departed_high_income_share")
    assert departed is not None
    assert share is not None
    assert "market_tier" in departed.dimensions
    assert share.dimensions == ("unit",)


def test_every_definition_is_written_in_english_and_vietnamese() -> None:
    for definition in CATALOGUE:
        assert definition.definition_en.strip()
        assert definition.definition_vi.strip()
        assert definition.definition_en != definition.definition_vi
