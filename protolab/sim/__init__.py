"""protolab.sim: what every simulated lab stands on; it knows no lab (imports only the standard library and
protolab.errors).

    kernel      Kernel: one heap of (time, seq, fn, arg, link) tuples, a simulated clock, a seeded random source
    quantiles   Quantiles: constant-memory latency quantiles (fixed buckets), merged across runs
    durations   parse_duration: 2s, 1500ms, 0.5m or a bare number of seconds; a bad one is BadInput
    openmetrics render_series: per-second series of a simulated run as OpenMetrics text (--metrics)
"""
