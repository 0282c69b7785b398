"""Numbers out of range in a beacon spec: one clear error line and exit 2 from the CLI, BadInput from resolve."""

from __future__ import annotations

import pytest

from protolab.errors import BadInput
from protolab.wifi.spec import BeaconSpec, resolve


@pytest.mark.parametrize(("toml", "message"), [
    ('security = "wpa2-personal"\npairwise = [256]', "cipher suite type 256 is not 0..255"),
    ('security = "wpa2-personal"\npairwise = [-1]', "cipher suite type -1 is not 0..255"),
    ("pairwise = [" + ", ".join(["4"] * 70) + "]", "70 pairwise ciphers: at most 32"),
    ('country = "US"\ncountry_triplets = [' + ", ".join(["[1, 1, 20]"] * 90) + "]", "90 country triplets"),
])
def test_out_of_range_spec_numbers_exit_2(tmp_path, cli, toml, message):
    spec = tmp_path / "s.toml"
    spec.write_text(toml + "\n")
    result = cli("beacon", "build", "--spec", str(spec), "-o", str(tmp_path / "o.pcap"))
    assert result.exit_code == 2, result.stderr
    assert message in result.stderr and len(result.stderr.strip().splitlines()) == 1
    assert "internal error" not in result.stderr


def test_out_of_range_pairwise_refused_by_resolve_too():
    with pytest.raises(BadInput, match="0..255"):
        resolve(BeaconSpec(pairwise=(4, 300)))
