"""A simulated run's time series in the OpenMetrics text format (what Prometheus scrapes and
``promtool tsdb create-blocks-from openmetrics`` imports): every lab that simulates seconds writes its
``--metrics`` file with ``render_series``; each lab names and explains its own series.

Simulated time t is written as the Unix time BASE + t (2026-01-01T00:00:00Z + t), so the series load into a
real Prometheus as they are; the base is fixed, so files are byte-identical per seed.
"""

from __future__ import annotations

BASE = 1_767_225_600  # 2026-01-01T00:00:00Z

# metric name -> [(labels, simulated second, value)]
Series = dict[str, list[tuple[dict, int, float]]]


def _labels(**kw) -> str:
    return "{" + ",".join(f'{k}="{v}"' for k, v in kw.items()) + "}"


def render_series(data: Series, base_labels: dict, out, help_texts: dict[str, str]) -> None:
    """Write every series of ``data`` to the text stream ``out``, all gauges, each sample labelled with
    ``base_labels`` and its own labels; ``help_texts`` gives each metric's HELP line (else its name)."""
    for name, samples in data.items():
        out.write(f"# TYPE {name} gauge\n# HELP {name} {help_texts.get(name, name)}\n")
        # each series' samples together, in time order (OpenMetrics: one label set's points are not interleaved)
        for labels, second, value in sorted(samples, key=lambda s: (sorted(s[0].items()), s[1])):
            out.write(f"{name}{_labels(**base_labels, **labels)} {value} {BASE + second + 1}\n")
    out.write("# EOF\n")
