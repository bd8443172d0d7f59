"""The client's HTTP/1.1 (src/aws/wire.c) against replies framed every way a
server or proxy may frame them, through `spartac whoami` and the client
driver: a raw socket server answers each request with a scripted reply.

What each case holds:
  chunked (with extensions and a trailer), interim 100, HTTP/1.0 until close
                                   read whole; the call succeeds
  a kept connection the server closed while idle
                                   replaced once, transparently
  Connection: close                the next call opens a new connection
  not HTTP, a head over 64 KiB, a bad Content-Length
                                   refused, not retried, exit 4
  no reply within the timeout      RequestTimeout after the retries
  an https_proxy                   CONNECT to the host, TLS through the tunnel
"""
import socket
import threading

import pytest

from conftest import run
from test_aws_moto import REGION, clean_env, script
from test_aws_tls import IDENTITY, https_server  # noqa: F401


class Scripted:
    """A loopback server: each request gets the next reply of `replies`
    (bytes, or None to say nothing); `close_after` closes the connection
    after that reply."""

    def __init__(self, replies, close_after=False):
        self.replies = list(replies)
        self.close_after = close_after
        self.connections = 0
        self.requests = []
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(8)
        self.port = self.sock.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self.stop = False
        threading.Thread(target=self.serve, daemon=True).start()

    def serve(self):
        while not self.stop:
            try:
                c, _ = self.sock.accept()
            except OSError:
                return
            self.connections += 1
            threading.Thread(target=self.conn, args=(c,), daemon=True).start()

    def read_request(self, c, buf):
        while b"\r\n\r\n" not in buf:
            got = c.recv(65536)
            if not got:
                return None, b""
            buf += got
        head, rest = buf.split(b"\r\n\r\n", 1)
        length = 0
        for line in head.split(b"\r\n")[1:]:
            name, _, value = line.partition(b":")
            if name.strip().lower() == b"content-length":
                length = int(value)
        while len(rest) < length:
            got = c.recv(65536)
            if not got:
                return None, b""
            rest += got
        return head, rest[length:]

    def conn(self, c):
        buf = b""
        with c:
            while True:
                head, buf = self.read_request(c, buf)
                if head is None:
                    return
                self.requests.append(head)
                reply = self.replies.pop(0) if self.replies else None
                if reply is None:
                    threading.Event().wait(30)
                    return
                c.sendall(reply)
                if self.close_after:
                    return

    def close(self):
        self.stop = True
        self.sock.close()


def env_for(tmp_path, **extra):
    return clean_env(tmp_path, **{"AWS_ACCESS_KEY_ID": "AKIAEXAMPLE",
                                  "AWS_SECRET_ACCESS_KEY": "secret",
                                  "AWS_MAX_ATTEMPTS": "1", **extra})


def ok(head=b"", body=IDENTITY):
    return (b"HTTP/1.1 200 OK\r\nContent-Type: text/xml\r\n" + head +
            b"Content-Length: %d\r\n\r\n" % len(body) + body)


def chunked(body):
    parts = [body[:50], body[50:51], body[51:]]
    out = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
    for i, p in enumerate(parts):
        out += b"%x%s\r\n%s\r\n" % (len(p), b";ext=1" if i == 0 else b"", p)
    return out + b"0\r\nX-Trailer: yes\r\n\r\n"


FRAMINGS = {
    "chunked": [chunked(IDENTITY)],
    "interim-100": [b"HTTP/1.1 100 Continue\r\n\r\n" + ok()],
    "http10-until-close": [b"HTTP/1.0 200 OK\r\nContent-Type: text/xml\r\n\r\n" + IDENTITY],
    "folded-case-headers": [ok(b"content-LENGTH-ignored: 1\r\nX-Amzn-RequestId:   r-1  \r\n")],
}


@pytest.mark.parametrize("name", sorted(FRAMINGS))
def test_reply_framings_are_read_whole(tmp_path, name):
    srv = Scripted(FRAMINGS[name], close_after=name.startswith("http10"))
    try:
        r = run("whoami", "--region", REGION, "--endpoint-url", srv.url, env=env_for(tmp_path))
    finally:
        srv.close()
    assert r.returncode == 0, r.stderr
    assert "210987654321" in r.stdout


# (replies, close after each, calls, connections expected)
CONNECTIONS = {
    # the server answers one request per connection without saying so: the
    # second call finds the kept connection closed and opens another
    "idle-closed-by-server": ([ok(), ok()], True, 2, 2),
    "connection-close": ([ok(b"Connection: close\r\n"), ok()], False, 2, 2),
    "kept-alive": ([ok()] * 5, False, 5, 1),
}


@pytest.mark.parametrize("name", sorted(CONNECTIONS))
def test_connections_kept_and_replaced(tmp_path, name):
    replies, close_after, calls, connections = CONNECTIONS[name]
    srv = Scripted(replies, close_after=close_after)
    try:
        rows, _ = script(["whoami"] * calls, env_for(tmp_path), "--region", REGION,
                         "--endpoint-url", srv.url)
    finally:
        srv.close()
    assert [row[0] for row in rows] == ["ok"] * calls, rows
    assert srv.connections == connections and len(srv.requests) == calls


BAD = {
    "not-http": (b"SSH-2.0-OpenSSH\r\n\r\n", "not HTTP"),
    "head-too-big": (b"HTTP/1.1 200 OK\r\n" + b"X-Pad: " + b"a" * 70000 + b"\r\n\r\n",
                     "head is over"),
    "bad-length": (b"HTTP/1.1 200 OK\r\nContent-Length: 12x\r\n\r\n", "bad Content-Length"),
    "bad-chunk": (b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", "bad chunk"),
}


@pytest.mark.parametrize("name", sorted(BAD))
def test_bad_replies_are_refused(tmp_path, name):
    reply, says = BAD[name]
    srv = Scripted([reply, reply, reply])
    try:
        r = run("whoami", "--region", REGION, "--endpoint-url", srv.url,
                env=env_for(tmp_path, AWS_MAX_ATTEMPTS="3"))
    finally:
        srv.close()
    assert r.returncode == 4, r.stderr
    assert says in r.stderr, r.stderr
    assert len(srv.requests) == 1  # a broken server is not asked again


def test_silent_server_times_out(tmp_path):
    srv = Scripted([None, None])
    try:
        r = run("whoami", "--region", REGION, "--endpoint-url", srv.url,
                env=env_for(tmp_path, SPARTAC_AWS_TIMEOUT="1", AWS_MAX_ATTEMPTS="2"),
                timeout=60)
    finally:
        srv.close()
    assert r.returncode == 4, r.stderr
    assert "RequestTimeout" in r.stderr and "timed out after 1000 ms" in r.stderr, r.stderr
    assert len(srv.requests) == 2


class ConnectProxy:
    """An HTTP proxy that only tunnels (CONNECT), and records the targets."""

    def __init__(self):
        self.targets = []
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(4)
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}"
        threading.Thread(target=self.serve, daemon=True).start()

    def serve(self):
        while True:
            try:
                c, _ = self.sock.accept()
            except OSError:
                return
            threading.Thread(target=self.tunnel, args=(c,), daemon=True).start()

    def tunnel(self, c):
        head = b""
        while b"\r\n\r\n" not in head:
            got = c.recv(4096)
            if not got:
                return
            head += got
        verb, target = head.split(b" ")[:2]
        self.targets.append((verb.decode(), target.decode()))
        host, port = target.decode().rsplit(":", 1)
        up = socket.create_connection(("127.0.0.1", int(port)))
        c.sendall(b"HTTP/1.1 200 Connection established\r\n\r\n")

        def pump(a, b):
            try:
                while (data := a.recv(65536)):
                    b.sendall(data)
            except OSError:
                pass
            finally:
                for s in (a, b):
                    try:
                        s.shutdown(socket.SHUT_RDWR)
                    except OSError:
                        pass
        threading.Thread(target=pump, args=(up, c), daemon=True).start()
        pump(c, up)

    def close(self):
        self.sock.close()


def test_https_goes_through_the_proxy_with_connect(https_server, tmp_path):  # noqa: F811
    url, cert = https_server
    proxy = ConnectProxy()
    try:
        r = run("whoami", "--region", REGION, "--endpoint-url", url,
                env=env_for(tmp_path, AWS_CA_BUNDLE=str(cert), https_proxy=proxy.url))
        refused = run("whoami", "--region", REGION, "--endpoint-url", url,
                      env=env_for(tmp_path, https_proxy=proxy.url))
        bypass = run("whoami", "--region", REGION, "--endpoint-url", url,
                     env=env_for(tmp_path, AWS_CA_BUNDLE=str(cert), https_proxy=proxy.url,
                                 no_proxy="example.com,localhost"))
    finally:
        proxy.close()
    assert r.returncode == 0, r.stderr
    assert "210987654321" in r.stdout
    port = url.rsplit(":", 1)[1]
    # the certificate is still checked through the tunnel, then no_proxy
    assert refused.returncode == 4 and "certificate" in refused.stderr.lower()
    assert bypass.returncode == 0, bypass.stderr
    assert proxy.targets == [("CONNECT", f"localhost:{port}")] * 2
