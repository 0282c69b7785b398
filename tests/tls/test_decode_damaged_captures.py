"""Only the codec's own verdict on the bytes means "damaged capture": mutated captures never raise anything but
protolab's errors, and a bug in a decode handler surfaces as an internal error instead of a note."""

from __future__ import annotations

import random

import pytest

from protolab.errors import ProtolabError
from protolab.tls.decode import _Observer, decode_capture, load_key_material

from .test_decode import _rewrite, paths

CAPTURES = ["tls12-ecdhe", "tls12-rsa-ems", "tls13"]


def _mutator(seed):
    rng = random.Random(seed)

    def mutate(from_client, data):
        data = bytearray(data)
        for _ in range(rng.choice([1, 1, 2, 5])):
            if data and rng.random() < 0.5:
                data[rng.randrange(len(data))] = rng.randrange(256)
        return bytes(data)
    return mutate


@pytest.mark.parametrize("name", CAPTURES)
def test_mutated_captures_are_results_or_protolab_errors(shared, tmp_path, name):
    capture, keylog = paths(shared, name)
    keys = load_key_material(keylog)
    control = decode_capture(_rewrite(capture, tmp_path / "same.pcap", lambda _c, data: data, mss=1460), keys)
    assert not control.failed_checks and {c.status for c in control.connections} == {"decrypted"}
    outcomes = {"clean": 0, "caught": 0}
    for seed in range(120):
        mutated = _rewrite(capture, tmp_path / f"{seed}.pcap", _mutator(seed), mss=1460)
        try:
            result = decode_capture(mutated, keys)  # anything but a ProtolabError fails the test
        except ProtolabError:  # BadInput (e.g. the key log no longer matches a mangled client random)
            outcomes["caught"] += 1
            continue
        outcomes["caught" if result.failed_checks or result.warnings else "clean"] += 1
    # The rewrite alone keeps the capture whole (control above); the mutations were seen as damage.
    assert outcomes["caught"] >= 60, outcomes


def test_a_bug_in_a_handler_is_an_internal_error_not_a_damaged_capture(cli, shared, monkeypatch):
    capture, keylog = paths(shared, "tls13")

    def broken(self, sender, msg, before):
        raise TypeError("a bug")

    monkeypatch.setitem(_Observer.HANDLERS, 11, broken)  # Certificate
    with pytest.raises(TypeError, match="a bug"):
        decode_capture(capture, load_key_material(keylog))
    run = cli("tls", "decode", str(capture), "--keylog", str(keylog))
    assert run.exit_code == 1 and run.stderr.startswith("error: internal error: TypeError: a bug")
