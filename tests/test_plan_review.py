"""plan and deploy against moto: the property changes inside each modified
resource (GetTemplate against the new template) and the access a change
widens, in text and JSON; on a terminal, deploy asks a second time when
access widens, and a no there executes nothing."""
import json
import os
import select
import signal
import time

import pytest

from conftest import moto_server, run, spartac_cmd

MANIFEST = """\
service: review-svc
roles:
  reader:
    privileges:
      - actions: [s3:GetObject]
        resources: ["arn:aws:s3:::data/*"]
functions:
  hello:
    symbol: hello
    memory: 128
    role: reader
"""

SOURCE = """\
#include <sparta/lambda.h>

int
hello(const char *event, size_t len, struct sparta_context *ctx,
    struct sparta_response *res)
{
	(void)event; (void)len; (void)ctx;
	sparta_write_string(res, "hi");
	return 0;
}
"""


@pytest.fixture(scope="module")
def endpoint(tmp_path_factory):
    with moto_server(tmp_path_factory, "moto-review", ordered=True) as url:
        yield url


@pytest.fixture(scope="module")
def project(tmp_path_factory, endpoint):
    d = tmp_path_factory.mktemp("review")
    (d / "src").mkdir()
    (d / "sparta.yaml").write_text(MANIFEST)
    (d / "src" / "hello.c").write_text(SOURCE)
    r = spartac(d, endpoint, "deploy")
    assert r.returncode == 0, r.stdout + r.stderr
    m = d / "sparta.yaml"
    m.write_text(m.read_text().replace("memory: 128", "memory: 256")
                 .replace("[s3:GetObject]", "[s3:GetObject, s3:PutObject]"))
    return d


def env_of(project):
    return {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_REGION": "us-east-1",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_CONFIG_FILE": str(project / "none"),
        "AWS_SHARED_CREDENTIALS_FILE": str(project / "none"),
        "AWS_EC2_METADATA_DISABLED": "true",
    }


def spartac(project, endpoint, *args):
    return run(*args, "--endpoint-url", endpoint, cwd=project, env=env_of(project), timeout=300)


def test_plan_shows_property_paths_and_widened_access(project, endpoint):
    r = spartac(project, endpoint, "plan")
    assert r.returncode == 0, r.stdout + r.stderr
    assert "Property changes (deployed template -> new):\n" in r.stdout
    assert "  HelloFunction (AWS::Lambda::Function)\n    MemorySize: 128 -> 256\n" in r.stdout
    assert "Access widened (IAM and public entry points):\n" in r.stdout
    assert "  + ReaderRole policy " in r.stdout and \
        "allow s3:PutObject on arn:aws:s3:::data/*" in r.stdout, r.stdout
    r = spartac(project, endpoint, "plan", "--format", "json")
    assert r.returncode == 0, r.stderr
    doc = json.loads(r.stdout)
    hello = [c for c in doc["templateDiff"] if c["logicalId"] == "HelloFunction"][0]
    assert hello["properties"] == [{"path": "MemorySize", "old": 128, "new": 256}]
    assert [(w["logicalId"], w["kind"]) for w in doc["accessWidened"]] == [("ReaderRole", "action")]


def deploy_answering(project, endpoint, answers):
    """deploy on a pseudo-terminal; answers each [y/N] in turn. Returns
    (questions asked, exit status, output); killed after 240 s."""
    import pty
    full = dict(os.environ)
    full.update(env_of(project))
    full["TERM"] = "xterm"
    pid, fd = pty.fork()
    if pid == 0:
        os.chdir(project)
        cmd = spartac_cmd("deploy", "--endpoint-url", endpoint)
        os.execvpe(cmd[0], cmd, full)
    out, asked, deadline = b"", 0, time.time() + 240
    try:
        while time.time() < deadline:
            ready, _, _ = select.select([fd], [], [], 1)
            if not ready:
                continue
            try:
                chunk = os.read(fd, 4096)
            except OSError:
                break
            if not chunk:
                break
            out += chunk
            if out.count(b"[y/N]") > asked and asked < len(answers):
                os.write(fd, answers[asked])
                asked += 1
    finally:
        os.close(fd)
    end = time.time() + 30
    done, status = os.waitpid(pid, os.WNOHANG)
    while not done and time.time() < end:
        time.sleep(0.1)
        done, status = os.waitpid(pid, os.WNOHANG)
    if not done:
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
        pytest.fail("deploy did not end:\n" + out.decode("utf-8", "replace"))
    return asked, os.WEXITSTATUS(status), out.decode("utf-8", "replace")


def test_deploy_asks_again_when_access_widens(project, endpoint):
    asked, status, text = deploy_answering(project, endpoint, [b"y\n", b"n\n"])
    assert asked == 2, text
    assert "These changes widen access (1, listed above). Deploy them?" in text
    assert status == 2 and "not executed" in text, text
    asked, status, text = deploy_answering(project, endpoint, [b"y\n", b"y\n"])
    assert asked == 2 and status == 0, text
    assert "UPDATE_COMPLETE" in text
    # Deployed: nothing widens any more, and nothing is asked off a terminal.
    r = spartac(project, endpoint, "deploy")
    assert r.returncode == 0 and "no changes" in r.stdout, r.stdout + r.stderr
