"""The runtime's API Gateway side, end to end through a real Runtime API
peer (cargo-lambda's server; `spartac invoke` where no environment is
needed): payload 1.0 and 2.0 events read through the same getters, the
response written in the shape of the event that came in (cookies), the CORS
headers the runtime adds from SPARTA_CORS_* (the same ones `spartac serve`
adds, from base/cors.c), and the Lambda authorizer helpers (TOKEN, REQUEST
1.0 and 2.0 events; IAM policy and simple responses).

The event shapes are API Gateway's documented ones."""
import base64
import json

import pytest

import test_runtime_peers
from runtimelib import invoke_outcome

ARN = "arn:aws:execute-api:us-east-1:123456789012:abc123/v1/GET/items/1"


# The same module fixtures as the runtime's other peer tests: a test
# bootstrap, a project naming its functions, cargo-lambda's server.
work, bootstrap, project, cargo = (test_runtime_peers.work, test_runtime_peers.bootstrap,
                                   test_runtime_peers.project, test_runtime_peers.cargo)


def v1_event(headers=None, cookie=None, body=None, b64=False):
    h = dict(headers or {})
    if cookie:
        h["Cookie"] = cookie
    return {"resource": "/items", "path": "/items", "httpMethod": "POST", "headers": h,
            "multiValueHeaders": {k: [v] for k, v in h.items()},
            "queryStringParameters": {"page": "2"},
            "multiValueQueryStringParameters": {"page": ["2"]},
            "pathParameters": None, "stageVariables": None,
            "requestContext": {"resourcePath": "/items", "httpMethod": "POST", "stage": "v1"},
            "body": body, "isBase64Encoded": b64}


def v2_event(headers=None, cookies=None, body=None, b64=False):
    e = {"version": "2.0", "routeKey": "POST /items", "rawPath": "/items",
         "rawQueryString": "page=2", "headers": dict(headers or {}),
         "queryStringParameters": {"page": "2"},
         "requestContext": {"http": {"method": "POST", "path": "/items", "protocol": "HTTP/1.1",
                                     "sourceIp": "127.0.0.1", "userAgent": "t"},
                            "routeKey": "POST /items", "stage": "$default"},
         "body": body, "isBase64Encoded": b64}
    if cookies:
        e["cookies"] = cookies
    return e


def run_web(cargo, bootstrap, event, env=None):
    status, body, log = cargo.run([str(bootstrap)], "web", json.dumps(event).encode(), env=env)
    assert status == 200, (body, log)
    return json.loads(body)


def test_v1_event_and_response(cargo, bootstrap):
    doc = run_web(cargo, bootstrap, v1_event(cookie="a=1; sid=abc", body="aGk=", b64=True))
    assert set(doc) == {"statusCode", "headers", "multiValueHeaders", "body", "isBase64Encoded"}
    assert doc["statusCode"] == 200
    assert doc["headers"] == {"Content-Type": "application/json"}
    assert doc["multiValueHeaders"] == {"Set-Cookie": ["seen=1; Path=/; HttpOnly"]}
    assert json.loads(doc["body"]) == {"version": 1, "method": "POST", "sid": "abc",
                                       "page": "2", "body": "hi"}


def test_v2_event_and_response(cargo, bootstrap):
    doc = run_web(cargo, bootstrap, v2_event(cookies=["a=1", "sid=xyz"], body="{\"k\":1}"))
    assert set(doc) == {"statusCode", "headers", "cookies", "body", "isBase64Encoded"}
    assert doc["cookies"] == ["seen=1; Path=/; HttpOnly"]
    assert json.loads(doc["body"]) == {"version": 2, "method": "POST", "sid": "xyz",
                                       "page": "2", "body": "{\"k\":1}"}


def test_invoke_agrees(bootstrap, project, cargo):
    for event in (v1_event(cookie="sid=q"), v2_event(cookies=["sid=q"])):
        raw = json.dumps(event).encode()
        kind, body = invoke_outcome(project, "web", bootstrap, raw)
        assert kind == "ok"
        assert json.loads(body) == run_web(cargo, bootstrap, event)


CORS_ENV = {"SPARTA_CORS_ORIGINS": "https://a.example,https://b.example",
            "SPARTA_CORS_CREDENTIALS": "true", "SPARTA_CORS_EXPOSE": "X-Request-Id"}


@pytest.mark.parametrize("origin,allowed", [("https://b.example", "https://b.example"),
                                            ("https://evil.example", "https://a.example"),
                                            (None, "https://a.example")])
def test_cors_headers_from_the_environment(cargo, bootstrap, origin, allowed):
    headers = {"Origin": origin} if origin else {}
    doc = run_web(cargo, bootstrap, v1_event(headers=headers), env=CORS_ENV)
    assert doc["headers"] == {"Content-Type": "application/json",
                              "Access-Control-Allow-Origin": allowed, "Vary": "Origin",
                              "Access-Control-Allow-Credentials": "true",
                              "Access-Control-Expose-Headers": "X-Request-Id"}


def test_cors_star_and_none(cargo, bootstrap):
    doc = run_web(cargo, bootstrap, v1_event(headers={"origin": "https://x.example"}),
                  env={"SPARTA_CORS_ORIGINS": "*"})
    assert doc["headers"] == {"Content-Type": "application/json",
                              "Access-Control-Allow-Origin": "*"}
    doc = run_web(cargo, bootstrap, v1_event(headers={"origin": "https://x.example"}))
    assert doc["headers"] == {"Content-Type": "application/json"}


def authz(cargo, bootstrap, event):
    status, body, log = cargo.run([str(bootstrap)], "authz", json.dumps(event).encode())
    return status, json.loads(body)


def policy(effect, resource):
    return {"Version": "2012-10-17",
            "Statement": [{"Action": "execute-api:Invoke", "Effect": effect, "Resource": resource}]}


def test_token_authorizer(cargo, bootstrap):
    any_arn = "arn:aws:execute-api:us-east-1:123456789012:abc123/v1/*"
    for token, effect in (("allow", "Allow"), ("deny", "Deny")):
        status, doc = authz(cargo, bootstrap, {"type": "TOKEN", "authorizationToken": token,
                                               "methodArn": ARN})
        assert status == 200
        assert doc == {"principalId": "user-1", "policyDocument": policy(effect, any_arn)}
    status, doc = authz(cargo, bootstrap, {"type": "TOKEN", "authorizationToken": "x",
                                           "methodArn": ARN})
    assert status == 500 and doc["errorMessage"] == "Unauthorized"


def test_request_authorizer_v1(cargo, bootstrap):
    event = dict(v1_event(headers={"X-Key": "k1"}), type="REQUEST", methodArn=ARN)
    status, doc = authz(cargo, bootstrap, event)
    assert status == 200
    assert doc == {"principalId": "user-1",
                   "policyDocument": policy("Allow", ARN.rsplit("/", 3)[0] + "/*"),
                   "context": {"tenant": "acme"}, "usageIdentifierKey": "k1"}
    event["headers"] = {"X-Key": "nope"}
    event["multiValueHeaders"] = {}
    assert authz(cargo, bootstrap, event)[1]["policyDocument"]["Statement"][0]["Effect"] == "Deny"


def test_request_authorizer_v2_simple(cargo, bootstrap):
    event = dict(v2_event(headers={"x-key": "k1"}), type="REQUEST",
                 routeArn=ARN, identitySource=["k1"])
    assert authz(cargo, bootstrap, event) == (200, {"isAuthorized": True,
                                                     "context": {"tenant": "acme"}})
    event["headers"] = {}
    assert authz(cargo, bootstrap, event)[1]["isAuthorized"] is False


def test_not_an_authorizer_event(cargo, bootstrap):
    status, doc = authz(cargo, bootstrap, {"type": "OTHER"})
    assert status == 500 and doc["errorType"] == "Function.BadRequest"


def test_base64_body_v2(cargo, bootstrap):
    raw = base64.b64encode("d\u00e9j\u00e0".encode()).decode()
    doc = run_web(cargo, bootstrap, v2_event(body=raw, b64=True))
    assert json.loads(doc["body"])["body"] == "d\u00e9j\u00e0"
