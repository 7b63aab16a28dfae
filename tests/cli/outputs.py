"""outputs.py: the files `run --out` and `batch --out` write match the JSON
Schemas in docs/schemas/ and the columns docs/outputs.md lists.

    python3 tests/cli/outputs.py path/to/firedrill     (from the repository root)

Runs both replays and a small batch into a temporary folder, then validates
summary.json, every line of events.jsonl and the batch's summary.json with
python3-jsonschema, and checks metrics.csv's and runs.csv's columns and
metric names. A schema that accepted anything would pass too, so each
schema is also shown to refuse a damaged copy of what it accepted.
"""
import copy
import csv
import json
import os
import re
import subprocess
import sys
import tempfile

import jsonschema

FD = os.path.abspath(sys.argv[1])
SCHEMAS = "docs/schemas"
fails = []
checks = 0


def check(ok, what):
    global checks
    checks += 1
    if not ok:
        fails.append(what)
        print("outputs.py: FAIL: " + what, file=sys.stderr)


def validator(name):
    with open(os.path.join(SCHEMAS, name)) as f:
        schema = json.load(f)
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


def valid(v, doc, what):
    errors = sorted(v.iter_errors(doc), key=lambda e: list(e.absolute_path))
    for e in errors[:5]:
        print("  %s: %s at %s" % (what, e.message, "/".join(map(str, e.absolute_path))), file=sys.stderr)
    check(not errors, what + " does not match its schema")


def refused(v, doc, what):
    check(any(True for _ in v.iter_errors(doc)), "the schema accepts " + what)


def documented_metrics():
    """The metric names docs/outputs.md lists in its metrics.csv tables."""
    names = set()
    with open("docs/outputs.md") as f:
        for line in f:
            if line.startswith("| `"):
                names.update(re.findall(r"`([a-z_0-9]+)`", line.split("|")[1]))
    return names


summary_v = validator("summary.schema.json")
event_v = validator("event.schema.json")
batch_v = validator("batch-summary.schema.json")
metrics = documented_metrics()

with tempfile.TemporaryDirectory(prefix="fd-outputs.") as tmp:
    for replay in ("scenarios/tencent-2024-04-08", "scenarios/netease-2024-08-18"):
        out = os.path.join(tmp, os.path.basename(replay))
        rc = subprocess.run([FD, "run", replay, "--out", out], stdout=subprocess.DEVNULL).returncode
        check(rc == 0, "run %s exited %d" % (replay, rc))
        with open(os.path.join(out, "summary.json")) as f:
            summary = json.load(f)
        valid(summary_v, summary, replay + "/summary.json")
        with open(os.path.join(out, "events.jsonl")) as f:
            for n, line in enumerate(f, 1):
                valid(event_v, json.loads(line), "%s/events.jsonl line %d" % (replay, n))
        with open(os.path.join(out, "metrics.csv")) as f:
            rows = list(csv.DictReader(f))
        check(rows and list(rows[0]) == ["t", "service", "region", "metric", "value"],
              replay + "/metrics.csv columns")
        unknown = {r["metric"] for r in rows} - metrics
        check(not unknown, "metrics.csv names metrics docs/outputs.md does not: %s" % sorted(unknown))
        for r in rows:
            if r["metric"] in ("availability", "attempt_availability", "error_rate", "utilisation"):
                if not 0 <= float(r["value"]) <= 1:
                    check(False, "%s: %s %s %s at %s is %s, not in 0..1" % (
                        replay, r["service"], r["region"], r["metric"], r["t"], r["value"]))
                    break

    # Each schema refuses what it must.
    bad = copy.deepcopy(summary)
    bad["entries"][0]["attempt_availability"] = 1.5
    refused(summary_v, bad, "an attempt_availability of 1.5")
    bad = copy.deepcopy(summary)
    bad["entries"][0]["availabilty"] = 1
    refused(summary_v, bad, "an unknown key")
    refused(event_v, {"t": 1, "clock": "00:00:01", "kind": "gossip", "text": "x"}, "an unknown kind")

    out = os.path.join(tmp, "batch")
    rc = subprocess.run([FD, "batch", "scenarios/patterns/region-outage", "--seeds", "1..1", "-j", "2",
                         "--param", "redirect=false,true", "--out", out],
                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL).returncode
    check(rc == 0, "batch exited %d" % rc)
    with open(os.path.join(out, "summary.json")) as f:
        batch = json.load(f)
    valid(batch_v, batch, "batch summary.json")
    check(len(batch["groups"]) == 2, "the batch has not one group per parameter point")
    bad = copy.deepcopy(batch)
    del bad["groups"][0]["recovery"]
    refused(batch_v, bad, "a group without its recovery")
    with open(os.path.join(out, "runs.csv")) as f:
        header = next(csv.reader(f))
    want = ["index", "scenario", "params", "seed", "status", "reason", "exit_code", "start_s",
            "detected_s", "mitigated_s", "recovered_s", "duration_s"]
    check(header[:len(want)] == want, "runs.csv's first columns are not %s" % want)
    check(all(h.startswith(("expect:",)) or ":" in h for h in header[len(want):]),
          "runs.csv's later columns are not ENTRY:FIGURE and expect:NAME")

if fails:
    print("outputs.py: %d of %d checks failed" % (len(fails), checks), file=sys.stderr)
    sys.exit(1)
print("outputs.py: all %d checks passed" % checks)
