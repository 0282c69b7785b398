"""Speed and verdicts of `protolab check` against Porcupine (Go), built from its public source at run time.

Usage: python benchmarks/check_bench.py [--porcupine SRC] [--knossos SRC] [--seeds 3] [--time-limit 60]

SRC is a checkout or a bare git directory (a fetched snapshot); defaults: $PORCUPINE_SRC / $KNOSSOS_SRC,
else the snapshots under /work/.mirror/. Needs Debian's `golang` (`apt-get install -y golang`); without go
or the Porcupine snapshot the benchmark says so and exits 0. Nothing is downloaded: Porcupine has no
dependencies, and the build runs with GOPROXY=off in a temporary directory that is removed afterwards.

Printed, from one run (both checkers in the same run, on the same files):
- Porcupine's 102 Jepsen etcd logs (test_data/jepsen, the verdicts its porcupine_test.go expects):
  verdict agreement of both checkers and total time, protolab against Porcupine (target: within 3x);
- generated 10-key x 20,000-op kv histories (Jepsen's independent form, 5 workers, 2 % crashed ops;
  valid by construction), one per seed: total time (target: within 2x); and one 16,000-op single key;
- Knossos' cas-register good/bad files (data/cas-register), protolab only (Porcupine reads no EDN):
  verdict agreement and time.
Times are each checker's own parse + check of a file, measured inside its process (no start-up, no build).
Both checkers leave :fail ops out (Knossos' reading: they did not happen); Porcupine's own test model
instead takes a failed cas as "the value was not the old one": on these logs the verdicts are the same.
The main program that drives Porcupine (a log reader and a kv model with a per-key partition) is written
here, in GO_MAIN; nothing of Porcupine's test code is used.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

MIRRORS = Path("/work/.mirror")

GO_MAIN = r'''
package main

import (
	"bufio"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/anishathalye/porcupine"
)

const nilValue = -1 << 40

type input struct {
	key  string
	op   uint8 // 0 read, 1 write, 2 cas
	a, b int
}

type output struct {
	exists, unknown bool
	value           int
}

var opLine = regexp.MustCompile(`jepsen\.util\s+-\s+(\d+)\s+:(invoke|ok|fail|info)\s+:(read|write|cas)\s*(.*?)\s*$`)
var brackets = strings.NewReplacer("[", " ", "]", " ")

func number(s string) int {
	if s == "nil" {
		return nilValue
	}
	n, err := strconv.Atoi(s)
	if err != nil {
		panic("not a number: " + s)
	}
	return n
}

func read(path string, keyed bool) []porcupine.Event {
	f, err := os.Open(path)
	if err != nil {
		panic(err)
	}
	defer f.Close()
	var events []porcupine.Event
	failed := map[int]bool{}
	open := map[int]int{} // process -> id of its open call
	keys := map[int]string{}
	id := 0
	scanner := bufio.NewScanner(f)
	scanner.Buffer(make([]byte, 1<<20), 1<<20)
	for scanner.Scan() {
		m := opLine.FindStringSubmatch(scanner.Text())
		if m == nil {
			continue
		}
		proc, _ := strconv.Atoi(m[1])
		fields := strings.Fields(brackets.Replace(m[4]))
		key := ""
		if keyed && len(fields) > 0 {
			key, fields = fields[0], fields[1:]
		}
		switch m[2] {
		case "invoke":
			in := input{key: key}
			switch m[3] {
			case "write":
				in.op, in.a = 1, number(fields[0])
			case "cas":
				in.op, in.a, in.b = 2, number(fields[0]), number(fields[1])
			}
			keys[id] = key
			events = append(events, porcupine.Event{ClientId: proc, Kind: porcupine.CallEvent, Value: in, Id: id})
			open[proc] = id
			id++
		case "ok":
			call := open[proc]
			delete(open, proc)
			out := output{}
			if m[3] == "read" {
				out.value = number(fields[0])
				out.exists = out.value != nilValue
			}
			events = append(events, porcupine.Event{ClientId: proc, Kind: porcupine.ReturnEvent, Value: out, Id: call})
		case "fail": // did not happen: the call is left out
			failed[open[proc]] = true
			delete(open, proc)
		case "info": // may happen later, or never: it returns, unknown, at the end
		}
	}
	for proc, call := range open {
		unknown := output{unknown: true}
		events = append(events, porcupine.Event{ClientId: proc, Kind: porcupine.ReturnEvent, Value: unknown, Id: call})
	}
	var kept []porcupine.Event
	for _, e := range events {
		if !failed[e.Id] {
			kept = append(kept, e)
		}
	}
	return kept
}

func partition(history []porcupine.Event) [][]porcupine.Event {
	keyOf := map[int]string{}
	byKey := map[string][]porcupine.Event{}
	var order []string
	for _, e := range history {
		if e.Kind == porcupine.CallEvent {
			keyOf[e.Id] = e.Value.(input).key
		}
		k := keyOf[e.Id]
		if _, seen := byKey[k]; !seen {
			order = append(order, k)
		}
		byKey[k] = append(byKey[k], e)
	}
	var out [][]porcupine.Event
	for _, k := range order {
		out = append(out, byKey[k])
	}
	return out
}

var model = porcupine.Model{
	PartitionEvent: partition,
	Init:           func() interface{} { return nilValue },
	Step: func(state, in, out interface{}) (bool, interface{}) {
		st, i, o := state.(int), in.(input), out.(output)
		switch i.op {
		case 0:
			return o.unknown || (!o.exists && st == nilValue) || (o.exists && st == o.value), st
		case 1:
			return true, i.a
		default:
			if st == i.a {
				return true, i.b
			}
			return o.unknown, st
		}
	},
	Hash: func(state interface{}) uint64 { return uint64(state.(int)) },
}

func main() {
	keyed := flag.Bool("keyed", false, "values are [key value]")
	limit := flag.Duration("timeout", 60*time.Second, "per history")
	flag.Parse()
	for _, path := range flag.Args() {
		started := time.Now()
		events := read(path, *keyed)
		result := porcupine.CheckEventsTimeout(model, events, *limit)
		seconds := time.Since(started).Seconds()
		line, _ := json.Marshal(map[string]interface{}{"file": path, "result": string(result), "seconds": seconds})
		fmt.Println(string(line))
	}
}
'''

VERDICT = {"Ok": "valid", "Illegal": "invalid", "Unknown": "unknown"}


def snapshot(given: str | None, env: str, mirror: str, into: Path) -> Path | None:
    """A source tree: a checkout as it is; a bare git directory's HEAD written out file by file (a fetched
    snapshot may lack its largest blobs: those files are left out)."""
    src = Path(given or os.environ.get(env) or MIRRORS / mirror / "repo")
    if not src.exists():
        return None
    if not ((src / "HEAD").exists() and (src / "objects").exists()):
        return src
    git = ["git", "--git-dir", str(src)]
    listing = subprocess.run([*git, "ls-tree", "-r", "-z", "HEAD"], capture_output=True, check=True).stdout
    for entry in filter(None, listing.split(b"\0")):
        meta, name = entry.split(b"\t", 1)
        _mode, kind, sha = meta.split()
        if kind != b"blob":
            continue
        blob = subprocess.run([*git, "cat-file", "blob", sha.decode()], capture_output=True)
        if blob.returncode == 0:
            target = into / os.fsdecode(name)
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(blob.stdout)
    return into


def build_porcupine(src: Path, work: Path) -> Path:
    main = work / "main"
    main.mkdir()
    (main / "main.go").write_text(GO_MAIN)
    (main / "go.mod").write_text("module checkbench\n\ngo 1.18\n\nrequire github.com/anishathalye/porcupine v0.0.0\n\n"
                                 f"replace github.com/anishathalye/porcupine => {src}\n")
    env = dict(os.environ, GOPROXY="off", GOFLAGS="-mod=mod", GOCACHE=str(work / "gocache"),
               GOPATH=str(work / "gopath"), GO111MODULE="on")
    subprocess.run(["go", "build", "-o", str(work / "bench"), "."], cwd=main, env=env, check=True,
                   capture_output=True)
    return work / "bench"


def run_porcupine(binary: Path, files: list[Path], keyed: bool, limit: float) -> list[dict]:
    args = [str(binary), f"-timeout={limit}s"] + (["-keyed"] if keyed else []) + [str(f) for f in files]
    out = subprocess.run(args, capture_output=True, text=True, check=True)
    return [json.loads(line) for line in out.stdout.splitlines()]


def run_protolab(files: list[Path], model: str | None, limit: float) -> list[dict]:
    from protolab.replication.checkers.history_check import check_history

    out = []
    for f in files:
        started = time.perf_counter()
        result = check_history(f.read_text(), model=model, time_limit=limit)
        out.append({"file": str(f), "verdict": result.verdict, "seconds": time.perf_counter() - started})
    return out


def expected_etcd(src: Path) -> dict[str, bool]:
    """log name -> linearizable?, from the checkJepsen(t, N, verdict) calls of porcupine_test.go."""
    test = (src / "porcupine_test.go").read_text()
    return {f"etcd_{int(n):03d}.log": v == "true" for n, v in re.findall(r"checkJepsen\(t, (\d+), (true|false)\)",
                                                                       test)}


def report(name: str, ours: list[dict], theirs: list[dict] | None, expected: dict[str, str] | None,
           target: float | None) -> bool:
    total = sum(r["seconds"] for r in ours)
    line = f"{name}: {len(ours)} histories, protolab {total:.2f} s"
    met = True
    if expected is not None:
        agree = sum(expected[r["file"]] == r["verdict"] for r in ours)
        line += f", verdicts as published {agree}/{len(ours)}"
        met &= agree == len(ours)
        late = sum(r["verdict"] == "unknown" for r in ours)
        if late:
            line += f" ({late} over the time limit)"
    if theirs is not None:
        theirs_total = sum(r["seconds"] for r in theirs)
        same = sum(VERDICT[t["result"]] == o["verdict"] for t, o in zip(theirs, ours, strict=True))
        ratio = total / theirs_total if theirs_total else float("inf")
        line += f"; porcupine {theirs_total:.2f} s, same verdict {same}/{len(ours)}; ratio {ratio:.2f}x"
        if target is not None:
            ok = ratio <= target
            met &= ok
            line += f" (target <= {target:g}x: {'met' if ok else 'NOT met'})"
    print(line)
    return met


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--porcupine", help="Porcupine source: a checkout or a bare git directory")
    parser.add_argument("--knossos", help="Knossos source (for its data/cas-register histories)")
    parser.add_argument("--seeds", type=int, default=3, help="generated 10-key x 20,000-op histories")
    parser.add_argument("--time-limit", type=float, default=60.0, help="seconds per history, both checkers")
    args = parser.parse_args()
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    from protolab.replication.checkers.synthetic import register_history, to_log

    work = Path(tempfile.mkdtemp(prefix="check-bench-"))
    try:
        porcupine = snapshot(args.porcupine, "PORCUPINE_SRC", "anishathalye+porcupine", work / "porcupine")
        binary = None
        if porcupine is None:
            print("porcupine snapshot not found (--porcupine, $PORCUPINE_SRC or the fetched mirror): "
                  "protolab is timed alone, with no ratio")
        elif shutil.which("go") is None:
            print("go is not installed (apt-get install -y golang): protolab is timed alone, with no ratio")
        else:
            binary = build_porcupine(porcupine, work)
        met = True
        if porcupine is not None:
            published = expected_etcd(porcupine)
            logs = [porcupine / "test_data" / "jepsen" / name for name in sorted(published)]
            expected = {str(f): "valid" if published[f.name] else "invalid" for f in logs}
            ours = run_protolab(logs, "cas-register", args.time_limit)
            theirs = run_porcupine(binary, logs, False, args.time_limit) if binary else None
            met &= report("porcupine etcd logs", ours, theirs, expected, 3.0)
        generated = work / "generated"
        generated.mkdir()
        files = []
        for seed in range(1, args.seeds + 1):
            path = generated / f"kv-10x20000-{seed}.log"
            path.write_text(to_log(register_history(20_000, processes=5, keys=10, seed=seed, crash=0.02)))
            files.append(path)
        ours = run_protolab(files, "kv", args.time_limit)
        theirs = run_porcupine(binary, files, True, args.time_limit) if binary else None
        met &= report("generated 10 keys x 20,000 ops", ours, theirs, dict.fromkeys(map(str, files), "valid"), 2.0)
        single = generated / "register-16000.log"
        single.write_text(to_log(register_history(16_000, processes=5, keys=1, seed=1, crash=0.02)))
        ours = run_protolab([single], "cas-register", args.time_limit)
        theirs = run_porcupine(binary, [single], False, args.time_limit) if binary else None
        report("generated 1 key x 16,000 ops", ours, theirs, {str(single): "valid"}, None)
        knossos = snapshot(args.knossos, "KNOSSOS_SRC", "jepsen-io+knossos", work / "knossos")
        if knossos is None:
            print("knossos snapshot not found (--knossos, $KNOSSOS_SRC or the fetched mirror): skipped")
        else:
            edn = sorted((knossos / "data" / "cas-register").glob("*/*.edn"))
            ours = run_protolab(edn, "cas-register", args.time_limit)
            verdicts = {str(f): "valid" if f.parent.name == "good" else "invalid" for f in edn}
            met &= report("knossos cas-register files", ours, None, verdicts, None)
        print("all targets met" if met else "some targets NOT met")
        return 0 if met else 1
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
