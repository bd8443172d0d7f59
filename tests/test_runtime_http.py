"""The runtime's HTTP/1.1 client, request by request: a scripted server
replays canned Runtime API replies (the shapes Lambda's and other servers
send: chunked bodies, lower-case header names, Connection: close, a 413)
and checks the exact requests the bootstrap makes."""
import json
import os
import socket
import subprocess
import threading

import pytest

from runtimelib import compile_bootstrap


@pytest.fixture(scope="module")
def bootstrap(tmp_path_factory):
    return compile_bootstrap(tmp_path_factory.mktemp("http") / "bootstrap")


class Script:
    """Accepts connections and, for each request, checks it and sends the
    next canned reply. A reply of None closes the connection instead."""

    def __init__(self, replies):
        self.replies = list(replies)
        self.requests = []  # (method, path, headers dict lower-cased, body)
        self.connections = 0
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(4)
        self.sock.settimeout(10)
        self.port = self.sock.getsockname()[1]
        self.error = None
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _read_request(self, f):
        line = f.readline()
        if not line:
            return None
        method, path, _ = line.decode().split(" ", 2)
        headers = {}
        while True:
            h = f.readline().decode()
            if h in ("\r\n", ""):
                break
            k, v = h.split(":", 1)
            headers[k.strip().lower()] = v.strip()
        body = f.read(int(headers.get("content-length", "0")))
        return method, path, headers, body

    def _serve(self):
        try:
            while self.replies:
                conn, _ = self.sock.accept()
                self.connections += 1
                f = conn.makefile("rb")
                while self.replies:
                    req = self._read_request(f)
                    if req is None:
                        break
                    self.requests.append(req)
                    reply = self.replies.pop(0)
                    if reply is None:
                        break
                    conn.sendall(reply)
                    if b"connection: close" in reply.lower():
                        break
                f.close()
                conn.close()
        except Exception as e:  # reported by the test
            self.error = e

    def close(self):
        self.sock.close()


def next_reply(request_id, body, chunked=False, lower=False, close=False):
    hdrs = [("Lambda-Runtime-Aws-Request-Id", request_id),
            ("Lambda-Runtime-Deadline-Ms", "4102444800000"),
            ("Lambda-Runtime-Invoked-Function-Arn", "arn:aws:lambda:us-east-1:1:function:f"),
            ("Lambda-Runtime-Trace-Id", "Root=1-abc;Sampled=0"),
            ("Content-Type", "application/json")]
    if lower:
        hdrs = [(k.lower(), v) for k, v in hdrs]
    if close:
        hdrs.append(("Connection", "close"))
    head = "HTTP/1.1 200 OK\r\n" + "".join(f"{k}: {v}\r\n" for k, v in hdrs)
    if chunked:
        mid = len(body) // 2
        parts = [body[:mid], body[mid:]]
        data = b"".join(b"%x\r\n%s\r\n" % (len(p), p) for p in parts if p) + b"0\r\n\r\n"
        return (head + "Transfer-Encoding: chunked\r\n\r\n").encode() + data
    return (head + f"Content-Length: {len(body)}\r\n\r\n").encode() + body


ACCEPTED = b"HTTP/1.1 202 Accepted\r\nContent-Type: application/json\r\nContent-Length: 16\r\n\r\n" \
           b'{"status":"OK"}\n'
TOO_LARGE = b"HTTP/1.1 413 Request Entity Too Large\r\nContent-Length: 2\r\n\r\n{}"
GONE = b"HTTP/1.1 410 Gone\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"


def run_bootstrap(bootstrap, script, handler="echo"):
    env = {"AWS_LAMBDA_RUNTIME_API": f"127.0.0.1:{script.port}", "_HANDLER": handler}
    p = subprocess.run([str(bootstrap)], env=env, capture_output=True, timeout=30)
    script.thread.join(5)
    script.close()
    assert script.error is None, script.error
    return p


def test_chunked_lowercase_and_keepalive(bootstrap):
    ev1 = '{"text":"caf\u00e9"}'.encode()
    s = Script([next_reply("id-1", ev1, chunked=True, lower=True), ACCEPTED,
                next_reply("id-2", b"[1,2]"), ACCEPTED, GONE])
    p = run_bootstrap(bootstrap, s)
    assert p.returncode == 1  # the runtime stops when next fails
    assert b"HTTP 410" in p.stderr
    methods = [(m, path) for m, path, _, _ in s.requests]
    assert methods == [("GET", "/2018-06-01/runtime/invocation/next"),
                       ("POST", "/2018-06-01/runtime/invocation/id-1/response"),
                       ("GET", "/2018-06-01/runtime/invocation/next"),
                       ("POST", "/2018-06-01/runtime/invocation/id-2/response"),
                       ("GET", "/2018-06-01/runtime/invocation/next")]
    assert s.requests[1][3] == ev1 and s.requests[3][3] == b"[1,2]"
    assert s.requests[1][2]["content-length"] == str(len(ev1))
    assert "lambda-runtime-function-error-type" not in s.requests[1][2]
    assert s.connections == 1  # one kept-alive connection throughout


def test_error_type_header_and_document(bootstrap):
    s = Script([next_reply("e-1", b'{"why":"x"}'), ACCEPTED, GONE])
    run_bootstrap(bootstrap, s, handler="fail")
    m, path, headers, body = s.requests[1]
    assert (m, path) == ("POST", "/2018-06-01/runtime/invocation/e-1/error")
    assert headers["lambda-runtime-function-error-type"] == "Function.Oops"
    assert json.loads(body) == {"errorMessage": "it failed: x", "errorType": "Function.Oops",
                                "stackTrace": []}


def test_413_needs_no_follow_up(bootstrap):
    """After a 413 for the response the runtime asks for the next event: no
    error call for that request id."""
    s = Script([next_reply("big-1", b'{"size":100}'), TOO_LARGE,
                next_reply("ok-2", b'{}'), ACCEPTED, GONE])
    p = run_bootstrap(bootstrap, s, handler="big")
    paths = [path for _, path, _, _ in s.requests]
    assert paths == ["/2018-06-01/runtime/invocation/next",
                     "/2018-06-01/runtime/invocation/big-1/response",
                     "/2018-06-01/runtime/invocation/next",
                     "/2018-06-01/runtime/invocation/ok-2/error",  # size missing: BadRequest
                     "/2018-06-01/runtime/invocation/next"]
    assert b"over Lambda's limit" in p.stderr


def test_reconnects_when_the_server_closes(bootstrap):
    """Connection: close, and a kept-alive connection dropped without a
    reply: the runtime opens a new connection and sends the request again."""
    s = Script([next_reply("c-1", b"{}", close=True), ACCEPTED, None,
                next_reply("c-2", b"{}"), ACCEPTED, GONE])
    run_bootstrap(bootstrap, s)
    paths = [path for _, path, _, _ in s.requests]
    assert paths == ["/2018-06-01/runtime/invocation/next",
                     "/2018-06-01/runtime/invocation/c-1/response",
                     "/2018-06-01/runtime/invocation/next",  # dropped unanswered
                     "/2018-06-01/runtime/invocation/next",  # sent again
                     "/2018-06-01/runtime/invocation/c-2/response",
                     "/2018-06-01/runtime/invocation/next"]
    assert s.connections == 3


def test_unknown_handler_posts_init_error(bootstrap):
    s = Script([ACCEPTED])
    p = run_bootstrap(bootstrap, s, handler="nope")
    assert p.returncode == 1
    m, path, headers, body = s.requests[0]
    assert (m, path) == ("POST", "/2018-06-01/runtime/init/error")
    assert headers["lambda-runtime-function-error-type"] == "Runtime.NoSuchHandler"
    doc = json.loads(body)
    assert doc["errorType"] == "Runtime.NoSuchHandler"
    assert doc["errorMessage"].startswith("handler 'nope' is not in this bootstrap (it has: hello")


def test_address_forms(bootstrap):
    """host:port as Lambda gives it, and http://host:port/prefix as local
    emulators do."""
    s = Script([ACCEPTED])
    env = {"AWS_LAMBDA_RUNTIME_API": f"http://127.0.0.1:{s.port}/.rt/", "_HANDLER": "nope"}
    subprocess.run([str(bootstrap)], env=env, capture_output=True, timeout=30)
    s.thread.join(5)
    s.close()
    assert s.requests[0][1] == "/.rt/2018-06-01/runtime/init/error"
    for bad in ("", "nocolon", "127.0.0.1:", ":9001"):
        p = subprocess.run([str(bootstrap)], env={"AWS_LAMBDA_RUNTIME_API": bad, "_HANDLER": "x"},
                           capture_output=True, timeout=30)
        assert p.returncode == 1 and b"AWS_LAMBDA_RUNTIME_API is not host:port" in p.stderr
    p = subprocess.run([str(bootstrap)], env={}, capture_output=True, timeout=30)
    assert p.returncode == 1 and b"AWS_LAMBDA_RUNTIME_API is not set" in p.stderr
