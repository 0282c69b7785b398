"""tshark's fields of a capture and one field of a dissected element, shared by the wifi tests."""

from __future__ import annotations

import subprocess


def tshark_fields(tshark: str, path, *fields: str) -> list[list[str]]:
    cmd = [tshark, "-r", str(path), "-T", "fields", "-E", "separator=/t", "-E", "occurrence=a",
           "-E", "aggregator=,"]
    for f in fields:
        cmd += ["-e", f]
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=30).stdout  # exit 2 on a capture cut short
    return [line.split("\t") for line in out.splitlines()]


def element_field(element, name):
    return next(f for f in element.fields if f.name == name)
