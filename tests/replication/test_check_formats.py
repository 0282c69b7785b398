"""History formats `protolab check` reads: EDN (vector, list, stream), Jepsen log lines, Jepsen JSON,
protolab's JSONL; pairing by process; what makes a history unreadable (one error naming the place)."""

from __future__ import annotations

import pytest

from protolab.errors import MalformedData
from protolab.replication.checkers import edn
from protolab.replication.checkers.histories import detect, read_history
from protolab.replication.checkers.models import infer
from protolab.replication.checkers.synthetic import register_history, to_edn, to_json, to_log


def test_edn_values_keywords_collections_tags_comments_and_discards():
    text = ('; a comment\n#jepsen.history.Op{:a 1, :b [1 "two" :three], :c #{1 2} :d (nil true false) '
            ':e "q\\"\\n\\u0041" :f -2.5e1 :g 7N :h \\x #_ :gone :i #inst "2020-01-01"}')
    value = edn.read_one(text)
    assert value == {":a": 1, ":b": (1, "two", ":three"), ":c": frozenset({1, 2}), ":d": (None, True, False),
                     ":e": 'q"\nA', ":f": -25.0, ":g": 7, ":h": "x", ":i": "2020-01-01"}
    assert [line for _v, line in edn.read_all("{:a 1}\n\n{:b 2}\n")] == [1, 3]


@pytest.mark.parametrize(("text", "message"), [
    ("[{:a 1}\n {:b 2", "line 2: unterminated collection"),
    ("{:a 1 :b}", "odd number"),
    ("[1 2)", "unexpected ')'"),
    ("\n\n[1 \"unterminated]", "line 3: cannot read EDN"),
    ("[" * 100 + "]" * 100, "nested deeper than 64"),
    ("[12abc]", "not a number"),
    ("#_", "no element after it"),
])
def test_garbage_edn_is_one_error_naming_the_line(text, message):
    with pytest.raises(MalformedData, match=message.replace("(", r"\(").replace(")", r"\)")):
        list(edn.read_all(text))


def test_every_format_is_told_from_its_content():
    events = register_history(20, seed=1)
    assert detect(to_edn(events)) == "edn"
    assert detect(to_log(events)) == "log"
    assert detect(to_json(events)) == "json"
    assert detect("[" + ",".join(to_json(events).splitlines()) + "]") == "json"
    assert detect('{"index":0,"time":0.5,"process":"c1","type":"invoke","f":"write","key":0,"value":1}') == "jsonl"
    with pytest.raises(MalformedData, match="not a history protolab reads"):
        detect("hello world")


def test_the_same_ops_from_edn_vector_edn_stream_log_and_json():
    events = register_history(200, seed=2, crash=0.05)
    vector = read_history(to_edn(events)).ops
    stream = read_history(to_edn(events).strip("[]\n").replace("\n ", "\n")).ops
    log = read_history(to_log(events)).ops
    json_lines = read_history(to_json(events)).ops

    def facts(ops):
        return [(o.process, o.f, o.value, o.result, o.status, o.call, o.ret) for o in ops]

    assert facts(vector) == facts(stream) == facts(log) == facts(json_lines)
    assert len(vector) == 200 and any(o.status == "info" and o.ret is None for o in vector)
    assert (vector[0].where, stream[0].where, log[0].where) == ("op 0", "line 1", "line 1")


def test_completions_pair_with_the_open_invoke_of_their_process_not_by_value():
    # a register written 1 twice: by-value pairing would mix the two writes up
    text = "\n".join([
        "INFO  jepsen.util - 0\t:invoke\t:write\t1",
        "INFO  jepsen.util - 1\t:invoke\t:write\t1",
        "INFO  jepsen.util - 1\t:ok\t:write\t1",
        "INFO  jepsen.util - :nemesis\t:info\t:start\tnil",
        "some other log line",
        "INFO  jepsen.util - 2\t:invoke\t:read\tnil",
        "INFO  jepsen.util - 2\t:ok\t:read\t1",
        "INFO  jepsen.util - 0\t:info\t:write\t:timed-out",
    ])
    history = read_history(text)
    assert history.format == "log" and history.skipped == 1
    first, second, read = history.ops
    assert (first.process, first.call, first.ret, first.status) == (0, 0, None, "info")
    assert (second.process, second.call, second.ret, second.status) == (1, 1, 2, "ok")
    assert (read.f, read.result) == ("read", 1)


@pytest.mark.parametrize(("text", "message"), [
    ("[{:process 0 :type :ok :f :read :value 1}]", "op 0: :ok completion of process 0 with no open invoke"),
    ("{:process 0 :type :invoke :f :read}\n{:process 0 :type :invoke :f :write :value 1}",
     "line 2: process 0 invokes :write while its :read at line 1 has not completed"),
    ("[{:process 0 :type :invoke :f :read} {:process 0 :type :ok :f :write :value 1}]",
     "op 1: :ok :write completes the :read invoked at op 0"),
    ("[{:process 0 :type :begin :f :read}]", "op 0: :type must be one of"),
    ("[{:process 0 :type :invoke}]", "op 0: an op needs :f"),
    ("[{:type :invoke :f :read}]", "op 0: an op needs :process"),
    ("[1 2]", "op 0: not an op map"),
    ("INFO  jepsen.util - 0\t:invoke\t:write\t[1", "line 1: unterminated"),
    ('{"process":0,"type":"invoke","f":"read"}\n{"process":0,', "line 2: not JSON"),
])
def test_unreadable_histories_name_the_line_or_op(text, message):
    with pytest.raises(MalformedData, match=message):
        read_history(text)


def test_unknown_f_and_mixed_models_name_the_ops():
    unknown = read_history("[{:process 0 :type :invoke :f :frobnicate :value 1}]")
    with pytest.raises(MalformedData, match="op 0 \\(op 0\\): unknown :f :frobnicate"):
        infer(unknown.ops)
    mixed = read_history("[{:process 0 :type :invoke :f :add :value 1} {:process 1 :type :invoke :f :cas "
                         ":value [1 2]}]")
    with pytest.raises(MalformedData, match="mixed models: op 0 .* :add .* op 1 .* :cas"):
        infer(mixed.ops)


def test_json_keywords_with_or_without_colons_and_deep_nesting_refused():
    a = read_history('[{"process":0,"type":":invoke","f":":write","value":2},'
                     '{"process":0,"type":"ok","f":"write","value":2}]')
    assert (a.format, a.ops[0].status, a.ops[0].value) == ("json", "ok", 2)
    with pytest.raises(MalformedData, match="nested too deeply|not JSON"):
        read_history('[{"process":0,"type":"invoke","f":"write","value":' + "[" * 100_000 + "]" * 100_000 + "}]")


def test_protolab_history_jsonl_as_the_simulator_writes_it(tmp_path):
    from protolab.replication.history import History

    h = History()
    h.add(0.5, "c1", "invoke", "write", 0, 1, "n1")
    h.add(0.6, "c1", "ok", "write", 0, 1, "n1")
    h.add(0.55, "c2", "invoke", "read", 0, 2, "n2")  # a second op in flight pairs by its id
    h.add(0.56, "c2", "invoke", "read", 1, 3, "n2")
    h.add(0.7, "c2", "ok", "read", 0, 2, "n2", result=1)
    h.add(0.71, "c2", "ok", "read", 1, 3, "n2")
    h.add(0.8, "c1", "invoke", "read-local", None, 4, "n1")
    h.add(0.9, "c1", "ok", "read-local", None, 4, "n1", result=(1,))
    path = tmp_path / "h.jsonl"
    with open(path, "w") as out:
        h.write_jsonl(out)
    history = read_history(path.read_text())
    assert (history.format, history.skipped, history.keyed) == ("jsonl", 2, True)
    write, read0, read1 = history.ops
    assert (write.value, read0.result, read1.result) == ((0, 1), (0, 1), (1, None))
    assert infer(history.ops, history.keyed).name == "kv"
