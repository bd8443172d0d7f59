"""The bootstrap's HTTPS client (sparta_fetch, <sparta/aws.h>) against a
local `openssl s_server`, with a test CA trusted through the bundle path
(SSL_CERT_FILE in the function's environment, as Lambda's provided.al2023
bundle would be): a certificate of that CA for localhost is accepted; an
untrusted one, one for another host name and an expired one are refused;
plain HTTP goes to loopback only. Also the zip sizes: a bootstrap whose
handlers never fetch carries no TLS code.

The certificates are made with `cryptography` (a dependency of moto), which
can date a certificate in the past, which openssl 3.0's command line cannot.
"""
import datetime
import json
import shutil
import socket
import subprocess
import threading
import time
import zipfile
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from conftest import ROOT, free_port, need, run

HANDLERS = ROOT / "tests" / "aws" / "fetch.c"
NOW = datetime.datetime.now(datetime.timezone.utc)


def _name(cn):
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])


def _cert(subject, key, issuer, issuer_key, *, ca=False, san=None, start=None, end=None):
    b = (x509.CertificateBuilder().subject_name(_name(subject)).issuer_name(_name(issuer))
         .public_key(key.public_key()).serial_number(x509.random_serial_number())
         .not_valid_before(start or NOW - datetime.timedelta(days=1))
         .not_valid_after(end or NOW + datetime.timedelta(days=2))
         .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True))
    if san:
        b = b.add_extension(x509.SubjectAlternativeName([x509.DNSName(san)]), critical=False)
    return b.sign(issuer_key, hashes.SHA256())


def _write(d, name, cert, key=None):
    (d / f"{name}.pem").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    if key is not None:
        (d / f"{name}.key").write_bytes(key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption()))


@pytest.fixture(scope="module")
def pki(tmp_path_factory):
    d = tmp_path_factory.mktemp("pki")
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca = _cert("spartac test CA", ca_key, "spartac test CA", ca_key, ca=True)
    _write(d, "ca", ca)
    for name, san, start, end in [
            ("good", "localhost", None, None),
            ("wrongname", "other.example", None, None),
            ("expired", "localhost", NOW - datetime.timedelta(days=10),
             NOW - datetime.timedelta(days=5))]:
        k = ec.generate_private_key(ec.SECP256R1())
        _write(d, name, _cert(san, k, "spartac test CA", ca_key, san=san, start=start, end=end), k)
    rogue_key = ec.generate_private_key(ec.SECP256R1())
    _write(d, "untrusted", _cert("localhost", rogue_key, "localhost", rogue_key,
                                 san="localhost"), rogue_key)
    return d


@pytest.fixture(scope="module")
def project(tmp_path_factory, pki):
    d = tmp_path_factory.mktemp("fetchproj")
    shutil.copy(HANDLERS, d / "fetch.c")
    (d / "sparta.yaml").write_text(
        "service: fetch-test\nbuild:\n  sources: [fetch.c]\nfunctions:\n"
        f"  fetch: {{symbol: t_fetch, timeout: 20, environment: {{SSL_CERT_FILE: {pki}/ca.pem}}}}\n")
    return d


def s_server(pki, name, port):
    need("openssl")
    p = subprocess.Popen(["openssl", "s_server", "-quiet", "-accept", f"127.0.0.1:{port}",
                          "-cert", str(pki / f"{name}.pem"), "-key", str(pki / f"{name}.key"),
                          "-www"], stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                         stderr=subprocess.PIPE)
    for _ in range(100):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return p
        except OSError:
            time.sleep(0.05)
    p.kill()
    p.wait()
    pytest.fail("openssl s_server did not start")


def fetch(project, event):
    (project / "ev.json").write_text(json.dumps(event))
    return run("invoke", "fetch", "--event", "ev.json", cwd=project, timeout=180)


@pytest.mark.parametrize("cert,ok,why", [
    ("good", True, None),
    ("untrusted", False, "certificate not trusted"),
    ("wrongname", False, "certificate does not name the host"),
    ("expired", False, "certificate expired"),
])
def test_tls_verification(project, pki, cert, ok, why):
    port = free_port()
    srv = s_server(pki, cert, port)
    try:
        r = fetch(project, {"url": f"https://localhost:{port}/"})
    finally:
        srv.kill()
        srv.wait()
    if ok:
        assert r.returncode == 0, r.stderr
        out = json.loads(r.stdout)
        assert out["status"] == 200 and "s_server" in out["body"]
    else:
        assert r.returncode != 0
        assert "Function.Fetch" in r.stdout and why in r.stdout, r.stdout


def test_missing_bundle_is_refused(project, pki, tmp_path):
    port = free_port()
    srv = s_server(pki, "good", port)
    y = project / "sparta.yaml"
    text = y.read_text()
    try:
        y.write_text(text.replace(f"{pki}/ca.pem", str(tmp_path / "none.pem")))
        r = fetch(project, {"url": f"https://localhost:{port}/"})
    finally:
        y.write_text(text)
        srv.kill()
        srv.wait()
    assert r.returncode != 0 and "cannot read the CA bundle" in r.stdout, r.stdout


class _Echo(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *a):
        pass

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        out = json.dumps({"path": self.path, "body": body.decode(),
                          "x": self.headers.get("X-Test")}).encode()
        self.send_response(201)
        self.send_header("X-Served-By", "echo")
        self.send_header("Content-Length", str(len(out)))
        self.end_headers()
        self.wfile.write(out)


def test_plain_http_loopback_only(project):
    srv = ThreadingHTTPServer(("127.0.0.1", 0), _Echo)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    try:
        r = fetch(project, {"url": f"http://127.0.0.1:{srv.server_address[1]}/a?b=c",
                            "method": "POST", "body": "hi"})
    finally:
        srv.shutdown()
        srv.server_close()
    assert r.returncode == 0, r.stdout + r.stderr
    out = json.loads(r.stdout)
    assert out["status"] == 201 and out["server"] == "echo"
    assert json.loads(out["body"]) == {"path": "/a?b=c", "body": "hi", "x": "fetch"}
    for url in ["http://192.0.2.1/", "http://example.com:8080/x", "ftp://localhost/"]:
        r = fetch(project, {"url": url})
        assert r.returncode != 0, url
        assert ("plain HTTP to" in r.stdout and "refused" in r.stdout) or \
            "not an http(s) URL" in r.stdout, r.stdout


def test_zip_sizes(project, tmp_path):
    """The fetching project's zip stays small; one that never fetches
    links no TLS (the linker drops tls.c and BearSSL)."""
    hello = tmp_path / "hello"
    hello.mkdir()
    shutil.copy(HANDLERS, hello / "fetch.c")
    (hello / "sparta.yaml").write_text(
        "service: hello-test\nbuild:\n  sources: [fetch.c]\nfunctions:\n  hello: {symbol: t_hello}\n")
    for d in (hello, project):
        r = run("build", cwd=d, timeout=300)
        assert r.returncode == 0, r.stderr
    hz = (hello / ".spartac" / "code.zip").stat().st_size
    fz = (project / ".spartac" / "code.zip").stat().st_size
    assert hz <= 100 * 1024, hz
    assert fz <= 300 * 1024, fz
    hb = (hello / ".spartac" / "bootstrap").read_bytes()
    assert b"BearSSL" not in hb and b"CA bundle" not in hb
    fb = (project / ".spartac" / "bootstrap").read_bytes()
    assert b"CA bundle" in fb
    print(f"hello zip {hz} bytes, fetch zip {fz} bytes")


def test_full_system_bundle(project, pki, tmp_path):
    """A bundle of a real distribution's size (Debian's ca-certificates,
    as provided.al2023 ships Amazon Linux's) with the test CA appended."""
    system = Path("/etc/ssl/certs/ca-certificates.crt")
    if not system.exists():
        pytest.fail("ca-certificates is not installed: run 'sh tools/setup.sh test'")
    bundle = tmp_path / "bundle.pem"
    bundle.write_bytes(system.read_bytes() + (pki / "ca.pem").read_bytes())
    port = free_port()
    srv = s_server(pki, "good", port)
    y = project / "sparta.yaml"
    text = y.read_text()
    try:
        y.write_text(text.replace(f"{pki}/ca.pem", str(bundle)))
        r = fetch(project, {"url": f"https://localhost:{port}/"})
    finally:
        y.write_text(text)
        srv.kill()
        srv.wait()
    assert r.returncode == 0, r.stdout + r.stderr
    assert json.loads(r.stdout)["status"] == 200
