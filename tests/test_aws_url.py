"""One URL parser decides and connects (issue 19, point 3).

Plain http is allowed only to loopback (and, for container credentials, the
ECS/EKS link-local addresses). Each way around that rule is tried end to end
through `spartac whoami`: the URL must be refused with a message naming the
variable, and no request may reach any host. "evil" is a listener on
another loopback port that records every connection; it is also the HTTP
proxy for every host that is not loopback (http_proxy, https_proxy,
all_proxy with no_proxy for loopback), so a request meant for a name such as
evil.test lands there too instead of leaving the machine. "decoy" listens on
the loopback address written before '@' and must hear nothing either.

How each form is decided (tests/unit/test_aws_url.c has the parser's side):
  user information before '@'          refused (InvalidEndpoint / InvalidConfig)
  '#' anywhere (a fragment)            refused
  a backslash anywhere                 refused
  127.1, 0x7f.0.0.1, 2130706433, 0177.0.0.1, 127.0.0.01
                                       refused: a numeric host must be a.b.c.d
  localhost. / 127.0.0.1. (trailing dot) refused
  a percent-encoded host               refused
  white space, control or non-ASCII bytes refused
  127.0.0.1.evil.test, localhost.evil.test  a name, not loopback: refused over http
  [::ffff:127.0.0.1]                   not ::1: refused over http
  HTTP://, LOCALHOST (any case)        read as lower case: accepted on loopback
  an explicit default port (:80)       accepted and dropped from the canonical URL
"""
import json
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from conftest import run
from test_aws_moto import REGION, clean_env, moto_auth  # noqa: F401
from test_aws_tls import IDENTITY

SESSION_TOKEN = "SESSION-TOKEN-MUST-NOT-LEAVE"
CONTAINER_TOKEN = "Bearer container-token-must-not-leave"


class Listener:
    """A TCP port that counts connections, keeps what arrived on each and
    answers 502: the stand-in for a host nothing may reach."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.port = self.sock.getsockname()[1]
        self.connections = 0
        self.received = []
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self):
        while True:
            try:
                c, _ = self.sock.accept()
            except OSError:
                return
            self.connections += 1
            c.settimeout(2)
            data = b""
            try:
                while b"\r\n\r\n" not in data:
                    chunk = c.recv(65536)
                    if not chunk:
                        break
                    data += chunk
                self.received.append(data)
                c.sendall(b"HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
            except OSError:
                self.received.append(data)
            c.close()

    def close(self):
        self.sock.close()


class StubSts:
    """A plain-http STS on loopback that answers GetCallerIdentity and keeps
    the Host header of each request; with creds, also container credentials
    at /v2/credentials/task."""

    def __init__(self):
        self.hosts = []
        self.auth = []
        outer = self

        class H(BaseHTTPRequestHandler):
            def log_message(self, *a):
                pass

            def reply(self, body, ctype):
                self.send_response(200)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_GET(self):
                outer.auth.append(self.headers.get("Authorization"))
                self.reply(json.dumps({"AccessKeyId": "AKIACONTAINER", "SecretAccessKey": "s",
                                       "Token": "t", "Expiration": "2099-01-01T00:00:00Z"}).encode(),
                           "application/json")

            def do_POST(self):
                self.rfile.read(int(self.headers.get("Content-Length") or 0))
                outer.hosts.append(self.headers.get("Host"))
                self.reply(IDENTITY, "text/xml")

        self.srv = ThreadingHTTPServer(("127.0.0.1", 0), H)
        self.port = self.srv.server_address[1]
        threading.Thread(target=self.srv.serve_forever, daemon=True).start()

    def close(self):
        self.srv.shutdown()
        self.srv.server_close()


@pytest.fixture
def peers():
    evil, decoy, sts = Listener(), Listener(), StubSts()
    yield evil, decoy, sts
    evil.close()
    decoy.close()
    sts.close()


def env_for(tmp_path, evil, **extra):
    """Static credentials with a session token, one attempt, and evil as
    the proxy for every host that is not loopback."""
    proxy = f"http://127.0.0.1:{evil.port}"
    loop = "127.0.0.1,localhost,::1"
    return clean_env(tmp_path, AWS_ACCESS_KEY_ID="AKIAEXAMPLE", AWS_SECRET_ACCESS_KEY="secret",
                     AWS_SESSION_TOKEN=SESSION_TOKEN, AWS_MAX_ATTEMPTS="1",
                     SPARTAC_AWS_TIMEOUT="5", AWS_METADATA_SERVICE_TIMEOUT="2",
                     http_proxy=proxy, https_proxy=proxy, HTTPS_PROXY=proxy,
                     all_proxy=proxy, ALL_PROXY=proxy, no_proxy=loop, NO_PROXY=loop, **extra)


def assert_nothing_sent(r, evil, decoy, *secrets):
    assert evil.connections == 0, evil.received
    assert decoy.connections == 0, decoy.received
    for s in secrets:
        assert s not in r.stdout + r.stderr


# (URL template, what the message says); {decoy} and {evil} are ports.
ENDPOINT_REFUSED = [
    # the bypass, and the host after '@' reachable or named
    ("http://127.0.0.1:{decoy}@evil.test", "has user information"),
    ("http://127.0.0.1:{decoy}@127.0.0.1:{evil}", "has user information"),
    ("http://[::1]:{decoy}@evil.test", "has user information"),
    ("http://localhost:{decoy}@evil.test:{evil}", "has user information"),
    ("http://user:secret-pass@127.0.0.1:{decoy}", "has user information"),
    ("http://evil.test#@127.0.0.1:{decoy}", "has a fragment"),
    ("http://evil.test\\@127.0.0.1:{decoy}", "contains a backslash"),
    ("http://127.0.0.1:{evil}\\@127.0.0.1:{decoy}", "contains a backslash"),
    # numbers that libcurl or the resolver would read as 127.0.0.1
    ("http://127.1:{decoy}", "reads as a number"),
    ("http://0x7f.0.0.1:{decoy}", "reads as a number"),
    ("http://0x7f000001:{decoy}", "reads as a number"),
    ("http://2130706433:{decoy}", "reads as a number"),
    ("http://0177.0.0.1:{decoy}", "reads as a number"),
    ("http://127.0.0.01:{decoy}", "reads as a number"),
    ("http://localhost.:{decoy}", "ends with a dot"),
    ("http://127.0.0.1.:{decoy}", "ends with a dot"),
    ("http://%31%32%37.0.0.1:{decoy}", "percent-encoded host"),
    (" http://127.0.0.1:{decoy}", "white space"),
    ("http://127.0.0.1:{decoy}\n", "white space"),
    ("http://[::ffff:127.0.0.1]:{decoy}", "plain http on a non-loopback host"),
    ("http://127.0.0.1:{decoy}/?x=1", "has a query"),
    # names that start like loopback, and other hosts: refused before too
    ("http://127.0.0.1.evil.test:{evil}", "plain http on a non-loopback host"),
    ("http://localhost.evil.test", "plain http on a non-loopback host"),
    ("HTTP://evil.test", "plain http on a non-loopback host"),
    ("http://example.com", "plain http on a non-loopback host"),
    ("http://10.0.0.1:4566", "plain http on a non-loopback host"),
    ("ftp://127.0.0.1:{decoy}", "is not an http:// or https:// URL"),
]


@pytest.mark.parametrize("template,says", ENDPOINT_REFUSED,
                         ids=[t for t, _ in ENDPOINT_REFUSED])
def test_endpoint_bypass_refused(peers, tmp_path, template, says):
    evil, decoy, _ = peers
    url = template.format(decoy=decoy.port, evil=evil.port)
    for var in ("AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_STS"):
        r = run("whoami", "--region", REGION, env=env_for(tmp_path, evil, **{var: url}))
        assert_nothing_sent(r, evil, decoy, SESSION_TOKEN, "secret-pass")
        assert r.returncode == 4, r.stderr
        assert f"{var} " in r.stderr and says in r.stderr, r.stderr
    r = run("whoami", "--region", REGION, "--endpoint-url", url, env=env_for(tmp_path, evil))
    assert_nothing_sent(r, evil, decoy, SESSION_TOKEN, "secret-pass")
    assert r.returncode == 4 and "--endpoint-url " in r.stderr and says in r.stderr, r.stderr


def test_userinfo_message_says_what_to_do(peers, tmp_path):
    evil, decoy, _ = peers
    url = f"http://127.0.0.1:{decoy.port}@evil.test"
    r = run("whoami", "--region", REGION, env=env_for(tmp_path, evil, AWS_ENDPOINT_URL=url))
    assert r.returncode == 4
    assert "InvalidEndpoint: AWS_ENDPOINT_URL has user information" in r.stderr
    assert "remove everything from '//' to '@'" in r.stderr
    assert "evil.test" not in r.stderr


ENDPOINT_ACCEPTED = [
    "http://127.0.0.1:{port}",
    "HTTP://127.0.0.1:{port}/",
    "http://LocalHost:{port}",
    "hTTp://localhost:{port}//",
]


@pytest.mark.parametrize("template", ENDPOINT_ACCEPTED)
def test_loopback_endpoint_accepted(peers, tmp_path, template):
    """Any case of scheme and host works; the Host header sent is the
    canonical one, lower case."""
    evil, decoy, sts = peers
    url = template.format(port=sts.port)
    r = run("whoami", "--region", REGION, env=env_for(tmp_path, evil, AWS_ENDPOINT_URL=url))
    assert r.returncode == 0, r.stderr
    assert "210987654321" in r.stdout
    host = "localhost" if "ocal" in template.lower() else "127.0.0.1"
    assert sts.hosts == [f"{host}:{sts.port}"]
    assert evil.connections == 0 and decoy.connections == 0


def test_signature_matches_canonical_url(moto_auth, tmp_path):
    """moto checks the signature: what is signed (host, path) is what the wire
    sent for a URL written in upper case with the default port."""
    url, key, secret, _ = moto_auth
    port = url.rsplit(":", 1)[1]
    env = clean_env(tmp_path, AWS_ACCESS_KEY_ID=key, AWS_SECRET_ACCESS_KEY=secret,
                    AWS_ENDPOINT_URL=f"HTTP://LOCALHOST:{port}/")
    r = run("whoami", "--format", "json", "--region", REGION, env=env)
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["Arn"].endswith(":user/deployer")


CONTAINER_REFUSED = [
    # the case: the token went to the host after '@'
    ("AWS_CONTAINER_CREDENTIALS_FULL_URI", "http://169.254.170.2:80@127.0.0.1:{evil}/full",
     "has user information"),
    ("AWS_CONTAINER_CREDENTIALS_FULL_URI", "http://169.254.170.2@evil.test/full", "has user information"),
    ("AWS_CONTAINER_CREDENTIALS_FULL_URI", "http://127.0.0.1:{decoy}@evil.test/creds",
     "has user information"),
    ("AWS_CONTAINER_CREDENTIALS_FULL_URI", "http://[fd00:ec2::23]@127.0.0.1:{evil}/",
     "has user information"),
    ("AWS_CONTAINER_CREDENTIALS_FULL_URI", "http://169.254.170.2#@127.0.0.1:{evil}/",
     "has a fragment"),
    ("AWS_CONTAINER_CREDENTIALS_FULL_URI", "http://169.254.170.2\\@127.0.0.1:{evil}/",
     "contains a backslash"),
    ("AWS_CONTAINER_CREDENTIALS_FULL_URI", "http://0xa9.254.170.2/", "reads as a number"),
    ("AWS_CONTAINER_CREDENTIALS_FULL_URI", "http://127.1:{decoy}/", "reads as a number"),
    ("AWS_CONTAINER_CREDENTIALS_FULL_URI", "http://localhost.:{decoy}/", "ends with a dot"),
    ("AWS_CONTAINER_CREDENTIALS_FULL_URI", "http://169.254.170.2.evil.test/creds",
     "must be https or a loopback"),
    ("AWS_CONTAINER_CREDENTIALS_FULL_URI", "HTTP://evil.test:{evil}/creds", "must be https or a loopback"),
    ("AWS_CONTAINER_CREDENTIALS_FULL_URI", "http://192.0.2.1/creds", "must be https or a loopback"),
    # the relative form is appended to http://169.254.170.2: it must be a path
    ("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "@127.0.0.1:{evil}/creds", "must start with '/'"),
    ("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", ":80@127.0.0.1:{evil}/creds", "must start with '/'"),
    ("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", ".evil.test/creds", "must start with '/'"),
    ("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "/v2\\@127.0.0.1:{evil}/", "contains a backslash"),
]


@pytest.mark.parametrize("var,template,says", CONTAINER_REFUSED,
                         ids=[f"{v[-12:]}:{t}" for v, t, _ in CONTAINER_REFUSED])
def test_container_bypass_refused(peers, tmp_path, var, template, says):
    evil, decoy, sts = peers
    url = template.format(decoy=decoy.port, evil=evil.port)
    env = env_for(tmp_path, evil, AWS_ENDPOINT_URL=f"http://127.0.0.1:{sts.port}",
                  AWS_CONTAINER_AUTHORIZATION_TOKEN=CONTAINER_TOKEN, **{var: url})
    for k in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"):
        del env[k]
    r = run("whoami", "--region", REGION, env=env)
    assert_nothing_sent(r, evil, decoy, CONTAINER_TOKEN)
    assert sts.auth == [] and sts.hosts == []
    assert r.returncode == 4, r.stderr
    assert f"{var} " in r.stderr and says in r.stderr, r.stderr


def test_container_loopback_accepted(peers, tmp_path):
    """Upper case and the default port are read as the SDKs read them; the
    source names the canonical URL the token went to."""
    evil, decoy, sts = peers
    env = env_for(tmp_path, evil, AWS_ENDPOINT_URL=f"http://127.0.0.1:{sts.port}",
                  AWS_CONTAINER_AUTHORIZATION_TOKEN=CONTAINER_TOKEN,
                  AWS_CONTAINER_CREDENTIALS_FULL_URI=f"HTTP://LOCALHOST:{sts.port}/v2/credentials/task")
    for k in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"):
        del env[k]
    r = run("whoami", "--format", "json", "--region", REGION, env=env)
    assert r.returncode == 0, r.stderr
    src = json.loads(r.stdout)["CredentialSource"]
    assert src == f"container credentials (http://localhost:{sts.port}/v2/credentials/task)"
    assert sts.auth == [CONTAINER_TOKEN]
    assert evil.connections == 0 and decoy.connections == 0


@pytest.mark.parametrize("template,says", [
    ("http://127.0.0.1:{decoy}@127.0.0.1:{evil}", "has user information"),
    ("http://127.0.0.1:{evil}\\@127.0.0.1:{decoy}", "contains a backslash"),
    ("http://127.1:{decoy}", "reads as a number"),
    ("http://127.0.0.1:{decoy}/?x", "has a query"),
])
def test_instance_metadata_endpoint_parsed(peers, tmp_path, template, says):
    """The IMDS endpoint goes through the same parser (any host is allowed
    there, as in the SDKs: only the session token that host handed out is
    sent back to it)."""
    evil, decoy, sts = peers
    url = template.format(decoy=decoy.port, evil=evil.port)
    env = env_for(tmp_path, evil, AWS_ENDPOINT_URL=f"http://127.0.0.1:{sts.port}",
                  AWS_EC2_METADATA_SERVICE_ENDPOINT=url)
    for k in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN",
              "AWS_EC2_METADATA_DISABLED"):
        del env[k]
    r = run("whoami", "--region", REGION, env=env)
    assert_nothing_sent(r, evil, decoy)
    assert r.returncode == 4, r.stderr
    assert "AWS_EC2_METADATA_SERVICE_ENDPOINT " in r.stderr and says in r.stderr, r.stderr
