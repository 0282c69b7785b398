"""Seeded outputs of every shipped scenario, sample capture, walk, HA example and the tour are those recorded
in expected.json (see golden_cases.py): a restructuring must not change a byte of them."""

from __future__ import annotations

import json

import pytest
from golden_cases import EXPECTED, cases, run_case

_EXPECTED = json.loads(EXPECTED.read_text())


@pytest.mark.parametrize(("name", "argv", "files"), cases(), ids=[c[0] for c in cases()])
def test_output_unchanged(name, argv, files):
    assert name in _EXPECTED, f"{name} was never recorded: run python tests/golden/golden_cases.py"
    assert run_case(argv, files) == _EXPECTED[name]


def test_every_recorded_case_is_still_run():
    assert sorted(_EXPECTED) == sorted(c[0] for c in cases())
