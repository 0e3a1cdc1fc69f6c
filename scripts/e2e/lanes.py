"""The end-to-end run in lanes: each lane is one process of scripts/e2e/e2e.py with
its own moto server (on a port of its own), its own work folder (E2E_WORK=<work>/lane<N>,
which holds the lane's synthesized stacks, their .terraform folders and their state)
and a share of the run: `main` (phases 1 to 5) and the independent phases, split
between the lanes by the seconds last recorded in scripts/e2e/phase-times.json
(longest first, each to the lane with the fewest seconds so far; a phase without a
recorded time counts as the mean of the recorded ones).

What the lanes share is read-only while they run: dist/ (scripts/build.mjs replaces
its files whole), the provider mirror, .cache/terraform/cli.tfrc (replaced whole by
scripts/terraform-env.sh). A packed mirror would add a shared plugin cache, which
Terraform does not guarantee safe for concurrent use: then the run takes one lane.

  E2E_LANES=<n>   how many lanes (default 2); 1 runs e2e.py alone, exactly as before
  E2E_ONLY=...    narrows the run as in e2e.py (`main` names phases 1 to 5); what it
                  selects is split the same way, so one name is one lane
  E2E_WORK=<dir>  the run's folder (default .cache/e2e/run)

Each lane's lines are printed prefixed with `lane <N> | `. At the end: <work>/timings.json
holds every phase's seconds, each lane's and the total, and what the phases recorded;
the last line is `e2e: wall time: ...`. When a lane fails, the others are stopped
(their whole process groups: emulator, Terraform, providers) and the run exits 1;
a SIGTERM or Ctrl-C stops every lane the same way.
"""
from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
TIMES = HERE / "phase-times.json"
MAIN = "main"
MAIN_PHASES = ("deploy", "re-plan", "onboard", "users", "destroy")
# How long a stopped lane may take to end before its process group is killed.
GRACE_SECONDS = 20


def split(units: list[str], seconds: dict[str, float], lanes: int) -> list[list[str]]:
    """The units (`main` and phase names) in `lanes` lanes, longest first each to the
    lane with the fewest seconds so far (the first such lane on a tie); a unit without
    a recorded time counts as the mean of the recorded ones (60 s if none is). Within a
    lane, `main` first, then the phases in name order, as e2e.py runs them. Empty lanes
    are dropped. Names compare by code point (Python's str order)."""
    known = [seconds[u] for u in units if u in seconds]
    guess = sum(known) / len(known) if known else 60.0
    cost = {u: float(seconds.get(u, guess)) for u in units}
    # Recorded ones first, longest first; then the new ones, in name order.
    order = sorted(units, key=lambda u: (u not in seconds, -cost[u] if u in seconds else 0.0, u))
    load = [0.0] * max(1, lanes)
    got: list[list[str]] = [[] for _ in load]
    for unit in order:
        lane = min(range(len(load)), key=lambda i: (load[i], i))
        got[lane].append(unit)
        load[lane] += cost[unit]
    return [sorted(g, key=lambda u: (u != MAIN, u)) for g in got if g]


def recorded_seconds(path: Path = TIMES) -> dict[str, float]:
    """Last-known seconds per unit: `main` is the sum of phases 1 to 5."""
    phases = json.loads(path.read_text())["phases"]
    # A run's timings.json may be copied in whole: its lane and total lines are not phases.
    got = {k: float(v) for k, v in phases.items() if k not in MAIN_PHASES and k != "total" and not k.startswith("lane ")}
    if all(p in phases for p in MAIN_PHASES):
        got[MAIN] = float(sum(phases[p] for p in MAIN_PHASES))
    return got


def combine(lanes: list[dict], wall: float) -> dict:
    """One run's timings.json from its lanes': every phase's seconds (phases 1 to 5 first,
    then the others in name order), then `lane <N>` (each lane's own total) and `total`
    (the run's wall time); what the phases recorded, lane by lane."""
    phases: dict[str, float] = {}
    findings: dict[str, str] = {}
    for lane in lanes:
        phases.update({k: v for k, v in lane.get("phases", {}).items() if k != "total"})
        findings.update({k: v for k, v in lane.items() if k != "phases"})
    ordered = {p: phases[p] for p in MAIN_PHASES if p in phases}
    ordered.update({p: phases[p] for p in sorted(phases) if p not in ordered})
    for n, lane in enumerate(lanes, 1):
        if "total" in lane.get("phases", {}):
            ordered[f"lane {n}"] = lane["phases"]["total"]
    ordered["total"] = wall
    return {"phases": ordered, **findings}


def distinct_ports(n: int) -> list[int]:
    """n free ports of 127.0.0.1, distinct: all bound at once, then released."""
    socks = [socket.socket() for _ in range(n)]
    try:
        for s in socks:
            s.bind(("127.0.0.1", 0))
        return [s.getsockname()[1] for s in socks]
    finally:
        for s in socks:
            s.close()


def log(msg: str) -> None:
    print(f"e2e: {msg}", flush=True)


class Lane:
    """One e2e.py process in a process group of its own, its output relayed with a prefix."""

    def __init__(self, number: int, units: list[str], work: Path, port: int, out_lock: threading.Lock) -> None:
        self.number, self.units, self.work = number, units, work
        env = {**os.environ, "E2E_ONLY": ",".join(units), "E2E_WORK": str(work), "E2E_MOTO_PORT": str(port), "PYTHONUNBUFFERED": "1"}
        self.proc = subprocess.Popen([sys.executable, str(HERE / "e2e.py")], env=env, cwd=ROOT, stdout=subprocess.PIPE,
                                     stderr=subprocess.STDOUT, text=True, bufsize=1, start_new_session=True)
        self.relay = threading.Thread(target=self._relay, args=(out_lock,), daemon=True)
        self.relay.start()

    def _relay(self, out_lock: threading.Lock) -> None:
        for line in self.proc.stdout:
            with out_lock:
                sys.stdout.write(f"lane {self.number} | {line}")
                sys.stdout.flush()

    def signal(self, sig: int) -> None:
        """`sig` to the lane's whole process group: e2e.py, its emulator, Terraform and the providers."""
        try:
            os.killpg(self.proc.pid, sig)
        except ProcessLookupError:
            pass

    def timings(self) -> dict:
        path = self.work / "timings.json"
        return json.loads(path.read_text()) if path.exists() else {}


def lane_count() -> int:
    raw = os.environ.get("E2E_LANES", "2")
    if not raw.isdigit() or int(raw) < 1:
        print(f"e2e: E2E_LANES must be a whole number from 1, not {raw!r}", file=sys.stderr)
        raise SystemExit(2)
    return int(raw)


def main() -> int:
    sys.path.insert(0, str(HERE))
    import e2e  # after E2E_WORK and E2E_ONLY are read: it validates E2E_ONLY's names

    wanted = lane_count()
    units = ([MAIN] if e2e.runs_main() else []) + [m.NAME for m in e2e.independent_phases()]
    if wanted > 1 and os.environ.get("TF_PLUGIN_CACHE_DIR"):
        log("a shared plugin cache (packed provider mirror) is not safe for concurrent inits: one lane")
        wanted = 1
    plan = split(units, recorded_seconds(), wanted)
    if len(plan) <= 1:
        os.execv(sys.executable, [sys.executable, str(HERE / "e2e.py")])

    work = e2e.WORK
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    started = time.monotonic()
    out_lock = threading.Lock()
    lanes: list[Lane] = []

    def stop_all(reason: str) -> None:
        log(f"stopping every lane: {reason}")
        # SIGTERM to every lane at once (e2e.py stops its emulator and Terraform on it);
        # once each has ended or the grace is over, SIGKILL to whatever of its group is left.
        for lane in lanes:
            lane.signal(signal.SIGTERM)
        deadline = time.monotonic() + GRACE_SECONDS
        for lane in lanes:
            try:
                lane.proc.wait(timeout=max(0.0, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                pass
            lane.signal(signal.SIGKILL)
            lane.proc.wait()

    def on_signal(signum, _frame):
        stop_all(f"signal {signum}")
        os._exit(128 + signum)

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    for n, (units_of_lane, port) in enumerate(zip(plan, distinct_ports(len(plan))), 1):
        log(f"lane {n}: {', '.join(units_of_lane)} (work {work / f'lane{n}'})")
        lanes.append(Lane(n, units_of_lane, work / f"lane{n}", port, out_lock))

    failed: list[str] = []
    while any(lane.proc.poll() is None for lane in lanes):
        for lane in lanes:
            code = lane.proc.poll()
            if code not in (None, 0) and not failed:
                failed.append(f"lane {lane.number} exited {code}")
                stop_all(failed[0])
        time.sleep(0.5)
    for lane in lanes:
        lane.relay.join(timeout=5)
        if lane.proc.returncode != 0 and not failed:
            failed.append(f"lane {lane.number} exited {lane.proc.returncode}")
    combined = combine([lane.timings() for lane in lanes], time.monotonic() - started)
    (work / "timings.json").write_text(json.dumps(combined, indent=2) + "\n")
    log("wall time: " + ", ".join(f"{name} {secs:.0f}s" for name, secs in combined["phases"].items()))
    if failed:
        log(f"FAIL {failed[0]}")
        return 1
    log("all phases passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
