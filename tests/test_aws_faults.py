"""Retries: a loopback fault-injecting proxy between the client and moto.

One request in five fails transiently (connection reset, 503, Throttling,
500 InternalError, a response slower than the client's timeout); a sequence
of 200 calls must complete with no error surfaced. A ValidationError is not
retried, and a RequestTimeTooSkewed answer corrects the client's clock."""
import email.utils
import http.client
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from conftest import run
from test_aws_moto import REGION, clean_env, moto_auth, script  # noqa: F401

THROTTLE = (b'<ErrorResponse xmlns="http://cloudformation.amazonaws.com/doc/2010-05-15/">'
            b'<Error><Type>Sender</Type><Code>Throttling</Code><Message>Rate exceeded</Message>'
            b'</Error><RequestId>fault-throttle</RequestId></ErrorResponse>')
UNAVAILABLE = b"<Error><Code>ServiceUnavailable</Code><Message>try again</Message></Error>"
EXPIRED = (b"<ErrorResponse><Error><Type>Sender</Type><Code>ExpiredToken</Code><Message>The security "
           b"token included in the request is expired</Message></Error></ErrorResponse>")
SLOWDOWN = b"<Error><Code>SlowDown</Code><Message>Please reduce your request rate.</Message></Error>"
INTERNAL = b"<Error><Code>InternalError</Code><Message>oops</Message></Error>"
SKEWED = (b"<Error><Code>RequestTimeTooSkewed</Code><Message>The difference between the request "
          b"time and the current time is too large.</Message></Error>")


class FaultProxy:
    """Forwards to moto; every `every`-th request gets the next fault."""

    FAULTS = ["reset", "503", "throttle", "slow", "500"]

    def __init__(self, upstream, every=5, faults=None, slow=4.5, limit=None):
        self.upstream = upstream.split("//", 1)[1]
        self.every = every
        self.faults = list(faults or self.FAULTS)
        self.slow = slow
        self.count = 0
        self.limit = limit  # stop injecting after this many faults
        self.injected = []
        self.seen = []  # (method, path, X-Amz-Date)
        self.lock = threading.Lock()
        outer = self

        class H(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *a):
                pass

            def reply(self, code, body, extra=()):
                # send_response_only: no automatic Date, the skew fault sets its own
                self.send_response_only(code)
                if not any(k == "Date" for k, _ in extra):
                    self.send_header("Date", self.date_time_string())
                self.send_header("Content-Type", "text/xml")
                self.send_header("Content-Length", str(len(body)))
                for k, v in extra:
                    self.send_header(k, v)
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(body)

            def handle_any(self):
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                with outer.lock:
                    outer.count += 1
                    n = outer.count
                    outer.seen.append((self.command, self.path, self.headers.get("X-Amz-Date")))
                    fault = None
                    if (outer.every and n % outer.every == 0 and outer.faults and
                            (outer.limit is None or len(outer.injected) < outer.limit)):
                        fault = outer.faults[(n // outer.every - 1) % len(outer.faults)]
                        outer.injected.append(fault)
                if fault == "reset":
                    self.close_connection = True
                    try:
                        self.connection.shutdown(socket.SHUT_RDWR)
                    except OSError:
                        pass
                    return
                if fault == "503":
                    return self.reply(503, UNAVAILABLE)
                if fault == "500":
                    return self.reply(500, INTERNAL)
                if fault == "throttle":
                    if self.path == "/":  # Query protocol
                        return self.reply(400, THROTTLE)
                    return self.reply(503, SLOWDOWN)  # S3 throttles with 503 SlowDown
                if fault == "expired":
                    return self.reply(400, EXPIRED)
                if fault == "skew":
                    ahead = email.utils.formatdate(time.time() + 3600, usegmt=True)
                    return self.reply(403, SKEWED, [("Date", ahead)])
                if fault == "slow":
                    time.sleep(outer.slow)
                conn = http.client.HTTPConnection(outer.upstream, timeout=30)
                conn.putrequest(self.command, self.path, skip_host=True, skip_accept_encoding=True)
                for k, v in self.headers.items():
                    conn.putheader(k, v)
                conn.endheaders(body)
                resp = conn.getresponse()
                data = resp.read()
                conn.close()
                try:
                    self.send_response(resp.status)
                    for k, v in resp.getheaders():
                        if k.lower() not in ("transfer-encoding", "connection", "content-length"):
                            self.send_header(k, v)
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    if self.command != "HEAD":
                        self.wfile.write(data)
                except OSError:
                    pass  # the client gave up (the slow fault)

            do_GET = do_PUT = do_POST = do_DELETE = do_HEAD = handle_any

            def handle(self):
                try:
                    super().handle()
                except OSError:
                    pass  # a reset we made, or the client gave up

        self.srv = ThreadingHTTPServer(("127.0.0.1", 0), H)
        self.srv.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.srv.server_address[1]}"
        threading.Thread(target=self.srv.serve_forever, daemon=True).start()

    def close(self):
        self.srv.shutdown()
        self.srv.server_close()


def env_for(moto_auth, tmp_path, **extra):
    _, key, secret, _ = moto_auth
    extra.setdefault("SPARTAC_AWS_TIMEOUT", "30")
    return clean_env(tmp_path, AWS_ACCESS_KEY_ID=key, AWS_SECRET_ACCESS_KEY=secret, **extra)


def test_200_calls_through_one_in_five_failures(moto_auth, tmp_path):
    url = moto_auth[0]
    cycle = ["whoami", "describe-stacks\tfault-stack", "head-bucket\tspartac-fault-bucket",
             "put-object\tspartac-fault-bucket\tk/obj\tdata", "list-objects\tspartac-fault-bucket\tk",
             "get-role\texisting-role", "head-object\tspartac-fault-bucket\tk/obj"]
    # moto loads each service on first use, which can take longer than the
    # client's timeout here: warm it up without the proxy
    rows, _ = script(["create-bucket\tspartac-fault-bucket"] + cycle,
                     env_for(moto_auth, tmp_path, SPARTAC_AWS_TIMEOUT="30"),
                     "--region", REGION, "--endpoint-url", url)
    assert all(r[0] == "ok" for r in rows), rows
    proxy = FaultProxy(url)
    try:
        lines = [cycle[i % len(cycle)] for i in range(200)] + ["calls"]
        t0 = time.monotonic()
        # the slow fault answers after 4.5 s, past this 3 s request timeout
        rows, err = script(lines, env_for(moto_auth, tmp_path, SPARTAC_AWS_TIMEOUT="3"),
                           "--region", REGION, "--endpoint-url", proxy.url, timeout=600)
        elapsed = time.monotonic() - t0
    finally:
        proxy.close()
    bad = [(lines[i], r) for i, r in enumerate(rows[:200]) if r[0] != "ok"]
    assert not bad, bad[:5]
    assert len(rows) == 201
    calls, requests = int(rows[200][1]), int(rows[200][2])
    assert calls == 200
    # every fault kind was met and retried; the wire itself resends a request
    # once when a reused connection turns out to be dead (the reset fault),
    # so the proxy may count a few more requests than the client sent
    assert set(proxy.injected) == set(FaultProxy.FAULTS)
    assert len(proxy.injected) >= 200 // 5
    assert proxy.count == 200 + len(proxy.injected)
    assert proxy.count - proxy.injected.count("reset") <= requests <= proxy.count
    print(f"200 calls, {requests} requests, {len(proxy.injected)} faults, {elapsed:.1f} s")


def test_validation_error_is_not_retried(moto_auth, tmp_path):
    proxy = FaultProxy(moto_auth[0], every=0)
    try:
        rows, _ = script(["get-template\tno-such-stack", "calls"], env_for(moto_auth, tmp_path),
                         "--region", REGION, "--endpoint-url", proxy.url)
    finally:
        proxy.close()
    assert rows[0][0] == "err" and rows[0][1] == "ValidationError", rows
    assert proxy.count == 1
    assert rows[1][1:] == ["1", "1"]


def test_attempt_budget_is_honoured(moto_auth, tmp_path):
    # every request throttled: AWS_MAX_ATTEMPTS attempts, then the error
    proxy = FaultProxy(moto_auth[0], every=1, faults=["throttle"])
    try:
        rows, _ = script(["whoami"], env_for(moto_auth, tmp_path, AWS_MAX_ATTEMPTS="4"),
                         "--region", REGION, "--endpoint-url", proxy.url)
    finally:
        proxy.close()
    assert rows[0][:2] == ["err", "Throttling"]
    assert proxy.count == 4


def test_clock_skew_is_corrected_from_the_server_date(moto_auth, tmp_path):
    proxy = FaultProxy(moto_auth[0], every=1, faults=["skew"], limit=1)
    try:
        rows, _ = script(["whoami", "whoami"], env_for(moto_auth, tmp_path),
                         "--region", REGION, "--endpoint-url", proxy.url)
    finally:
        proxy.close()
    assert [r[0] for r in rows] == ["ok", "ok"], rows
    assert len(proxy.seen) == 3
    stamps = [time.mktime(time.strptime(s[2], "%Y%m%dT%H%M%SZ")) for s in proxy.seen]
    # the retry, and every later request, is signed with the server's time
    assert 3500 <= stamps[1] - stamps[0] <= 3700
    assert 3500 <= stamps[2] - stamps[0] <= 3700


def test_spartac_whoami_through_faults(moto_auth, tmp_path):
    proxy = FaultProxy(moto_auth[0], every=1, faults=["reset"], limit=1)
    try:
        r = run("whoami", "--region", REGION, "--endpoint-url", proxy.url, "-l", "debug",
                env=env_for(moto_auth, tmp_path))
    finally:
        proxy.close()
    assert r.returncode == 0, r.stderr
    assert "NetworkError, retrying in" in r.stderr
    assert "GetCallerIdentity POST" in r.stderr and "-> 200, 2 attempts" in r.stderr


def test_expired_token_refreshes_credentials(moto_auth, tmp_path):
    import sys
    _, key, secret, _ = moto_auth
    counter = tmp_path / "count"
    helper = tmp_path / "helper.py"
    helper.write_text(f"""#!{sys.executable}
import json
open({str(counter)!r}, "a").write("x")
print(json.dumps({{"Version": 1, "AccessKeyId": {key!r}, "SecretAccessKey": {secret!r},
                  "Expiration": "2099-01-01T00:00:00Z"}}))
""")
    helper.chmod(0o700)
    (tmp_path / ".aws").mkdir()
    (tmp_path / ".aws" / "config").write_text(f"[default]\ncredential_process = {helper}\n")
    proxy = FaultProxy(moto_auth[0], every=1, faults=["expired"], limit=1)
    try:
        rows, _ = script(["whoami", "whoami"], clean_env(tmp_path), "--region", REGION,
                         "--endpoint-url", proxy.url)
    finally:
        proxy.close()
    assert [r[0] for r in rows] == ["ok", "ok"], rows
    assert counter.read_text() == "xx"  # fetched again after ExpiredToken, then kept
    assert proxy.count == 3
