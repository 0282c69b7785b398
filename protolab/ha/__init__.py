"""The high-availability lab: single points of failure, availability numbers, sessions behind a
load balancer, health checks.

    topology.py   a design as a reliability block diagram (components, failure domains, all-of /
                  any-of / k-of-n groups) from TOML; shipped examples in topologies/; what-if changes
    bdd.py        a small BDD: exact probability with shared events, minimal cut sets
    spof.py       SPOFs by knock-out, minimal cut sets up to 3, exact availability, Monte Carlo check
    diagram.py    the diagram as DOT or SVG, SPOFs in red
    sessions.py   a load balancer in front of app servers: session strategies, a server death, DNS TTL
    health.py     failure detectors (timeout, phi accrual) under jitter and pauses; the quorum store

The 1,000-component benchmark is benchmarks/ha_spof_bench.py.
"""
