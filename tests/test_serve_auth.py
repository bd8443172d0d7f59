"""spartac serve in front of the functions: Lambda authorizers (REST TOKEN
and REQUEST, HTTP API simple responses) and their cache, JWT and Cognito
authorizers against a JWKS file (tokens signed here with `cryptography`),
API keys with a usage plan's throttle, request validation, and HTTP API
payload 2.0 events and responses. Real HTTP against tests/serve_auth/."""
import base64
import json
import shutil
import subprocess
import time

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

from conftest import ROOT, spartac_cmd
from test_serve import Server

SERVICE = ROOT / "tests" / "serve_auth"
ISSUER = "https://issuer.example.com"
POOL_ISSUER = "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_Local"


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def uint(n, size=None):
    return n.to_bytes(size or (n.bit_length() + 7) // 8, "big")


class Keys:
    def __init__(self):
        self.rsa = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.ec = ec.generate_private_key(ec.SECP256R1())
        self.stranger = rsa.generate_private_key(public_exponent=65537, key_size=2048)

    def jwks(self):
        rn = self.rsa.public_key().public_numbers()
        en = self.ec.public_key().public_numbers()
        return {"keys": [
            {"kty": "RSA", "kid": "r1", "alg": "RS256", "use": "sig",
             "n": b64url(uint(rn.n)), "e": b64url(uint(rn.e))},
            {"kty": "EC", "kid": "e1", "crv": "P-256",
             "x": b64url(uint(en.x, 32)), "y": b64url(uint(en.y, 32))},
        ]}

    def token(self, claims, alg="RS256", kid="r1", key=None):
        header = {"alg": alg, "typ": "JWT"}
        if kid:
            header["kid"] = kid
        signing = (b64url(json.dumps(header).encode()) + "." +
                   b64url(json.dumps(claims).encode())).encode()
        if alg == "RS256":
            sig = (key or self.rsa).sign(signing, padding.PKCS1v15(), hashes.SHA256())
        elif alg == "ES256":
            r, s = decode_dss_signature((key or self.ec).sign(signing, ec.ECDSA(hashes.SHA256())))
            sig = uint(r, 32) + uint(s, 32)
        else:
            sig = b""
        return signing.decode() + "." + b64url(sig)


def claims(**over):
    now = int(time.time())
    c = {"iss": ISSUER, "aud": "spartac-test", "sub": "user-1", "iat": now,
         "exp": now + 600}
    c.update(over)
    return c


@pytest.fixture(scope="module")
def keys():
    return Keys()


def start(tmp_path_factory, keys, manifest, *extra):
    work = tmp_path_factory.mktemp(manifest.split(".")[0])
    shutil.copytree(SERVICE, work, dirs_exist_ok=True)
    (work / "jwks.json").write_text(json.dumps(keys.jwks()))
    return Server(work, manifest, "--jwks", "jwks.json", *extra)


@pytest.fixture(scope="module")
def rest(tmp_path_factory, keys):
    s = start(tmp_path_factory, keys, "rest.yaml", "--api-key", "partner=pk-test",
              "--api-key", "metered=pk-metered")
    yield s
    assert s.stop() == 0, "".join(s.lines)


@pytest.fixture(scope="module")
def http(tmp_path_factory, keys):
    s = start(tmp_path_factory, keys, "http.yaml")
    yield s
    assert s.stop() == 0, "".join(s.lines)


def calls(server, text):
    """How many times an authorizer logged text (its stderr is serve's)."""
    time.sleep(0.2)  # the bootstrap's stderr reaches serve's a moment later
    return sum(1 for line in server.lines if line.startswith("AUTHORIZER ") and text in line)


def get(server, path, method="GET", body=None, **headers):
    r, data = server.request(method, path, body=body, headers=headers)
    return r.status, data, r


# ---- REST: Lambda authorizers ----

def test_token_authorizer_allows_and_passes_its_context(rest):
    status, data, _ = get(rest, "/token", Authorization="allow-ctx")
    assert status == 200, data
    authz = json.loads(data)["requestContext"]["authorizer"]
    assert authz["principalId"] == "user-allow"
    # REST hands the context's values to the integration as strings
    assert authz["user"] == "allow-ctx" and authz["level"] == "7" and authz["admin"] == "true"


def test_token_authorizer_denies_and_refuses(rest):
    status, data, _ = get(rest, "/token")
    assert (status, json.loads(data)) == (401, {"message": "Unauthorized"})
    status, data, _ = get(rest, "/token", Authorization="deny-1")
    assert status == 403
    assert json.loads(data) == {
        "Message": "User is not authorized to access this resource with an explicit deny"}
    status, data, _ = get(rest, "/token", Authorization="nobody-1")
    assert (status, json.loads(data)) == (
        403, {"Message": "User is not authorized to access this resource"})
    status, data, _ = get(rest, "/token", Authorization="unauthorized-1")
    assert (status, json.loads(data)) == (401, {"message": "Unauthorized"})


def test_token_decision_is_cached_for_the_ttl(rest):
    for _ in range(5):
        assert get(rest, "/token", Authorization="allow-cache")[0] == 200
    assert calls(rest, "allow-cache") == 1
    # ttl 0: every request runs the authorizer
    for _ in range(3):
        assert get(rest, "/nocache", **{"X-Token": "allow-nocache"})[0] == 200
    assert calls(rest, "allow-nocache") == 3


def test_cached_policy_is_evaluated_against_each_method_arn(rest):
    # one invocation; its policy allows GET methods only (a wildcard ARN)
    assert get(rest, "/token", Authorization="get-only-1")[0] == 200
    assert get(rest, "/token", method="POST", body=b"{}", Authorization="get-only-1")[0] == 403
    assert calls(rest, "get-only-1") == 1


def test_request_authorizer(rest):
    status, data, _ = get(rest, "/request?tenant=t1", **{"X-User": "alice"})
    assert status == 200, data
    ev = json.loads(data)
    assert ev["requestContext"]["authorizer"]["user"] == "alice"
    assert get(rest, "/request?tenant=t1", **{"X-User": "alice"})[0] == 200
    assert calls(rest, "request alice REQUEST") == 1
    assert get(rest, "/request?tenant=t1", **{"X-User": "bob"})[0] == 403
    # an identity source missing: 401 without calling the authorizer
    assert get(rest, "/request", **{"X-User": "carol"})[0] == 401
    assert calls(rest, "carol") == 0


# ---- REST: Cognito, IAM ----

def test_cognito_authorizer_with_jwks(rest, keys):
    tok = keys.token(claims(iss=POOL_ISSUER, aud="client-1", **{"cognito:username": "ann"}))
    status, data, _ = get(rest, "/cognito", Authorization=tok)
    assert status == 200, data
    assert json.loads(data)["requestContext"]["authorizer"]["claims"]["cognito:username"] == "ann"
    other = keys.token(claims(iss="https://cognito-idp.us-east-1.amazonaws.com/other"))
    assert get(rest, "/cognito", Authorization=other)[0] == 401
    assert get(rest, "/cognito")[0] == 401


def test_iam_route_is_not_checked(rest):
    assert get(rest, "/iam")[0] == 200
    # serve's log line reaches the reader thread a moment after the answer
    rest.wait_for("AWS_IAM routes are served without checking", timeout=10)


# ---- REST: API keys and usage plans ----

def test_api_keys_are_printed(rest):
    assert any("api key partner: pk-test" in line for line in rest.lines)
    assert any("api key spare: local-" in line for line in rest.lines)


def test_api_key_missing_invalid_valid_throttled(rest):
    assert (get(rest, "/keyed")[0], json.loads(get(rest, "/keyed")[1])) == (
        403, {"message": "Forbidden"})
    assert get(rest, "/keyed", **{"x-api-key": "wrong"})[0] == 403
    spare = next(line.split("api key spare: ")[1].split()[0]
                 for line in rest.lines if "api key spare: " in line)
    assert get(rest, "/keyed", **{"x-api-key": spare})[0] == 403  # in no usage plan
    time.sleep(3.5)  # a full bucket: burst 3, 1 request/s
    codes = [get(rest, "/keyed", **{"x-api-key": "pk-test"}) for _ in range(6)]
    assert [c[0] for c in codes[:3]] == [200, 200, 200]
    throttled = [c for c in codes if c[0] == 429]
    assert throttled, [c[0] for c in codes]
    assert json.loads(throttled[0][1]) == {"message": "Too Many Requests"}


def test_api_key_quota(rest):
    codes = [get(rest, "/keyed", **{"x-api-key": "pk-metered"}) for _ in range(3)]
    assert [c[0] for c in codes] == [200, 200, 429]
    assert json.loads(codes[2][1]) == {"message": "Limit Exceeded"}


def test_api_key_option_names_a_key(tmp_path):
    shutil.copytree(SERVICE, tmp_path, dirs_exist_ok=True)
    r = subprocess.run(spartac_cmd("serve", "rest.yaml", "--port", "0", "--api-key", "nosuch=x"),
                       cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert r.returncode != 0
    assert "--api-key nosuch=x: api.api_keys has no key of that name" in r.stderr


def test_jwks_that_does_not_load_stops_serve(tmp_path):
    shutil.copytree(SERVICE, tmp_path, dirs_exist_ok=True)
    (tmp_path / "bad.json").write_text('{"keys": [{"kty": "oct", "k": "c2VjcmV0"}]}')
    for path, why in (("missing.json", "No such file"), ("bad.json", "no usable key")):
        r = subprocess.run(spartac_cmd("serve", "http.yaml", "--port", "0", "--jwks", path),
                           cwd=tmp_path, capture_output=True, text=True, timeout=120)
        assert r.returncode != 0
        assert f"--jwks {path}: " in r.stderr and why in r.stderr, r.stderr


# ---- REST: request validation ----

def test_request_model_and_required_params(rest):
    ok = get(rest, "/todos?list=a", method="POST", body=b'{"title": "milk"}',
             **{"Content-Type": "application/json"})
    assert ok[0] == 200, ok[1]
    for body in (b'{"title": 1}', b'{"done": true}', b'{"title": ""}', b"not json"):
        status, data, _ = get(rest, "/todos?list=a", method="POST", body=body,
                              **{"Content-Type": "application/json"})
        assert (status, json.loads(data)) == (400, {"message": "Invalid request body"}), body
    status, data, _ = get(rest, "/todos", method="POST", body=b'{"title": "milk"}',
                          **{"Content-Type": "application/json"})
    assert status == 400
    assert json.loads(data) == {"message": "Missing required request parameters: [list]"}


# ---- HTTP API: payload 2.0 ----

def test_v2_event_shape(http):
    status, data, r = get(http, "/items/42?x=1&x=2&y=3", Cookie="a=1; b=2",
                          **{"X-Thing": "T"})
    assert status == 200, data
    assert r.getheader("Set-Cookie") == "s=1; Path=/"
    ev = json.loads(data)
    assert ev["version"] == "2.0"
    assert ev["routeKey"] == "GET /items/{id}"
    assert ev["rawPath"] == "/items/42"
    assert ev["rawQueryString"] == "x=1&x=2&y=3"
    assert ev["cookies"] == ["a=1", "b=2"]
    assert ev["headers"]["x-thing"] == "T" and "cookie" not in ev["headers"]
    assert ev["queryStringParameters"] == {"x": "1,2", "y": "3"}
    assert ev["pathParameters"] == {"id": "42"}
    http_ctx = ev["requestContext"]["http"]
    assert http_ctx["method"] == "GET" and http_ctx["path"] == "/items/42"
    assert ev["requestContext"]["stage"] == "$default"
    assert ev["isBase64Encoded"] is False and "body" not in ev
    status, data, _ = get(http, "/items/7", method="POST", body=b'{"a":1}')
    assert json.loads(data)["body"] == '{"a":1}'


def test_v2_plain_json_response_and_no_405(http):
    status, data, r = get(http, "/plain")
    assert (status, r.getheader("Content-Type"), json.loads(data)) == (
        200, "application/json", {"hello": "world"})
    status, data, _ = get(http, "/plain", method="DELETE")
    assert (status, json.loads(data)) == (404, {"message": "Not Found"})


# ---- HTTP API: JWT ----

def test_jwt_accepted_rs256_and_es256(http, keys):
    status, data, _ = get(http, "/jwt", Authorization="Bearer " + keys.token(claims()))
    assert status == 200, data
    jwt = json.loads(data)["requestContext"]["authorizer"]["jwt"]
    assert jwt["claims"]["sub"] == "user-1"
    es = keys.token(claims(sub="user-2"), alg="ES256", kid="e1")
    status, data, _ = get(http, "/jwt", Authorization="Bearer " + es)
    assert status == 200, data
    # no kid: every key of the alg's type is tried
    assert get(http, "/jwt", Authorization=keys.token(claims(), kid=None))[0] == 200


@pytest.mark.parametrize("name", ["expired", "not_yet", "audience", "issuer", "signature",
                                  "kid", "none", "garbage"])
def test_jwt_refused(http, keys, name):
    now = int(time.time())
    tok = {
        "expired": lambda: keys.token(claims(exp=now - 600)),
        "not_yet": lambda: keys.token(claims(nbf=now + 600)),
        "audience": lambda: keys.token(claims(aud="someone-else")),
        "issuer": lambda: keys.token(claims(iss="https://evil.example.com")),
        "signature": lambda: keys.token(claims(), key=keys.stranger),
        "kid": lambda: keys.token(claims(), kid="unknown"),
        "none": lambda: keys.token(claims(), alg="none"),
        "garbage": lambda: "not.a.jwt",
    }[name]()
    status, data, r = get(http, "/jwt", Authorization="Bearer " + tok)
    assert (status, json.loads(data)) == (401, {"message": "Unauthorized"})
    assert 'error="invalid_token"' in r.getheader("WWW-Authenticate")


def test_jwt_missing_is_401(http):
    assert get(http, "/jwt")[0] == 401


def test_jwt_scopes(http, keys):
    status, data, r = get(http, "/scoped", Authorization=keys.token(claims(scope="todos/read")))
    assert (status, json.loads(data)) == (403, {"message": "Forbidden"})
    assert 'error="insufficient_scope"' in r.getheader("WWW-Authenticate")
    status, data, _ = get(http, "/scoped", Authorization=keys.token(
        claims(scope="todos/read todos/write")))
    assert status == 200
    jwt = json.loads(data)["requestContext"]["authorizer"]["jwt"]
    assert jwt["scopes"] == ["todos/read", "todos/write"]
    assert get(http, "/scoped", Authorization=keys.token(claims(scp=["todos/write"])))[0] == 200


# ---- HTTP API: Lambda authorizer, simple responses ----

def test_http_lambda_authorizer_simple(http):
    status, data, _ = get(http, "/lambda", **{"X-User": "alice"})
    assert status == 200, data
    ev = json.loads(data)
    assert ev["requestContext"]["authorizer"] == {"lambda": {"user": "alice", "level": 3}}
    assert get(http, "/lambda", **{"X-User": "alice"})[0] == 200
    assert calls(http, "simple alice") == 1
    assert (get(http, "/lambda", **{"X-User": "bob"})[0]) == 403
    assert get(http, "/lambda")[0] == 401
    route_arn = [line for line in http.lines if "AUTHORIZER simple alice" in line][0].split()[-1]
    assert route_arn.startswith("arn:aws:execute-api:") and route_arn.endswith("/$default/GET/lambda")


def test_http_lambda_authorizer_policy(http):
    status, data, _ = get(http, "/policy", **{"X-User": "alice"})
    assert status == 200, data
    assert json.loads(data)["requestContext"]["authorizer"] == {"lambda": {"user": "alice"}}
    status, data, _ = get(http, "/policy", **{"X-User": "bob"})
    assert (status, json.loads(data)) == (403, {"message": "Forbidden"})
    assert calls(http, "request alice REQUEST-2.0") == 1


# ---- the stage throttle ----

def test_stage_throttle(tmp_path_factory, keys):
    s = start(tmp_path_factory, keys, "throttle.yaml")
    try:
        codes = [get(s, "/plain") for _ in range(4)]
        assert [c[0] for c in codes[:2]] == [200, 200]
        assert codes[3][0] == 429 and json.loads(codes[3][1]) == {"message": "Too Many Requests"}
        time.sleep(1.2)
        assert get(s, "/plain")[0] == 200
    finally:
        assert s.stop() == 0, "".join(s.lines)
