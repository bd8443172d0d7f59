"""spartac serve: a local API Gateway (REST proxy integration) on loopback,
driven with real HTTP requests against the service in tests/serve/."""
import base64
import http.client
import json
import re
import shutil
import signal
import subprocess
import threading
import time

import pytest

from conftest import ROOT, spartac_cmd

SERVICE = ROOT / "tests" / "serve"


class Server:
    def __init__(self, workdir, *extra):
        self.proc = subprocess.Popen(spartac_cmd("serve", "--port", "0", *extra), cwd=workdir,
                                     stderr=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        self.lines = []
        self.ready = threading.Event()
        self.port = None
        threading.Thread(target=self._read, daemon=True).start()
        if not self.ready.wait(120):
            self.stop()
            pytest.fail("serve did not start:\n" + "".join(self.lines))

    def _read(self):
        for line in self.proc.stderr:
            self.lines.append(line)
            m = re.search(r"on http://127\.0\.0\.1:(\d+)", line)
            if m and self.port is None:
                self.port = int(m.group(1))
                self.ready.set()
        self.ready.set()

    def request(self, method, path, body=None, headers=None, conn=None):
        own = conn is None
        conn = conn or http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        conn.request(method, path, body=body, headers=headers or {})
        r = conn.getresponse()
        data = r.read()
        if own:
            conn.close()
        return r, data

    def wait_for(self, text, timeout=60):
        end = time.time() + timeout
        while time.time() < end:
            if any(text in line for line in self.lines):
                return
            time.sleep(0.1)
        pytest.fail(f"never saw {text!r}:\n" + "".join(self.lines))

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        return self.proc.returncode


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    work = tmp_path_factory.mktemp("serve")
    shutil.copytree(SERVICE, work, dirs_exist_ok=True)
    s = Server(work)
    yield s
    assert s.stop() == 0, "".join(s.lines)


def event_of(data):
    return json.loads(data)


def test_path_parameter_and_literal_precedence(server):
    r, data = server.request("GET", "/items/42")
    assert r.status == 201
    ev = event_of(data)
    assert ev["resource"] == "/items/{id}" and ev["pathParameters"] == {"id": "42"}
    assert ev["httpMethod"] == "GET" and ev["path"] == "/items/42"
    assert ev["requestContext"]["stage"] == "test"
    assert ev["requestContext"]["resourcePath"] == "/items/{id}"
    r, data = server.request("GET", "/items/special")
    assert event_of(data)["resource"] == "/items/special"
    assert event_of(data)["pathParameters"] is None


def test_percent_encoded_parameter_is_decoded(server):
    _, data = server.request("GET", "/items/a%20b")
    assert event_of(data)["pathParameters"] == {"id": "a b"}


def test_greedy_proxy_and_any_method(server):
    r, data = server.request("DELETE", "/files/a/b/c.txt")
    assert r.status == 201
    ev = event_of(data)
    assert ev["resource"] == "/files/{proxy+}"
    assert ev["pathParameters"] == {"proxy": "a/b/c.txt"}
    assert ev["httpMethod"] == "DELETE"


def test_query_strings_single_and_multi_value(server):
    _, data = server.request("GET", "/items/1?tag=a&tag=b&q=hello+world&empty")
    ev = event_of(data)
    assert ev["queryStringParameters"] == {"tag": "b", "q": "hello world", "empty": ""}
    assert ev["multiValueQueryStringParameters"] == {"tag": ["a", "b"], "q": ["hello world"], "empty": [""]}
    _, data = server.request("GET", "/items/1")
    assert event_of(data)["queryStringParameters"] is None


def test_multi_value_headers_both_ways(server):
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
    conn.putrequest("GET", "/items/1")
    conn.putheader("X-Multi", "one")
    conn.putheader("X-Multi", "two")
    conn.endheaders()
    r = conn.getresponse()
    ev = json.loads(r.read())
    conn.close()
    assert ev["headers"]["X-Multi"] == "two"
    assert ev["multiValueHeaders"]["X-Multi"] == ["one", "two"]
    assert r.getheader("X-Echo") == "yes"
    assert r.msg.get_all("Set-Cookie") == ["a=1", "b=2"]


def test_text_body_and_binary_body(server):
    _, data = server.request("POST", "/upload", body=b'{"a":1}', headers={"Content-Type": "application/json"})
    ev = event_of(data)
    assert ev["body"] == '{"a":1}' and ev["isBase64Encoded"] is False
    raw = bytes(range(256))
    _, data = server.request("POST", "/upload", body=raw, headers={"Content-Type": "image/png"})
    ev = event_of(data)
    assert ev["isBase64Encoded"] is True
    assert base64.b64decode(ev["body"]) == raw


def test_base64_response_is_decoded(server):
    r, data = server.request("GET", "/binary")
    assert r.status == 200 and r.getheader("Content-Type") == "image/png"
    assert data == b"\x89PNG\r\n\x1a\n"


def test_unknown_path_is_404_and_other_method_is_405(server):
    r, data = server.request("GET", "/nothing/here")
    assert r.status == 404 and json.loads(data) == {"message": "Not Found"}
    r, _ = server.request("DELETE", "/items/1")
    assert r.status == 405
    assert set(r.getheader("Allow").split(", ")) == {"GET", "POST"}


def test_function_error_is_502(server):
    r, data = server.request("GET", "/fail")
    assert r.status == 502 and json.loads(data) == {"message": "Internal server error"}
    server.wait_for("Function.Broken")


def test_malformed_proxy_response_is_502(server):
    r, _ = server.request("GET", "/bad")
    assert r.status == 502
    server.wait_for("malformed proxy response")


def test_timeout_is_504(server):
    t0 = time.time()
    r, data = server.request("GET", "/slow")
    assert r.status == 504 and json.loads(data) == {"message": "Endpoint request timed out"}
    assert time.time() - t0 < 4  # the function's 1 s timeout, not its 5 s sleep


def test_cors_preflight_and_allow_origin(server):
    r, data = server.request("OPTIONS", "/items/1", headers={
        "Origin": "https://app.example.com", "Access-Control-Request-Method": "POST"})
    # 200 and an empty body, as the deployed OPTIONS MOCK method answers
    assert r.status == 200 and data == b""
    assert r.getheader("Access-Control-Allow-Origin") == "https://app.example.com"
    assert r.getheader("Access-Control-Allow-Headers") == "Content-Type,X-Token"
    assert r.getheader("Access-Control-Max-Age") == "300"
    assert "POST" in r.getheader("Access-Control-Allow-Methods")
    r, _ = server.request("GET", "/items/1", headers={"Origin": "https://app.example.com"})
    assert r.getheader("Access-Control-Allow-Origin") == "https://app.example.com"
    # One listed origin is answered whatever the request's Origin (the MOCK's
    # static value); the browser refuses the mismatch, deployed and locally.
    r, _ = server.request("GET", "/items/1", headers={"Origin": "https://evil.example"})
    assert r.getheader("Access-Control-Allow-Origin") == "https://app.example.com"
    assert r.getheader("Vary") is None


def test_keep_alive_serves_many_requests_on_one_connection(server):
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
    for i in range(50):
        r, data = server.request("GET", f"/items/{i}", conn=conn)
        assert r.status == 201 and event_of(data)["pathParameters"] == {"id": str(i)}
    conn.close()


def bootstrap_pids(server_pid):
    out = subprocess.run(["ps", "-o", "pid=,comm=", "--ppid", str(server_pid)],
                         capture_output=True, text=True).stdout
    return {int(l.split()[0]) for l in out.splitlines() if l.split()[1:] == ["bootstrap"]}


def test_warm_pool_no_process_start_per_request(server):
    for i in range(10):
        server.request("GET", f"/items/{i}")
    before = bootstrap_pids(server.proc.pid)
    assert before, "no warm bootstrap processes"
    for i in range(40):
        r, _ = server.request("GET", f"/items/{i}")
        assert r.status == 201
    after = bootstrap_pids(server.proc.pid)
    # the same processes served all 40 requests: none was started for them
    assert after == before, (before, after)


def test_oversized_body_is_413(server):
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
    conn.putrequest("POST", "/upload")
    conn.putheader("Content-Length", str(7 * 1024 * 1024))
    conn.endheaders()
    r = conn.getresponse()
    assert r.status == 413
    conn.close()


def test_head_has_no_body(server):
    r, data = server.request("HEAD", "/files/x")
    assert r.status == 201 and data == b""


def test_watch_rebuilds_and_swaps(tmp_path):
    shutil.copytree(SERVICE, tmp_path, dirs_exist_ok=True)
    s = Server(tmp_path, "--watch")
    try:
        r, _ = s.request("GET", "/binary")
        assert r.status == 200
        src = tmp_path / "src" / "handlers.c"
        src.write_text(src.read_text().replace('\\"statusCode\\":200', '\\"statusCode\\":203'))
        s.wait_for("rebuilt: serving the new code")
        r, _ = s.request("GET", "/binary")
        assert r.status == 203
        # a broken edit keeps the previous build serving
        src.write_text(src.read_text() + "\nthis is not C\n")
        s.wait_for("rebuild failed")
        r, _ = s.request("GET", "/binary")
        assert r.status == 203
    finally:
        assert s.stop() == 0
