"""`protolab check` through the CLI: verdicts and exit codes (0 valid, 1 invalid, 2 bad input, 3
unknown), the view and --json, stdin, Porcupine-format etcd logs generated with known verdicts, a
history protolab itself wrote, and bad input as one error line."""

from __future__ import annotations

import json
import random

import pytest

from protolab.replication.checkers.synthetic import corrupt, register_history, to_edn, to_log


def etcd_log(seed: int, bad: bool) -> str:
    """A log in the layout of Porcupine's test_data/jepsen/etcd_*.log: 5 workers, a cas register of
    values 0-4, timed-out writes and cas as :info, timed-out reads as ':fail :read :timed-out', and
    columns padded with spaces on some lines (as those files have)."""
    events = register_history(160, processes=5, seed=seed, crash=0.08)
    if bad:
        events, _at = corrupt(events, seed=seed)
    rng = random.Random(seed)
    lines = []
    for line in to_log(events).splitlines():
        if ":read" in line and ":info" in line:
            line = line.replace(":info", ":fail")
        if rng.random() < 0.1:
            line = line.replace("\t", "   ")
        lines.append(line)
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize("seed", range(8))
def test_generated_etcd_logs_in_porcupine_format_get_their_known_verdict(cli, tmp_path, seed):
    bad = seed % 2 == 1
    path = tmp_path / f"etcd_{seed:03d}.log"
    path.write_text(etcd_log(seed, bad))
    result = cli("check", str(path), "--model", "cas-register", "--json")
    assert result.exit_code == (1 if bad else 0), result.stderr
    report = json.loads(result.stdout)
    assert report["verdict"] == ("invalid" if bad else "valid") and report["format"] == "log"
    assert report["model"] == "cas-register" and report["ops"] == 160
    if bad:
        assert report["failure"]["blocked"]["result"] == 999_999
        assert result.stderr.startswith("error: not linearizable as a cas-register at op ")


def test_the_view_shows_the_failing_window(cli, tmp_path):
    path = tmp_path / "bad.edn"
    path.write_text("[{:process 0, :type :invoke, :f :write, :value 0}\n"
                    " {:process 0, :type :ok, :f :write, :value 0}\n"
                    " {:process 1, :type :invoke, :f :read, :value nil}\n"
                    " {:process 2, :type :invoke, :f :write, :value 4}\n"
                    " {:process 1, :type :ok, :f :read, :value 3}\n"
                    " {:process 2, :type :ok, :f :write, :value 4}]\n")
    result = cli("check", str(path))
    assert result.exit_code == 1
    out = result.stdout
    assert "invalid: not linearizable as a register at op 1 (op 2)" in out
    assert "prefix" in out and "process 0 :write 0 -> :ok" in out
    assert "cannot be placed" in out and "process 1 :read -> 3" in out
    assert "open beside it" in out and "process 2 :write 4 -> :ok" in out
    assert "states the prefix can leave: 4, 0" in out  # the read of 3 fits after neither
    assert result.stderr == "error: not linearizable as a register at op 1 (op 2)\n"


def test_valid_from_stdin_and_an_initial_value(cli):
    text = to_edn(register_history(300, seed=4))
    result = cli("check", "-", input=text)
    assert result.exit_code == 0 and "valid: linearizable as a cas-register" in result.stdout
    starts_at_3 = "[{:process 0 :type :invoke :f :read} {:process 0 :type :ok :f :read :value 3}]"
    assert cli("check", "-", "--initial", "3", input=starts_at_3).exit_code == 0
    assert cli("check", "-", input=starts_at_3).exit_code == 1  # nil to begin with


def test_unknown_exits_3_and_says_why(cli, tmp_path):
    events = register_history(3000, processes=8, seed=2, crash=0.1, overlap=6.0)
    bad, _at = corrupt(events, seed=3)
    path = tmp_path / "hard.log"
    path.write_text(to_log(bad))
    result = cli("check", str(path), "--time-limit", "300ms", "--json")
    assert result.exit_code == 3
    report = json.loads(result.stdout)
    assert report["verdict"] == "unknown" and "time limit reached after 0.3 s" in report["why"]
    assert result.stderr.startswith("error: undecided: time limit reached")


def test_a_history_protolab_wrote_reads_back(cli, tmp_path):
    history = tmp_path / "h.jsonl"
    run = cli("replicate", "run", "quorum-lagging", "--seed", "1", "--history", str(history), "--json")
    assert run.exit_code == 0, run.stderr
    lagging = json.loads(run.stdout)
    result = cli("check", str(history), "--json")
    report = json.loads(result.stdout)
    assert (report["format"], report["model"]) == ("jsonl", "kv")
    # the run's own leaderless measure says the stale reads break linearizability; so does check
    assert "fail" in json.dumps(lagging).lower()
    assert report["verdict"] == "invalid" and result.exit_code == 1


@pytest.mark.parametrize(("args", "text", "message"), [
    (["--model", "queue"], "[]", "--model: no model named 'queue'"),
    (["--time-limit", "soon"], "[]", "--time-limit: expected a duration"),
    (["--time-limit", "0s"], "[]", "--time-limit: must be more than 0"),
    (["--initial", "[1"], "[]", "--initial: unterminated"),
    (["--format", "xml"], "[]", "--format: no format named 'xml'"),
    ([], "[{:process 0 :type :invoke :f :read} {:process 0 :type :ok :f :read :value 1",
     "history -: line 1: unterminated collection"),
    ([], "[{:process 1 :type :ok :f :write :value 1}]", "history -: op 0: :ok completion of process 1 with no open"),
    ([], "[{:process 1 :type :invoke :f :fly :value 1}]", "history -: op 0 (op 0): unknown :f :fly"),
    ([], "[{:process 1 :type :invoke :f :add :value 1} {:process 2 :type :invoke :f :write :value 1}]",
     "history -: mixed models"),
    (["--model", "register"], "[{:process 1 :type :invoke :f :cas :value [1 2]}]",
     "history -: op 0 (op 0): :cas is not an operation of a plain register"),
    (["--model", "set"], "[{:process 1 :type :invoke :f :read} {:process 1 :type :ok :f :read :value 3}]",
     "a set read returns the whole set, got 3"),
    ([], "", "the history is empty"),
])
def test_bad_input_is_one_error_line_and_exit_2(cli, args, text, message):
    result = cli("check", "-", *args, input=text)
    assert result.exit_code == 2, (result.stdout, result.stderr)
    assert result.stderr.count("\n") == 1 and result.stderr.startswith("error: ") and message in result.stderr
    assert "Traceback" not in result.stderr and result.stdout == ""


def test_files_that_are_not_histories(cli, tmp_path):
    for path, message in [(tmp_path / "missing.edn", "no such file"), (tmp_path, "is a directory"),
                          ("/dev/zero", "not a regular file")]:
        result = cli("check", str(path))
        assert result.exit_code == 2 and message in result.stderr and result.stderr.count("\n") == 1


@pytest.mark.parametrize("name", ["async-crash", "raft-partition", "sync-crash", "sentinel-split-brain",
                                  "semi-sync-partition", "channels-compare", "quorum-sloppy-partition"])
def test_a_shipped_scenario_with_reads_checks_as_the_built_in_checker_judges_it(cli, tmp_path, name):
    import re

    from protolab.replication.checkers.base import Record
    from protolab.replication.checkers.linearizable import check_linearizable
    from protolab.replication.history import read_jsonl
    from protolab.replication.scenario import shipped

    text = shipped()[name]  # the TOML text
    if "reads =" not in text:  # clients that only write: a third of their ops become reads
        text = re.sub(r"(\[\[client\]\]\n)", r"\1reads = 0.3\n", text)
    if "final_reads" not in text:
        text = re.sub(r"^(mode = .*)$", r"\1\nfinal_reads = true", text, count=1, flags=re.M)
    scenario, history = tmp_path / f"{name}.toml", tmp_path / "h.jsonl"
    scenario.write_text(text)
    run = cli("replicate", "run", str(scenario), "--seed", "1", "--history", str(history))
    assert run.exit_code == 0, run.stderr
    built_in = check_linearizable(Record(read_jsonl(history.read_text().splitlines()))).status
    assert built_in in ("pass", "fail")
    result = cli("check", str(history), "--json")
    report = json.loads(result.stdout)
    assert report["verdict"] == {"pass": "valid", "fail": "invalid"}[built_in], report.get("failure")
    assert result.exit_code == (0 if built_in == "pass" else 1) and report["model"] == "kv"


def test_multi_primary_reads_check_as_a_set_by_key(cli, tmp_path):
    import re

    from protolab.replication.scenario import shipped

    text = shipped()["multi-primary-skew"]
    scenario, history = tmp_path / "mp.toml", tmp_path / "h.jsonl"
    scenario.write_text(re.sub(r"(\[\[client\]\]\n)", r"\1reads = 0.3\n", text))
    assert cli("replicate", "run", str(scenario), "--history", str(history)).exit_code == 0
    report = json.loads(cli("check", str(history), "--json").stdout)
    # each node answers from its own copy while the other's adds are on their way: stale reads
    assert (report["model"], report["verdict"]) == ("set", "invalid")
    blocked = report["failure"]["blocked"]
    assert blocked["f"] == "read" and blocked["process"] in ("c1", "c2")


def test_a_history_without_reads_is_valid_and_says_why(cli, tmp_path):
    history = tmp_path / "h.jsonl"
    assert cli("replicate", "run", "async-crash", "--seed", "1", "--history", str(history)).exit_code == 0
    result = cli("check", str(history))
    assert result.exit_code == 0 and "valid: linearizable as a kv" in result.stdout
    assert "note: no completed op reads the data" in result.stdout
