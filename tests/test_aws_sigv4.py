"""SigV4 signing oracle: botocore signs generated requests, spartac's signer
must agree byte for byte on the canonical request, the string to sign, the
Authorization header and the headers it adds.

The requests cover methods, paths with spaces, unicode, '//' and dot
segments, repeated and empty query keys, reserved characters, headers with
folded white space, mixed case and duplicates, session tokens, and S3
(S3SigV4Auth) as well as the other services (SigV4Auth)."""
import datetime
import hashlib
import json
import random
import subprocess
from unittest import mock
from urllib.parse import quote

import pytest

from conftest import BUILD

try:
    from botocore.auth import S3SigV4Auth, SigV4Auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials
except ImportError:  # pragma: no cover
    pytest.fail("botocore is not installed: run 'sh tools/setup.sh test'", pytrace=False)

SIGNER = BUILD / "tests" / "test_sigv4"
# The same signer as the bootstrap builds it: src/aws/sigv4.c with BearSSL's
# SHA-256 and HMAC (src/runtime/aws_hash.c) instead of OpenSSL's.
SIGNER_RT = BUILD / "tests" / "test_sigv4_rt"
N = 1500

SEGMENTS = ["a", "b c", "ünïcødé", "..", ".", "", "~user", "key=value", "x+y",
            "100%", "semi;colon", "!$&'()*,", "日本", "a:b@c", "Tab\tx", "dot.", "-_.~"]
QUERY_KEYS = ["a", "b", "A", "a-b", "list-type", "prefix", "", "uploads",
              "continuation-token", "x%20y", "%E2%9C%93", "k~", "Action"]
QUERY_VALUES = ["", "1", "2", "a%2Fb", "%20", "x+y", "%E6%97%A5", "v=w", "-_.~", "ABC"]
HEADERS = ["Content-Type", "X-Amz-Target", "x-custom", "X-CUSTOM", "X-Amz-Meta-Foo",
           "Content-MD5", "User-Agent", "Expect", "Authorization", "X-Amz-Date",
           "X-Amz-Security-Token", "Range", "If-Match", "X-Amz-Checksum-Sha256", "Host"]
VALUES = ["application/x-www-form-urlencoded; charset=utf-8", "  padded  value  ",
          "a\t\tb", "folded\r\n  line", "x", "", "MiXeD CaSe", "a,b", "  ", "\"etag\"",
          "bytes=0-99", "v\x0bw\x0cz", "sep\x1cfs\x1f  end"]
SERVICES = ["s3", "cloudformation", "iam", "sts", "lambda", "execute-api", "s3"]
REGIONS = ["us-east-1", "eu-west-3", "cn-north-1", "us-gov-west-1", "ap-southeast-2"]
HOSTS = ["{svc}.{region}.amazonaws.com", "Bucket.S3.{region}.AmazonAWS.com", "localhost:5000",
         "127.0.0.1:80", "127.0.0.1:443", "[::1]:8080", "[FE80::1]", "EXAMPLE.com:0443"]


def gen_request(rng):
    svc = rng.choice(SERVICES)
    region = rng.choice(REGIONS)
    scheme = rng.choice(["https", "http"])
    host = rng.choice(HOSTS).format(svc=svc, region=region)
    raw = "/".join(rng.choice(SEGMENTS) for _ in range(rng.randint(0, 6)))
    if rng.random() < 0.8:
        raw = "/" + raw
    path = quote(raw, safe=rng.choice(["/~", "/~!$&'()*+,;=:@"]))
    if path and not path.startswith("/"):
        path = "/" + path
    url = f"{scheme}://{host}{path}"
    if rng.random() < 0.7:
        pairs = []
        for _ in range(rng.randint(1, 6)):
            k = rng.choice(QUERY_KEYS)
            r = rng.random()
            pairs.append(k if r < 0.15 else f"{k}={rng.choice(QUERY_VALUES)}")
        url += "?" + "&".join(pairs)
    headers = []
    for _ in range(rng.randint(0, 6)):
        name = rng.choice(HEADERS)
        if svc == "s3" and name.lower() == "x-amz-content-sha256":
            continue
        value = rng.choice(VALUES)
        if name == "Host":
            value = rng.choice(["example.amazonaws.com", "LOCALHOST:5000"])
        headers.append([name, value])
    if svc != "s3" and rng.random() < 0.1:
        headers.append(["X-Amz-Content-SHA256", "UNSIGNED-PAYLOAD"])
    method = rng.choice(["GET", "POST", "PUT", "DELETE", "HEAD", "get"])
    body = b""
    if method in ("POST", "PUT") and rng.random() < 0.8:
        body = bytes(rng.getrandbits(8) for _ in range(rng.randint(0, 64)))
    key = "AKIA" + "".join(rng.choice("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567") for _ in range(16))
    secret = "".join(rng.choice("abcdefghijklmnopqrstuvwxyzABCDEFGHIJ0123456789+/") for _ in range(40))
    token = None
    if rng.random() < 0.3:
        token = "".join(rng.choice("abcdefXYZ0123456789+/=") for _ in range(rng.randint(20, 200)))
    when = rng.randint(946684800, 2145916800)
    return dict(svc=svc, region=region, url=url, headers=headers, method=method,
                body=body, key=key, secret=secret, token=token, when=when)


def capture(cls):
    class Capturing(cls):
        def string_to_sign(self, request, canonical_request):
            self.cr = canonical_request
            self.sts = super().string_to_sign(request, canonical_request)
            return self.sts
    return Capturing


def botocore_sign(r):
    cls = capture(S3SigV4Auth if r["svc"] == "s3" else SigV4Auth)
    auth = cls(Credentials(r["key"], r["secret"], r["token"]), r["svc"], r["region"])
    req = AWSRequest(method=r["method"], url=r["url"], data=r["body"])
    for name, value in r["headers"]:
        req.headers[name] = value  # HTTPMessage appends: duplicates are kept
    payload = auth.payload(req)
    now = datetime.datetime.fromtimestamp(r["when"], datetime.timezone.utc).replace(tzinfo=None)
    with mock.patch("botocore.auth.get_current_datetime", return_value=now):
        auth.add_auth(req)
    return payload, dict(canonical_request=auth.cr, string_to_sign=auth.sts,
                         authorization=req.headers["Authorization"],
                         amz_date=req.headers["X-Amz-Date"],
                         content_sha256=req.headers["X-Amz-Content-SHA256"] if r["svc"] == "s3" else None)


@pytest.mark.parametrize("signer", [SIGNER, SIGNER_RT], ids=["spartac", "runtime"])
def test_botocore_oracle_agrees(signer):
    if not signer.exists():
        pytest.fail(f"{signer} is missing: run 'make unit'")
    rng = random.Random(20261122)
    reqs, expected, lines = [], [], []
    for _ in range(N):
        r = gen_request(rng)
        payload, want = botocore_sign(r)
        reqs.append(r)
        expected.append(want)
        lines.append(json.dumps(dict(method=r["method"], url=r["url"], headers=r["headers"],
                                     payload_hash=payload, service=r["svc"], region=r["region"],
                                     access_key=r["key"], secret_key=r["secret"], token=r["token"],
                                     when=r["when"], s3=r["svc"] == "s3")))
    out = subprocess.run([str(signer), "--oracle"], input="\n".join(lines) + "\n",
                         capture_output=True, text=True, timeout=120, check=True)
    got = [json.loads(x) for x in out.stdout.splitlines()]
    assert len(got) == N
    bad = []
    for r, want, g in zip(reqs, expected, got):
        g.setdefault("content_sha256", None)
        for k in want:
            if want[k] != g.get(k):
                bad.append((r["method"], r["url"], r["headers"], k, want[k], g.get(k)))
                break
    assert not bad, f"{len(bad)} of {N} differ; first: {bad[0]!r}"
    # the generator really covered what the oracle is for
    assert sum(r["svc"] == "s3" for r in reqs) > 200
    assert sum(r["token"] is not None for r in reqs) > 200
    assert sum("/../" in r["url"] or "//" in r["url"].split("://", 1)[1] for r in reqs) > 100
    assert sum("%C3%BC" in r["url"] for r in reqs) > 50


@pytest.mark.parametrize("signer", [SIGNER, SIGNER_RT], ids=["spartac", "runtime"])
def test_s3_signature_vector(signer):
    """botocore and spartac agree on a fixed S3 PutObject with a real payload hash."""
    body = b"hello world\n"
    r = dict(svc="s3", region="us-east-1", url="http://127.0.0.1:9000/bucket/dir/file%20name.txt",
             headers=[["Content-Type", "text/plain"]], method="PUT", body=body,
             key="AKIDEXAMPLE", secret="wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", token=None,
             when=1440938160)
    payload, want = botocore_sign(r)
    assert payload == hashlib.sha256(body).hexdigest()
    line = json.dumps(dict(method="PUT", url=r["url"], headers=r["headers"], payload_hash=payload,
                           service="s3", region="us-east-1", access_key=r["key"], secret_key=r["secret"],
                           token=None, when=r["when"], s3=True))
    out = subprocess.run([str(signer), "--oracle"], input=line + "\n", capture_output=True,
                         text=True, timeout=30, check=True)
    got = json.loads(out.stdout)
    assert got["authorization"] == want["authorization"]
    assert got["content_sha256"] == payload
