#!/bin/sh
# bench/deploy.sh - API calls and wall time of spartac deploy against
# `aws cloudformation package` + `aws cloudformation deploy` (the AWS CLI),
# on the same template (the example's: sparta.yaml.example), against the
# same moto server (tests/tools/moto_server_ordered.py), in one run:
#
#   first deploy, no-op redeploy, one C file changed (spartac deploy
#   --code, spartac deploy, and the AWS CLI), one function's memory changed
#   (spartac's plan and plan --fast of it first)
#
# API calls are counted on the server's side by tests/tools/countproxy.py
# (every request moto answers, retries included). spartac's times include
# its build (incremental after the first); the AWS CLI's do not include the
# `spartac build` that produced its template. moto is on loopback, so the
# times measure the clients, not CloudFormation.
#
#   sh bench/deploy.sh            (needs moto[server] and awscli:
#                                  sh tools/setup.sh test)
set -eu
cd "$(dirname "$0")/.."
spartac=${SPARTAC:-$PWD/build/spartac}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM
python3 - "$spartac" "$tmp" <<'PY'
import json, os, subprocess, sys, time, urllib.request
from pathlib import Path

spartac, tmp = sys.argv[1], Path(sys.argv[2])
root = Path.cwd()
sys.path.insert(0, str(root / "tests" / "tools"))
import countproxy

moto, proxy = countproxy.start_moto(root, tmp / "moto.log")
try:
    endpoint = f"http://localhost:{proxy.server_address[1]}"
    # `aws cloudformation package` builds its S3 client without
    # --endpoint-url: AWS_ENDPOINT_URL and path-style addressing point it
    # at moto too (spartac reads the same settings).
    (tmp / "config").write_text("[default]\ns3 =\n  addressing_style = path\n")
    env = dict(os.environ, AWS_ACCESS_KEY_ID="bench", AWS_SECRET_ACCESS_KEY="bench",
               AWS_DEFAULT_REGION="us-east-1", AWS_REGION="us-east-1",
               AWS_CONFIG_FILE=str(tmp / "config"), AWS_SHARED_CREDENTIALS_FILE=str(tmp / "none"),
               AWS_EC2_METADATA_DISABLED="true", AWS_ENDPOINT_URL=endpoint)

    # The example as shipped: sparta.yaml.example and examples/.
    import shutil
    proj = tmp / "svc"
    proj.mkdir()
    shutil.copy(root / "sparta.yaml.example", proj / "sparta.yaml")
    shutil.copytree(root / "examples", proj / "examples")

    notes = []

    def timed(cmds, may_fail=False):
        proxy.reset()
        t = time.perf_counter()
        for cmd in cmds:
            r = subprocess.run(cmd, cwd=proj, env=env, capture_output=True, text=True)
            if r.returncode != 0:
                if not may_fail:
                    sys.exit(f"{' '.join(cmd)}: exit {r.returncode}\n{r.stdout}{r.stderr}")
                notes.append(f"{' '.join(cmd[3:5])}: exit {r.returncode}: "
                             f"{r.stderr.strip().splitlines()[-1]}")
                break
        dt = time.perf_counter() - t
        calls = proxy.snapshot()
        # S3 object PUTs (bucket/key); Lambda's PUT .../code is not one
        uploads = sum(1 for c in calls if c[0] == "PUT" and
                      not c[1].startswith("/2015-03-31/") and
                      len(c[1].split("?")[0].strip("/").split("/")) >= 2)
        return len(calls), uploads, dt, [c[2] for c in calls]

    # moto loads each service's backend on its first request (seconds):
    # warm them up so neither client pays for it.
    for warm in (["cloudformation", "list-stacks"], ["s3api", "list-buckets"],
                 ["sts", "get-caller-identity"], ["lambda", "list-functions"],
                 ["iam", "list-roles"], ["apigateway", "get-rest-apis"],
                 ["logs", "describe-log-groups"]):
        subprocess.run(["aws", *warm], env=env, capture_output=True)

    def sp(*a):
        return [spartac, *a, "--endpoint-url", endpoint]

    def set_memory(mb):
        m = proj / "sparta.yaml"
        m.write_text(m.read_text().replace("memory: 128 ", f"memory: {mb} ", 1))

    def edit_c(tag):
        """One C file changed: the code alone differs."""
        c = proj / "examples/hello/src/audit.c"
        text = c.read_text()
        old = text.split('const char *kind = "', 1)[1].split('"', 1)[0]
        c.write_text(text.replace(f'const char *kind = "{old}"',
                                  f'const char *kind = "unknown-{tag}"', 1))

    rows = []
    # spartac
    rows.append(("spartac", "first deploy", *timed([sp("deploy")])))
    rows.append(("spartac", "no-op redeploy", *timed([sp("deploy")])))
    edit_c(1)
    rows.append(("spartac", "C edit, deploy --code", *timed([sp("deploy", "--code")])))
    edit_c(2)
    rows.append(("spartac", "C edit, full deploy", *timed([sp("deploy")])))
    set_memory(256)
    rows.append(("spartac", "plan (change set)", *timed([sp("plan")])))
    rows.append(("spartac", "plan --fast", *timed([sp("plan", "--fast")])))
    rows.append(("spartac", "one function changed", *timed([sp("deploy")])))
    set_memory_back = (proj / "sparta.yaml").read_text().replace("memory: 256 ", "memory: 128 ", 1)
    (proj / "sparta.yaml").write_text(set_memory_back)

    # The AWS CLI, on the template spartac builds, with code.zip as a local
    # artifact for `package` to upload.
    subprocess.run(["aws", "--endpoint-url", endpoint, "s3", "mb", "s3://bench-awscli"],
                   env=env, check=True, capture_output=True)

    def cli_template(mb):
        set_memory(mb)
        subprocess.run([spartac, "build"], cwd=proj, env=env, check=True, capture_output=True)
        (proj / "sparta.yaml").write_text((proj / "sparta.yaml").read_text()
                                          .replace(f"memory: {mb} ", "memory: 128 ", 1))
        t = json.loads((proj / ".spartac/template.json").read_text())
        for res in t["Resources"].values():
            if res["Type"] == "AWS::Lambda::Function":
                res["Properties"]["Code"] = str(proj / ".spartac/code.zip")
        (proj / "cli.json").write_text(json.dumps(t, indent=1))

    cli = [["aws", "--endpoint-url", endpoint, "cloudformation", "package",
            "--template-file", "cli.json", "--s3-bucket", "bench-awscli",
            "--output-template-file", "packaged.json"],
           ["aws", "--endpoint-url", endpoint, "cloudformation", "deploy",
            "--template-file", "packaged.json", "--stack-name", "bench-awscli",
            "--capabilities", "CAPABILITY_IAM", "--no-fail-on-empty-changeset",
            "--parameter-overrides", "ArtifactBucket=bench-awscli", "CodeKey=unused"]]
    # (The AWS CLI does not sync the example's site; spartac's first deploy
    # does, which adds its uploads and calls to spartac's row.)
    cli_template(128)
    rows.append(("aws cli", "first deploy", *timed(cli)))
    # moto answers CreateChangeSet without changes with UpdateStack's
    # "No updates are to be performed." error instead of a FAILED change
    # set, which the AWS CLI does not expect: it exits 255 (spartac takes
    # that answer as "no changes"). The calls made up to there count.
    rows.append(("aws cli", "no-op redeploy", *timed(cli, may_fail=True)))
    edit_c(3)
    cli_template(128)
    rows.append(("aws cli", "C edit, full deploy", *timed(cli)))
    cli_template(256)
    rows.append(("aws cli", "one function changed", *timed(cli)))

    print(f"{'client':8} {'scenario':24} {'API calls':>9} {'uploads':>7} {'wall s':>7}  calls")
    for who, what, n, up, dt, ops in rows:
        print(f"{who:8} {what:24} {n:9d} {up:7d} {dt:7.2f}  {' '.join(ops)}")
    for n in notes:
        print("note:", n)
finally:
    moto.terminate()
    moto.wait(timeout=30)
PY
