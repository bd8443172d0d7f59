"""spartac logs against moto's CloudWatch Logs.

The test writes events with put_log_events into the log groups the
template names (/aws/lambda/STACK/FUNCTION) and compares spartac's output
with goldens (tests/logs/*.out, *.jsonl): two functions interleaved by
time, START/REPORT compact, END left out, errors flagged. Then --filter,
--since (a duration and a UTC time), and --follow stopped by --timeout and
by SIGINT after a new event arrived.

Timestamps must be within moto's 14 days: events sit on yesterday's date,
which the comparison replaces with DAY.
"""
import datetime
import json
import os
import select
import signal
import subprocess
import time

import pytest

from conftest import ROOT, moto_server, offline_aws_env, run, spartac_cmd

GOLDEN = ROOT / "tests" / "logs"
STACK = "logs-svc"

MANIFEST = """\
service: logs-svc
functions:
  hello:
    symbol: hello
  items-api:
    symbol: items
"""

REQ_A = "8c3f9a2e-1111-4a4a-9b9b-000000000001"
REQ_B = "77d0b1c4-2222-4a4a-9b9b-000000000002"

# (function, seconds after the base time, message)
EVENTS = [
    ("hello", 0.000, "INIT_START Runtime Version: provided:al2023.v50\n"),
    ("hello", 0.010, f"START RequestId: {REQ_A} Version: $LATEST\n"),
    ("items-api", 0.015, f"START RequestId: {REQ_B} Version: $LATEST\n"),
    ("hello", 0.020, "handling /hello\n"),
    ("items-api", 0.021, "sparta: handler: item 42 not found\n"),
    ("hello", 0.030, f"END RequestId: {REQ_A}\n"),
    ("hello", 0.031, f"REPORT RequestId: {REQ_A}\tDuration: 2.34 ms\tBilled Duration: 3 ms\t"
                     "Memory Size: 128 MB\tMax Memory Used: 21 MB\tInit Duration: 10.12 ms\t\n"),
    ("items-api", 0.040, "ERROR something broke\nsecond line\n"),
    ("items-api", 0.050, f"END RequestId: {REQ_B}\n"),
    ("items-api", 0.051, f"REPORT RequestId: {REQ_B}\tDuration: 3000.00 ms\tBilled Duration: 3000 ms\t"
                         "Memory Size: 256 MB\tMax Memory Used: 30 MB\tStatus: timeout\n"),
    ("hello", 300.0, "five minutes later\n"),
]


@pytest.fixture(scope="module")
def endpoint(tmp_path_factory):
    with moto_server(tmp_path_factory, "moto-logs") as url:
        yield url


@pytest.fixture(scope="module")
def env(tmp_path_factory):
    return offline_aws_env(tmp_path_factory.mktemp("home"), "us-east-1")


def base_ms():
    """Yesterday at 12:00 UTC (within moto's 14 days, never in the future)."""
    today = datetime.datetime.now(datetime.timezone.utc).replace(
        hour=0, minute=0, second=0, microsecond=0)
    return int((today - datetime.timedelta(hours=12)).timestamp() * 1000)


@pytest.fixture(scope="module")
def client(endpoint, env):
    import boto3
    c = boto3.client("logs", endpoint_url=endpoint, region_name="us-east-1",
                     aws_access_key_id="testing", aws_secret_access_key="testing")
    return c


@pytest.fixture(scope="module")
def project(tmp_path_factory, client):
    d = tmp_path_factory.mktemp("logs")
    (d / "sparta.yaml").write_text(MANIFEST)
    base = base_ms()
    for fn in ("hello", "items-api"):
        group = f"/aws/lambda/{STACK}/{fn}"
        client.create_log_group(logGroupName=group)
        client.create_log_stream(logGroupName=group, logStreamName="2026/12/05/[$LATEST]abc")
        evs = [{"timestamp": base + int(s * 1000), "message": m} for f, s, m in EVENTS if f == fn]
        client.put_log_events(logGroupName=group, logStreamName="2026/12/05/[$LATEST]abc",
                              logEvents=evs)
    return d


def day(ms):
    return datetime.datetime.fromtimestamp(ms / 1000, datetime.timezone.utc).strftime("%Y-%m-%d")


def logs(project, endpoint, env, *args, timeout=60):
    r = run("logs", "--endpoint-url", endpoint, *args, cwd=project, env=env, timeout=timeout)
    assert r.returncode == 0, r.stdout + r.stderr
    return r.stdout.replace(day(base_ms()), "DAY")


def golden(name, text):
    if os.environ.get("SPARTAC_WRITE_GOLDEN"):  # to regenerate, then review the diff
        (GOLDEN / name).write_text(text)
    assert text == (GOLDEN / name).read_text()


def test_text_golden(project, endpoint, env):
    golden("interleaved.out", logs(project, endpoint, env, "--since", "2d"))


def test_json_golden(project, endpoint, env):
    out = logs(project, endpoint, env, "--since", "2d", "--format", "json")
    rows = [json.loads(ln) for ln in out.splitlines()]
    base = base_ms()
    for r in rows:
        r["timestamp"] -= base
    golden("interleaved.jsonl", "".join(json.dumps(r, sort_keys=True) + "\n" for r in rows))


def test_one_function(project, endpoint, env):
    out = logs(project, endpoint, env, "--since", "2d", "items-api")
    assert out and all(" items-api " in ln for ln in out.splitlines() if ln[0] != " ")
    r = run("logs", "--endpoint-url", endpoint, "helo", cwd=project, env=env)
    assert r.returncode == 64 and "did you mean 'hello'" in r.stderr


def test_filter(project, endpoint, env):
    out = logs(project, endpoint, env, "--since", "2d", "--filter", "ERROR")
    assert out.splitlines() == [
        "DAYT12:00:00.040Z items-api  ERROR something broke",
        " " * 36 + "second line"]


def test_since_time_and_duration(project, endpoint, env, client):
    t = datetime.datetime.fromtimestamp(base_ms() / 1000 + 60, datetime.timezone.utc)
    out = logs(project, endpoint, env, "--since", t.strftime("%Y-%m-%dT%H:%M:%SZ"))
    assert out.splitlines() == ["DAYT12:05:00.000Z hello      five minutes later"]
    # The default is the last ten minutes: yesterday's events are not shown.
    assert logs(project, endpoint, env) == ""
    now = int(time.time() * 1000)
    group = f"/aws/lambda/{STACK}/hello"
    client.create_log_stream(logGroupName=group, logStreamName="recent")
    client.put_log_events(logGroupName=group, logStreamName="recent", logEvents=[
        {"timestamp": now - 2 * 3600 * 1000, "message": "two hours ago"},
        {"timestamp": now - 60 * 1000, "message": "a minute ago"}])
    assert [ln.split(None, 2)[2] for ln in logs(project, endpoint, env).splitlines()] == ["a minute ago"]
    got = [ln.split(None, 2)[2] for ln in logs(project, endpoint, env, "--since", "3h").splitlines()]
    assert got == ["two hours ago", "a minute ago"]
    r = run("logs", "--since", "yesterday", cwd=project, env=env)
    assert r.returncode == 64 and "--since yesterday" in r.stderr


def test_follow_stops_after_timeout(project, endpoint, env):
    t0 = time.monotonic()
    out = logs(project, endpoint, env, "--since", "2d", "--follow", "--timeout", "2", timeout=30)
    assert time.monotonic() - t0 < 20
    # each event once, however many polls
    assert out == logs(project, endpoint, env, "--since", "2d")
    assert "five minutes later" in out


def test_follow_shows_new_events_until_sigint(project, endpoint, env, client):
    full = dict(os.environ)
    full.update(env)
    p = subprocess.Popen(spartac_cmd("logs", "--endpoint-url", endpoint, "--follow",
                                     "--since", "1m", "--timeout", "60", "items-api"),
                         cwd=project, env=full, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                         text=True)
    try:
        group = f"/aws/lambda/{STACK}/items-api"
        client.create_log_stream(logGroupName=group, logStreamName="live")
        client.put_log_events(logGroupName=group, logStreamName="live", logEvents=[
            {"timestamp": int(time.time() * 1000), "message": "live event\n"}])
        line, deadline = "", time.monotonic() + 30
        while "live event" not in line and time.monotonic() < deadline:
            ready, _, _ = select.select([p.stdout], [], [], 1)
            if ready:
                line = p.stdout.readline()
        assert "live event" in line, line
        p.send_signal(signal.SIGINT)
        assert p.wait(timeout=15) == 0, p.stderr.read()
    finally:
        if p.poll() is None:
            p.kill()
            p.wait()


def test_terminal_colours_the_function_and_the_errors(project, endpoint, env):
    import pty
    full = dict(os.environ)
    full.update(env)
    full.pop("NO_COLOR", None)
    full["TERM"] = "xterm"
    master, slave = pty.openpty()
    p = subprocess.Popen(spartac_cmd("logs", "--endpoint-url", endpoint, "--since", "2d"),
                         cwd=project, env=full, stdin=slave, stdout=slave, stderr=slave)
    os.close(slave)
    out = b""
    try:
        while True:
            ready, _, _ = select.select([master], [], [], 30)
            if not ready:
                break
            try:
                chunk = os.read(master, 65536)
            except OSError:
                break
            if not chunk:
                break
            out += chunk
        assert p.wait(timeout=30) == 0, out
    finally:
        os.close(master)
        if p.poll() is None:
            p.kill()
            p.wait()
    text = out.decode()
    assert "\033[36mhello    \033[0m" in text and "\033[35mitems-api\033[0m" in text, text
    assert "\033[1;31mERROR something broke" in text, text


def test_request_matches_botocore_model(tmp_path):
    """The FilterLogEvents request spartac sends is the one botocore's JSON
    serializer makes from the same parameters, validated against the
    logs/2014-03-28 model: target, content type and body."""
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
    import botocore.session
    from botocore.serialize import create_serializer
    from botocore.validate import validate_parameters

    seen = []

    class H(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *a):
            pass

        def do_POST(self):
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            seen.append((dict(self.headers), json.loads(body)))
            data = b'{"events": [], "searchedLogStreams": []}'
            self.send_response(200)
            self.send_header("Content-Type", "application/x-amz-json-1.1")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

    srv = ThreadingHTTPServer(("127.0.0.1", 0), H)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    try:
        (tmp_path / "sparta.yaml").write_text(MANIFEST)
        r = run("logs", "--endpoint-url", f"http://127.0.0.1:{srv.server_address[1]}",
                "--since", "2026-12-01T10:00:00Z", "--filter", "ERROR", "hello",
                cwd=tmp_path, env=offline_aws_env(tmp_path, "us-east-1"))
        assert r.returncode == 0 and r.stdout == "", r.stderr
    finally:
        srv.shutdown()
        srv.server_close()
    assert len(seen) == 1
    headers, body = seen[0]
    params = {"logGroupName": f"/aws/lambda/{STACK}/hello",
              "startTime": 1796119200000, "filterPattern": "ERROR"}  # 2026-12-01T10:00:00Z
    op = botocore.session.get_session().get_service_model("logs").operation_model("FilterLogEvents")
    validate_parameters(body, op.input_shape)
    want = create_serializer("json").serialize_to_request(params, op)
    assert body == json.loads(want["body"])
    assert headers["X-Amz-Target"] == want["headers"]["X-Amz-Target"]
    assert headers["Content-Type"] == want["headers"]["Content-Type"]
