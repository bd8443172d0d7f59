"""Fault injection (issue 19, Tests): 30 deploys of three services with a
site each, through the proxy in front of moto (tests/tools/countproxy.py),
which resets, drops, delays and fails a fraction of the requests, some of
them after moto applied them (the answer is lost), while every third
deploy gets SIGINT or SIGTERM at a random step. After at most one plain
rerun, every stack has the deployed digest, every site is complete (its
objects counted and compared), and a further deploy is one API call.

Bounded: a seeded generator, 30 deploys, a fault rate that lets most
requests through, delays under the client's timeout but one kind, and a
time limit on the whole loop. The figures are printed (pytest -s)."""
import json
import random
import signal
import time

from test_deploy_site_state import (  # noqa: F401  (fixtures)
    boto, env, finish, local_md5s, make_project, manifest, moto, ops, site_objects,
    spartac, spartac_bg)

SERVICES = ["spartac-faults-a", "spartac-faults-b", "spartac-faults-c"]
DEPLOYS = 30
FAULT_RATE = 0.12
TIME_LIMIT = 170  # seconds for the whole loop
THROTTLE = (b'<ErrorResponse><Error><Type>Sender</Type><Code>Throttling</Code>'
            b'<Message>Rate exceeded</Message></Error></ErrorResponse>')
UNAVAILABLE = b"<Error><Code>ServiceUnavailable</Code><Message>try again</Message></Error>"
INTERNAL = b"<Error><Code>InternalError</Code><Message>oops</Message></Error>"


class Faults:
    """Decides each request's fault from a seeded generator; counts them."""

    KINDS = ["reset", "drop", "503", "500", "throttle", "delay", "after-reset", "after-delay"]

    def __init__(self, seed):
        self.rng = random.Random(seed)
        self.on = True
        self.count = {k: 0 for k in self.KINDS}

    def __call__(self, method, path, op):
        if not self.on or path.startswith("/__") or self.rng.random() >= FAULT_RATE:
            return None
        kind = self.rng.choice(self.KINDS)
        self.count[kind] += 1
        if kind == "503":
            return ("status", 503, UNAVAILABLE)
        if kind == "500":
            return ("status", 500, INTERNAL)
        if kind == "throttle":
            return ("status", 400 if path.startswith("/?") or path == "/" else 503, THROTTLE)
        if kind == "drop":
            return ("drop", 2.5)  # past the client's 2 s timeout
        if kind in ("delay", "after-delay"):
            return (kind, self.rng.uniform(0.1, 0.8))
        return (kind,)

    def total(self):
        return sum(self.count.values())


def wait_idle(moto, limit=30):
    deadline = time.monotonic() + limit
    while moto.inflight and time.monotonic() < deadline:
        time.sleep(0.05)


def deploy_with_signal(moto, env, project, rng):
    """A deploy that gets SIGINT or SIGTERM once the proxy has seen a
    random number of its requests (or that ends first)."""
    sig = rng.choice([signal.SIGINT, signal.SIGTERM])
    start = len(moto.snapshot())
    at = start + rng.randint(1, 14)
    proc = spartac_bg(moto, env, project, "deploy", "--yes")
    while proc.poll() is None and len(moto.snapshot()) < at:
        time.sleep(0.01)
    sent = proc.poll() is None
    step = None
    if sent:
        proc.send_signal(sig)
        seen = moto.snapshot()
        step = seen[-1][2].split(" ")[0] if seen else "start"
    err = finish(proc, 30)
    return proc.returncode, err, step


def test_thirty_fault_injected_deploys_converge_after_one_rerun(moto, env, tmp_path):
    fenv = dict(env, SPARTAC_AWS_TIMEOUT="2", AWS_MAX_ATTEMPTS="4")
    projects = {s: make_project(tmp_path / s, s) for s in SERVICES}
    faults = Faults(19)
    rng = random.Random(1919)
    first_ok = reruns = 0
    steps = []
    t0 = time.monotonic()
    failures = []
    for n in range(DEPLOYS):
        assert time.monotonic() - t0 < TIME_LIMIT, f"only {n} deploys in {TIME_LIMIT} s"
        service = SERVICES[n % len(SERVICES)]
        project = projects[service]
        rnd = n // len(SERVICES)
        # a change to the template and to two site files every time
        (project / "sparta.yaml").write_text(manifest(service, memory=128 + 64 * rnd))
        for i in (rnd % 21, (rnd * 7 + 3) % 21):
            (project / "site" / f"f{i:02}.html").write_text(f"<p>round {rnd} file {i}</p>\n")
        moto.reset()
        faults.on = True
        moto.fault = faults
        if n % 3 == 2:
            rc, err, step = deploy_with_signal(moto, fenv, project, rng)
            if step:
                steps.append(step)
        else:
            r = spartac(moto, fenv, project, "deploy", "--yes", timeout=120)
            rc, err = r.returncode, r.stderr
        faults.on = False
        moto.fault = None
        wait_idle(moto)
        if rc == 0:
            first_ok += 1
        else:
            assert rc in (4, 130, 143), err
            reruns += 1
            r = spartac(moto, env, project, "deploy", "--yes", timeout=120)
            if r.returncode != 0:
                failures.append((service, n, r.stderr[-600:]))
                continue
        # converged: the site complete, and a further deploy one call
        objects = site_objects(moto, service)
        if objects != local_md5s(project):
            failures.append((service, n, f"site: {len(objects)} objects"))
            continue
        moto.reset()
        r = spartac(moto, env, project, "deploy", "--format", "json", timeout=120)
        if r.returncode != 0 or ops(moto) != ["DescribeStacks"] or \
                json.loads(r.stdout)["result"] != "no-changes":
            failures.append((service, n, f"further deploy: {ops(moto)}"))
    took = time.monotonic() - t0
    complete = DEPLOYS - len(failures)
    print(f"\nfault injection: {DEPLOYS} deploys ({len(steps)} signalled, after: "
          f"{', '.join(sorted(set(steps)))}), {faults.total()} faults "
          f"{faults.count}, {first_ok} first-try successes, {reruns} plain reruns, "
          f"{complete}/{DEPLOYS} complete after at most one rerun "
          f"(stack digest, {21} site objects, one-call redeploy), {took:.0f} s")
    assert not failures, failures
    assert faults.total() >= 30, faults.count
    assert all(faults.count[k] for k in Faults.KINDS), faults.count
    assert len(steps) >= 5, steps
    cfn = boto(moto, "cloudformation")
    for s in SERVICES:
        st = cfn.describe_stacks(StackName=s)["Stacks"][0]
        assert st["StackStatus"] in ("CREATE_COMPLETE", "UPDATE_COMPLETE"), st["StackStatus"]
        assert len(site_objects(moto, s)) == 21
