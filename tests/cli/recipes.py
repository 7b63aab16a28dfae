#!/usr/bin/python3
"""Runs every recipe in docs/batch.md as written and checks that its merged
result equals the unsharded batch, byte for byte.

Usage: python3 tests/cli/recipes.py path/to/firedrill   (from the repo root)

Each recipe is the fenced block after a `<!-- recipe: NAME -->` line. The one
change made to them is the seed range, shortened to SEEDS so the suite stays
fast. What each recipe needs from outside is stood in for, as little as
possible:

- gnu-parallel: GNU Parallel itself, run for real, with PARALLEL_SSH pointing
  at a stand-in ssh that runs the command in a folder per host (so the jobs
  really land in host1/ and host2/, and --return really copies the shards
  back over rsync).
- github-actions: the workflow is parsed as YAML; each matrix value of the
  drill job runs its steps in a fresh workspace (checkout = the repository's
  scenarios and the built binary; `make` = already built), with
  ${{ matrix.X }} substituted and `bash -e` as the shell, as Actions does;
  upload/download-artifact copy folders through an artifact store, the
  download with `pattern` into PATH/NAME as v4 does; then the merge job.
- kubernetes: the Job is parsed as YAML and must be an Indexed Job; the
  container's command and args run once per completion index with
  JOB_COMPLETION_INDEX set, /drills and /results mapped to folders; index 0
  runs a second time (a restarted pod) and must resume, not redo.
- slurm: the array script runs once per task of its #SBATCH --array, with
  SLURM_ARRAY_TASK_ID and SLURM_CPUS_PER_TASK set, through a stand-in sbatch
  that the submit recipe calls (`--parsable` and `--wrap`).

Every batch exits 0 or 1 (1: pass rates missed, a verdict); the merge must
equal the unsharded batch, which is run with the same scenario path from the
same folder (the path is part of the plan).
"""
import fnmatch
import os
import re
import shutil
import subprocess
import sys
import tempfile

import yaml

SEEDS = "1..4"
REPO = os.getcwd()
failures = []
passes = 0


def ok(cond, what):
    global passes
    if cond:
        passes += 1
    else:
        failures.append(what)
        print("FAIL: " + what, file=sys.stderr)
    return cond


def recipes(path):
    text = open(path, encoding="utf-8").read()
    found = {}
    for m in re.finditer(r"<!-- recipe: ([\w-]+) -->\n```(\w*)\n(.*?)\n```", text, re.S):
        found[m.group(1)] = m.group(3) + "\n"
    return found


def shorten(text):
    out, n = re.subn(r"--seeds 1\.\.\d+", "--seeds " + SEEDS, text)
    ok(n > 0, "a recipe without --seeds 1..N:\n" + text)
    return out


def tree(root):
    files = {}
    for d, _, names in os.walk(root):
        for n in names:
            p = os.path.join(d, n)
            files[os.path.relpath(p, root)] = open(p, "rb").read()
    return files


def same_tree(a, b, what):
    ta, tb = tree(a), tree(b)
    diff = sorted(k for k in set(ta) | set(tb) if ta.get(k) != tb.get(k))
    ok(not diff and len(ta) > 3, "%s: differs from the unsharded batch in %s" % (what, diff[:5]))


def sh(cmd, cwd, env, shell="sh", log=None):
    """Runs cmd (a shell script, or an argv list); shows its output when it
    fails beyond exit 1; appends the output to the list `log` if given."""
    r = subprocess.run([shell, "-c", cmd] if isinstance(cmd, str) else cmd, cwd=cwd, env=env,
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=600)
    out = r.stdout.decode(errors="replace")
    if r.returncode > 1:
        sys.stderr.write(out[-2000:])
    if log is not None:
        log.append(out)
    return r.returncode


def reference(batch_cmd, cwd, env, out):
    """The unsharded batch of a recipe's command: no --shard, --out, -j or
    --resume; the scenario path and the rest as the recipe gives them."""
    line = [ln for ln in batch_cmd.replace("\\\n", " ").split("\n") if "firedrill batch" in ln][0]
    args = line.split("firedrill batch", 1)[1].split()
    keep, i = [], 0
    while i < len(args):
        a = args[i].strip('"')
        if a in (":::", "||", ";") or a.endswith(";"):
            if a.endswith(";") and len(a) > 1:
                keep.append(a[:-1])
            break
        if a in ("--shard", "--out", "-j"):
            i += 2
            continue
        if a == "--resume" or a.startswith("-j"):
            i += 1
            continue
        keep.append(a)
        i += 1
    rc = sh(["firedrill", "batch"] + keep + ["--out", out], cwd, env)
    ok(rc in (0, 1), "reference batch %s: exit %d" % (keep, rc))


def setup_env(tmp, fd):
    bin_dir = os.path.join(tmp, "bin")
    os.makedirs(bin_dir)
    os.symlink(fd, os.path.join(bin_dir, "firedrill"))
    # A stand-in ssh: skips ssh's options, then runs the command in a folder
    # per host, as a remote login shell would run it in the home folder. sshd
    # sets HOME and SHELL for the login, whatever the caller's environment
    # holds (Parallel's remote wrapper runs the job with $SHELL), so this
    # does too.
    with open(os.path.join(bin_dir, "fake-ssh"), "w") as f:
        f.write('#!/bin/sh\n'
                'while [ $# -gt 0 ]; do case $1 in -[lpoiFJ]) shift 2 ;; -*) shift ;; *) break ;; esac; done\n'
                'host=$1; shift\n'
                '[ "${1:-}" = "--" ] && shift\n'
                'mkdir -p "$FAKE_HOSTS/$host" && cd "$FAKE_HOSTS/$host" || exit 255\n'
                'HOME=$PWD SHELL=/bin/sh exec sh -c "$*"\n')
    # A stand-in sbatch: `--parsable SCRIPT` runs every task of the script's
    # #SBATCH --array with the task id and cpus set and prints a job id;
    # `--dependency=... --wrap CMD` runs CMD.
    with open(os.path.join(bin_dir, "sbatch"), "w") as f:
        f.write('#!/bin/sh\n'
                'wrap=""; script=""\n'
                'while [ $# -gt 0 ]; do case $1 in\n'
                '  --wrap) wrap=$2; shift 2 ;;\n'
                '  --wrap=*) wrap=${1#--wrap=}; shift ;;\n'
                '  --parsable|--dependency=*) shift ;;\n'
                '  -*) echo "sbatch (stand-in): unknown option $1" >&2; exit 2 ;;\n'
                '  *) script=$1; shift ;;\n'
                'esac; done\n'
                'if [ -n "$wrap" ]; then sh -c "$wrap"; exit $?; fi\n'
                'range=$(sed -n "s/^#SBATCH --array=//p" "$script")\n'
                'cpus=$(sed -n "s/^#SBATCH --cpus-per-task=//p" "$script")\n'
                'rc=0\n'
                'for i in $(seq "${range%-*}" "${range#*-}"); do\n'
                '  SLURM_ARRAY_TASK_ID=$i SLURM_CPUS_PER_TASK=${cpus:-1} sh "$script" >>"$script.log" 2>&1 ||\n'
                '    { echo "sbatch (stand-in): task $i exited $?" >&2; rc=1; }\n'
                'done\n'
                'echo 4242\n'
                'exit $rc\n')
    for n in ("fake-ssh", "sbatch"):
        os.chmod(os.path.join(bin_dir, n), 0o755)
    env = dict(os.environ)
    env["PATH"] = bin_dir + os.pathsep + env["PATH"]
    env["PARALLEL_SSH"] = os.path.join(bin_dir, "fake-ssh")
    env["PARALLEL_HOME"] = os.path.join(tmp, "parallel-home")  # no ~/.parallel writes
    env.pop("NO_COLOR", None)
    return env


def checkout(ws, fd):
    """What actions/checkout and `make` leave: the scenarios, build/firedrill."""
    os.makedirs(os.path.join(ws, "build"), exist_ok=True)
    if not os.path.exists(os.path.join(ws, "scenarios")):
        os.symlink(os.path.join(REPO, "scenarios"), os.path.join(ws, "scenarios"))
    if not os.path.exists(os.path.join(ws, "build", "firedrill")):
        os.symlink(fd, os.path.join(ws, "build", "firedrill"))


def gnu_parallel(r, tmp, env):
    if not shutil.which("parallel") or not shutil.which("rsync"):
        ok(False, "gnu-parallel: GNU parallel and rsync are needed (sh scripts/deps.sh test)")
        return
    here = os.path.join(tmp, "par")
    hosts = os.path.join(here, "hosts")
    for h in ("host1", "host2"):
        os.makedirs(os.path.join(hosts, h, "drills"))
        os.symlink(os.path.join(REPO, "scenarios"), os.path.join(hosts, h, "drills", "scenarios"))
    env = dict(env, FAKE_HOSTS=hosts)
    text = shorten(r["gnu-parallel"])
    ok("--sshlogin" in text and "--return" in text, "gnu-parallel: the recipe spans hosts")
    rc = sh("set -u\n" + text.replace("parallel ", "parallel --will-cite ", 1), here, env)
    ok(rc in (0, 1), "gnu-parallel: the recipe (its last command, the merge) exited %d" % rc)
    for h in ("host1", "host2"):
        ok(os.path.isdir(os.path.join(hosts, h, "drills", "out")),
           "gnu-parallel: no shard ran on " + h)
    ref = os.path.join(hosts, "host1", "drills", "ref")
    reference(text, os.path.join(hosts, "host1", "drills"), env, ref)
    same_tree(ref, os.path.join(here, "out", "all"), "gnu-parallel")


def github_actions(r, tmp, env, fd):
    wf = yaml.safe_load(r["github-actions"])
    jobs = wf["jobs"]
    store = os.path.join(tmp, "gha", "artifacts")
    os.makedirs(store)

    def expand(s, matrix):
        def sub(m):
            key = m.group(1)
            ok(key in matrix, "github-actions: unknown expression matrix." + key)
            return str(matrix.get(key, ""))
        out = re.sub(r"\$\{\{\s*matrix\.(\w+)\s*\}\}", sub, s)
        ok("${{" not in out, "github-actions: an expression the test cannot evaluate: " + out)
        return out

    def run_job(name, matrix):
        ws = os.path.join(tmp, "gha", name + "".join("-%s" % v for v in matrix.values()))
        os.makedirs(ws)
        for step in jobs[name]["steps"]:
            uses = step.get("uses", "")
            if uses.startswith("actions/checkout@"):
                checkout(ws, fd)
            elif "run" in step:
                cmd = expand(step["run"], matrix)
                if cmd.strip() == "make":
                    continue  # built already
                rc = sh(shorten(cmd) if "firedrill batch" in cmd else cmd, ws, env, shell="bash")
                # The merge's exit status is the verdict: 1 is missed pass rates.
                ok(rc == 0 or (rc == 1 and "firedrill merge" in cmd),
                   "github-actions: job %s %s: step `%s` failed (%d)" % (name, matrix, cmd, rc))
            elif uses.startswith("actions/upload-artifact@"):
                w = {k: expand(str(v), matrix) for k, v in step["with"].items()}
                shutil.copytree(os.path.join(ws, w["path"]), os.path.join(store, w["name"]))
            elif uses.startswith("actions/download-artifact@"):
                w = {k: expand(str(v), matrix) for k, v in step["with"].items()}
                for a in sorted(os.listdir(store)):
                    if fnmatch.fnmatch(a, w["pattern"]):
                        shutil.copytree(os.path.join(store, a), os.path.join(ws, w["path"], a))
            else:
                ok(False, "github-actions: a step the test does not know: %s" % step)
        return ws

    drill = jobs["drill"]
    ok(drill["strategy"].get("fail-fast") is False, "github-actions: fail-fast should be off")
    shards = drill["strategy"]["matrix"]["shard"]
    for k in shards:
        run_job("drill", {"shard": k})
    ok(jobs["merge"]["needs"] == "drill", "github-actions: merge must need drill")
    run_job("merge", {})
    ws = os.path.join(tmp, "gha", "ref")
    os.makedirs(ws)
    checkout(ws, fd)
    batch_step = [s["run"] for s in drill["steps"] if "firedrill batch" in s.get("run", "")][0]
    reference(shorten(expand(batch_step, {"shard": shards[0]})), ws, env, os.path.join(ws, "ref"))
    same_tree(os.path.join(ws, "ref"), os.path.join(store, "batch"), "github-actions")


def kubernetes(r, tmp, env):
    job = yaml.safe_load(r["kubernetes"])
    spec = job["spec"]
    ok(job["kind"] == "Job" and spec["completionMode"] == "Indexed",
       "kubernetes: want an Indexed Job")
    n = spec["completions"]
    c = spec["template"]["spec"]["containers"][0]
    mounts = [m["mountPath"] for m in c["volumeMounts"]]
    ok(mounts == ["/results"], "kubernetes: the results volume is mounted at /results")
    root = os.path.join(tmp, "k8s")
    drills, results = os.path.join(root, "drills"), os.path.join(root, "results")
    os.makedirs(results)
    os.symlink(os.path.join(REPO, "scenarios"), drills)

    def mapped(s):
        return shorten(s).replace("/drills/", drills + "/").replace("/results", results) \
            if "firedrill batch" in s else s.replace("/results", results)

    cmd = [mapped(x) for x in c["command"] + c["args"]]
    for i in range(n):
        rc = sh(cmd, root, dict(env, JOB_COMPLETION_INDEX=str(i)))
        ok(rc == 0, "kubernetes: the pod of index %d exited %d" % (i, rc))
    # A restarted pod of index 0 finds every run of its shard recorded.
    log = []
    rc = sh(cmd, root, dict(env, JOB_COMPLETION_INDEX="0"), log=log)
    ok(rc == 0 and "resuming: " in log[0] and "0/0 runs" not in log[0],
       "kubernetes: a restarted pod should resume its shard:\n" + log[0])
    merge = r["kubernetes-merge"].replace("/results", results)
    rc = sh(merge, root, env)
    ok(rc in (0, 1), "kubernetes: the merge exited %d" % rc)
    ok(len([d for d in os.listdir(results) if d.startswith("shard-")]) == n,
       "kubernetes: want %d shard folders" % n)
    reference(cmd[-1], root, env, os.path.join(root, "ref"))
    same_tree(os.path.join(root, "ref"), os.path.join(results, "all"), "kubernetes")


def slurm(r, tmp, env):
    root = os.path.join(tmp, "slurm")
    os.makedirs(root)
    os.symlink(os.path.join(REPO, "scenarios"), os.path.join(root, "scenarios"))
    script = shorten(r["slurm"])
    ok(re.search(r"^#SBATCH --array=1-(\d+)$", script, re.M) is not None,
       "slurm: the script declares an array 1-N")
    open(os.path.join(root, "sweep.sh"), "w").write(script)
    rc = sh(r["slurm-submit"], root, env)
    ok(rc in (0, 1), "slurm: submitting and merging exited %d" % rc)
    log = os.path.join(root, "sweep.sh.log")
    if os.path.exists(log):
        sys.stderr.write(open(log).read()[-1500:] if rc not in (0, 1) else "")
    n = int(re.search(r"^#SBATCH --array=1-(\d+)$", script, re.M).group(1))
    ok(len(os.listdir(os.path.join(root, "results"))) == n + 1,
       "slurm: want %d shard folders and the merged one" % n)
    reference(script, root, env, os.path.join(root, "ref"))
    same_tree(os.path.join(root, "ref"), os.path.join(root, "results", "all"), "slurm")


def main():
    if len(sys.argv) != 2:
        print("usage: python3 tests/cli/recipes.py path/to/firedrill", file=sys.stderr)
        return 2
    fd = os.path.abspath(sys.argv[1])
    r = recipes(os.path.join(REPO, "docs", "batch.md"))
    want = {"gnu-parallel", "github-actions", "kubernetes", "kubernetes-merge", "slurm",
            "slurm-submit"}
    ok(set(r) == want, "docs/batch.md recipes: have %s, want %s" % (sorted(r), sorted(want)))
    if set(r) != want:
        return 1
    with tempfile.TemporaryDirectory() as tmp:
        env = setup_env(tmp, fd)
        gnu_parallel(r, tmp, env)
        github_actions(r, tmp, env, fd)
        kubernetes(r, tmp, env)
        slurm(r, tmp, env)
    print("%d passed, %d failed" % (passes, len(failures)))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
