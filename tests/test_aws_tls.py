"""TLS verification is always on: a loopback HTTPS endpoint with a
certificate nobody trusts is refused, and is accepted once AWS_CA_BUNDLE
names its certificate (extra trust, never less checking)."""
import shutil
import ssl
import subprocess
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from conftest import run
from test_aws_moto import REGION, clean_env

IDENTITY = (b'<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">'
            b"<GetCallerIdentityResult><Arn>arn:aws:iam::210987654321:user/tls</Arn>"
            b"<UserId>AIDATLS</UserId><Account>210987654321</Account></GetCallerIdentityResult>"
            b"<ResponseMetadata><RequestId>tls-1</RequestId></ResponseMetadata>"
            b"</GetCallerIdentityResponse>")


@pytest.fixture
def https_server(tmp_path):
    if shutil.which("openssl") is None:
        pytest.fail("openssl is not installed: run 'sh tools/setup.sh test'")
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
                    "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1",
                    "-keyout", str(key), "-out", str(cert)], check=True, capture_output=True)

    class H(BaseHTTPRequestHandler):
        def log_message(self, *a):
            pass

        def do_POST(self):
            self.rfile.read(int(self.headers.get("Content-Length") or 0))
            self.send_response(200)
            self.send_header("Content-Type", "text/xml")
            self.send_header("Content-Length", str(len(IDENTITY)))
            self.end_headers()
            self.wfile.write(IDENTITY)

    srv = ThreadingHTTPServer(("127.0.0.1", 0), H)
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(cert, key)
    srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    yield f"https://localhost:{srv.server_address[1]}", cert
    srv.shutdown()
    srv.server_close()


def test_untrusted_certificate_is_refused(https_server, tmp_path):
    url, cert = https_server
    env = clean_env(tmp_path, AWS_ACCESS_KEY_ID="AKIAEXAMPLE", AWS_SECRET_ACCESS_KEY="secret",
                    AWS_MAX_ATTEMPTS="1")
    r = run("whoami", "--region", REGION, "--endpoint-url", url, env=env)
    assert r.returncode == 4
    assert "NetworkError" in r.stderr and "certificate" in r.stderr.lower()
    env["AWS_CA_BUNDLE"] = str(cert)
    r = run("whoami", "--region", REGION, "--endpoint-url", url, env=env)
    assert r.returncode == 0, r.stderr
    assert "210987654321" in r.stdout
