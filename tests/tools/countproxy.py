"""A counting reverse proxy in front of moto server, for tests and benches.

Every request is forwarded unchanged (same method, path, headers and body)
to the upstream URL and its answer returned unchanged; the proxy only
records which API operation each request was, so a test can say "this
deploy made exactly one API call" from the server's side of the wire,
whatever the client claims. Its own endpoints:

  GET  /__count   {"requests": N, "calls": [[method, path, operation], ...]}
  POST /__reset   forget the calls so far

Faults (tests set .fault to a function of (method, path, operation) that
returns None, or one of; .last_body is the body of the request it is
asked about):

  ("reset",)           close the connection before forwarding (not applied)
  ("status", N, body)  answer N with body before forwarding (not applied)
  ("delay", s)         wait s seconds, then forward
  ("after-reset",)     forward (the server applies it), then close unanswered
  ("after-delay", s)   forward, then hold the answer s seconds
  ("drop", s)          hold the request s seconds, then close unanswered
                       (never forwarded)

CloudFormation's idempotency tokens, which moto ignores: when a request
with a ClientToken (CreateChangeSet) or ClientRequestToken (ExecuteChangeSet,
DeleteStack...) was applied but its 2xx answer never reached the client
(after-reset, or after-delay past the client's patience), the client's
retry with the same token (its very next request) gets that answer instead
of being applied again,
as CloudFormation answers a retry. (moto would otherwise make a second stack
of the same name for a retried CREATE change set.)

.inflight counts the requests being handled (a test waits for 0 before it
looks at the server, so that no delayed request lands later).

Run as a script: countproxy.py UPSTREAM_URL prints "PORT" on stdout once
it listens on 127.0.0.1.
"""
import http.client
import json
import socket
import sys
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

HOP = {"connection", "keep-alive", "transfer-encoding", "te", "trailer",
       "upgrade", "proxy-connection", "content-length"}


def idempotency_token(headers, body):
    """The CloudFormation idempotency token of a Query request, or None."""
    if not body or not headers.get("Content-Type", "").startswith(
            "application/x-www-form-urlencoded"):
        return None
    q = urllib.parse.parse_qs(body.decode("utf-8", "replace"))
    for name in ("ClientToken", "ClientRequestToken"):
        if name in q:
            return q[name][0]
    return None


def operation(method, path, headers, body):
    """The API operation of a request: Action= for the Query protocol,
    X-Amz-Target for JSON, else METHOD + path for REST (S3, Lambda...)."""
    target = headers.get("X-Amz-Target")
    if target:
        return target.split(".")[-1]
    if body and headers.get("Content-Type", "").startswith("application/x-www-form-urlencoded"):
        q = urllib.parse.parse_qs(body.decode("utf-8", "replace"))
        if "Action" in q:
            return q["Action"][0]
    query = urllib.parse.urlsplit(path).query
    q = urllib.parse.parse_qs(query)
    if "Action" in q:
        return q["Action"][0]
    return f"{method} {urllib.parse.urlsplit(path).path}"


class Proxy(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, upstream):
        super().__init__(("127.0.0.1", 0), Handler)
        u = urllib.parse.urlsplit(upstream)
        self.up_host, self.up_port = u.hostname, u.port or 80
        self.lock = threading.Lock()
        self.calls = []
        self.fault = None  # see the module's docstring
        self.last_body = b""
        self.inflight = 0
        self.lost = {}  # (operation, token) -> (status, headers, body) never delivered

    def snapshot(self):
        with self.lock:
            return list(self.calls)

    def reset(self):
        with self.lock:
            self.calls.clear()


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def _body(self):
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            out = b""
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    return out
                out += self.rfile.read(size)
                self.rfile.readline()
        n = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(n) if n else b""

    def _reply(self, status, headers, body):
        self.send_response(status)
        for k, v in headers:
            if k.lower() not in HOP:
                self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _any(self):
        srv = self.server
        with srv.lock:
            srv.inflight += 1
        try:
            self._handle_one()
        finally:
            with srv.lock:
                srv.inflight -= 1

    def _handle_one(self):
        body = self._body()
        srv = self.server
        if self.path == "/__count":
            calls = srv.snapshot()
            out = json.dumps({"requests": len(calls), "calls": calls}).encode()
            return self._reply(200, [("Content-Type", "application/json")], out)
        if self.path == "/__reset":
            srv.reset()
            return self._reply(200, [], b"")
        op = operation(self.command, self.path, self.headers, body)
        with srv.lock:
            srv.calls.append([self.command, self.path, op])
            srv.last_body = body  # a fault may look at the request's body
        fault = srv.fault(self.command, self.path, op) if srv.fault else None
        kind = fault[0] if fault else None
        if kind == "reset":
            return self._cut()
        if kind == "drop":
            time.sleep(fault[1])
            return self._cut()
        if kind == "status":
            return self._reply(fault[1], [("Content-Type", "application/xml")], fault[2])
        if kind == "delay":
            time.sleep(fault[1])
        token = idempotency_token(self.headers, body)
        with srv.lock:
            # only the very next request, the client's retry, may get it
            earlier = srv.lost.pop((op, token), None) if token else None
            srv.lost.clear()
        if earlier is not None:
            return self._reply(*earlier)
        conn = http.client.HTTPConnection(srv.up_host, srv.up_port, timeout=120)
        headers = {k: v for k, v in self.headers.items() if k.lower() not in HOP}
        if body or self.command in ("POST", "PUT"):
            headers["Content-Length"] = str(len(body))
        conn.request(self.command, self.path, body=body, headers=headers)
        r = conn.getresponse()
        data = r.read()
        conn.close()
        answer = (r.status, r.getheaders(), data)
        lost = token and 200 <= r.status < 300
        if kind == "after-reset":
            if lost:
                with srv.lock:
                    srv.lost[(op, token)] = answer
            return self._cut()
        if kind == "after-delay":
            time.sleep(fault[1])
        try:
            self._reply(*answer)
        except OSError:
            if lost:  # the client gave up waiting: it will ask again
                with srv.lock:
                    srv.lost[(op, token)] = answer

    def _cut(self):
        self.close_connection = True
        try:
            self.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass

    def handle(self):
        try:
            super().handle()
        except OSError:
            pass  # a connection we cut, or a client that went away

    do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = do_PATCH = _any


def start_moto(root, log_path):
    """The benches' moto: tests/tools/moto_server_ordered.py on a free
    loopback port, up within 30 s, behind a counting proxy. Returns (the
    moto process, the proxy); the caller terminates the process."""
    import subprocess
    import urllib.request
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with open(log_path, "w") as log:  # the child keeps its own copy
        moto = subprocess.Popen([sys.executable,
                                 str(root / "tests/tools/moto_server_ordered.py"),
                                 "-H", "127.0.0.1", "-p", str(port)], stdout=log,
                                stderr=subprocess.STDOUT)
    for _ in range(300):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/moto-api/", timeout=1).read()
            break
        except OSError:
            time.sleep(0.1)
    return moto, start(f"http://127.0.0.1:{port}")


def start(upstream):
    """Starts a proxy in a thread; returns it (its port: .server_address[1])."""
    p = Proxy(upstream)
    threading.Thread(target=p.serve_forever, daemon=True).start()
    return p


if __name__ == "__main__":
    proxy = Proxy(sys.argv[1])
    print(proxy.server_address[1], flush=True)
    proxy.serve_forever()
