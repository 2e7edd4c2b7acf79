"""Printed labels of derivation stages: descriptions, not internal keys."""

from __future__ import annotations

import sympy as sp

from workbench.report.printing import saddle_label, term_label
from workbench.report.prose import escape_prose


def test_action_terms_are_described():
    assert term_label("dynamics[all]") == "dynamics term (all neurons)"
    assert term_label("coupling[all,all]") == "coupling term (all pairs of neurons)"
    assert term_label("coupling[E,I]") == "coupling term (from population I to population E)"
    assert term_label("noise[E]") == "noise term (population E)"
    assert term_label("lambda0") == "lambda0"  # not an action term: unchanged


def test_saddle_point_labels_differ_per_variable():
    t, s = sp.symbols("t_0 s_0")
    names = {saddle_label(f) for f in (sp.Function("Q")(t, s), sp.Function("Qtilde")(t, s), sp.Function("m")(t),
                                        sp.Function("mtilde")(t))}
    assert len(names) == 4 and all(n.startswith("saddle point, ") for n in names)


def test_braced_exponent_is_typeset():
    assert escape_prose("M = T^{-1}(-I + W G)") == "M = $T^{-1}$(-I + W G)"
