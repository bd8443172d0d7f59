"""The two ported API examples with authorization, beyond what
test_examples.py checks for every example (validate, build, cfn-lint,
deploy to moto, one invoke):

- deployed to moto: the authorizer and the methods' or routes'
  authorization read back with boto3 (apigateway; apigatewayv2, through
  the ordered moto server's API Gateway models);
- served locally with their auth working, through real HTTP: the SAM
  TOKEN authorizer pattern allows, denies and fails as its original does,
  and passes its context to the function; the HTTP API's JWT authorizer
  (issuer and audience from --parameter values) takes a token signed here
  for the user pool's issuer and the app client, refuses a missing,
  expired, foreign, wrongly addressed or unscoped one, and leaves the
  public route public.
"""
import json
import shutil
import time

import pytest

from conftest import ROOT, moto_server, offline_aws_env, run
from test_serve import Server
from test_serve_auth import Keys

REGION = "us-east-1"
POOL = "us-east-1_Example"
CLIENT = "example-client"
JWT_PARAMS = ["--parameter", f"UserPoolId={POOL}", "--parameter", f"Audience={CLIENT}"]
ISSUER = f"https://cognito-idp.{REGION}.amazonaws.com/{POOL}"


def copy(tmp_path_factory, name):
    d = tmp_path_factory.mktemp(name) / name
    shutil.copytree(ROOT / "examples" / name, d, ignore=shutil.ignore_patterns(".spartac"))
    return d


# ---- deployed to moto ----

@pytest.fixture(scope="module")
def aws(tmp_path_factory):
    import boto3
    with moto_server(tmp_path_factory, "moto-examples-auth", ordered=True) as url:
        env = offline_aws_env(tmp_path_factory.mktemp("home"), REGION)
        kw = dict(endpoint_url=url, region_name=REGION, aws_access_key_id="testing",
                  aws_secret_access_key="testing")
        yield url, env, {s: boto3.client(s, **kw)
                         for s in ("cloudformation", "apigateway", "apigatewayv2", "lambda")}


def deploy(tmp_path_factory, aws, name, *extra):
    url, env, clients = aws
    d = copy(tmp_path_factory, name)
    r = run("deploy", "--endpoint-url", url, *extra, cwd=d, env=env, timeout=300)
    assert r.returncode == 0, r.stderr
    stack = json.loads((d / ".spartac" / "template.json").read_text())
    res = clients["cloudformation"].describe_stack_resources(
        StackName=name_of(d))["StackResources"]
    return stack, {x["LogicalResourceId"]: x.get("PhysicalResourceId") for x in res}


def name_of(d):
    for line in (d / "sparta.yaml").read_text().splitlines():
        if line.startswith("service:"):
            return line.split(":", 1)[1].strip()
    raise AssertionError("no service:")


def test_token_authorizer_deployed(tmp_path_factory, aws):
    _, phys = deploy(tmp_path_factory, aws, "api-token-authorizer")
    api = aws[2]["apigateway"]
    rest = phys["Api"]
    (auth,) = api.get_authorizers(restApiId=rest)["items"]
    assert auth["name"] == "MyLambdaTokenAuthorizer" and auth["type"] == "TOKEN"
    assert auth["identitySource"] == "method.request.header.Authorization"
    assert auth["authorizerResultTtlInSeconds"] == 300
    fn = phys["MyAuthFunctionFunction"]
    assert f"function:{fn}/invocations" in auth["authorizerUri"]
    items = api.get_resources(restApiId=rest, limit=500)["items"]
    paths = {i["path"]: i["id"] for i in items}
    for path in ("/", "/users"):
        m = api.get_method(restApiId=rest, resourceId=paths[path], httpMethod="GET")
        assert m["authorizationType"] == "CUSTOM" and m["authorizerId"] == auth["id"], path


def test_jwt_authorizer_deployed(tmp_path_factory, aws):
    _, phys = deploy(tmp_path_factory, aws, "http-api-jwt", *JWT_PARAMS)
    v2 = aws[2]["apigatewayv2"]
    api_id = phys["Api"]
    assert v2.get_api(ApiId=api_id)["ProtocolType"] == "HTTP"
    # moto's apigatewayv2 has no GetAuthorizers: the one by its ID
    auth = v2.get_authorizer(ApiId=api_id, AuthorizerId=phys["ApiAuthorizerUserAuth"])
    assert auth["AuthorizerType"] == "JWT" and auth["Name"] == "UserAuth"
    assert auth["JwtConfiguration"] == {"Issuer": ISSUER, "Audience": [CLIENT]}
    assert auth["IdentitySource"] == ["$request.header.Authorization"]
    routes = {r["RouteKey"]: r for r in v2.get_routes(ApiId=api_id)["Items"]}
    assert set(routes) == {"GET /", "GET /admin"}
    assert routes["GET /admin"]["AuthorizationType"] == "JWT"
    assert routes["GET /admin"]["AuthorizerId"] == auth["AuthorizerId"]
    assert sorted(routes["GET /admin"]["AuthorizationScopes"]) == ["email", "openid", "profile"]
    assert routes["GET /"].get("AuthorizationType", "NONE") == "NONE"


# ---- served locally ----

@pytest.fixture(scope="module")
def token_api(tmp_path_factory):
    s = Server(copy(tmp_path_factory, "api-token-authorizer"))
    yield s
    assert s.stop() == 0, "".join(s.lines)


def status(server, path, **headers):
    r, data = server.request("GET", path, headers=headers)
    return r.status, data


def test_token_authorizer_served(token_api):
    assert status(token_api, "/users")[0] == 401          # no header: not even asked
    assert status(token_api, "/users", Authorization="deny")[0] == 403
    assert status(token_api, "/users", Authorization="bogus")[0] == 500
    code, data = status(token_api, "/users", Authorization="Allow")
    assert code == 200
    event = json.loads(data)
    assert event["path"] == "/users"
    authz = event["requestContext"]["authorizer"]
    assert authz["principalId"] == "user"
    assert (authz["stringKey"], authz["numberKey"], authz["booleanKey"]) == \
        ("stringval", "123", "true")
    # the cached Allow covers the stage's other route (the port's policy)
    assert status(token_api, "/", Authorization="Allow")[0] == 200


@pytest.fixture(scope="module")
def keys():
    return Keys()


@pytest.fixture(scope="module")
def jwt_api(tmp_path_factory, keys):
    d = copy(tmp_path_factory, "http-api-jwt")
    (d / "jwks.json").write_text(json.dumps(keys.jwks()))
    s = Server(d, "--jwks", "jwks.json", *JWT_PARAMS)
    yield s
    assert s.stop() == 0, "".join(s.lines)


def access_token(keys, **over):
    """A Cognito access token's claims (client_id, not aud), signed."""
    now = int(time.time())
    c = {"iss": ISSUER, "client_id": CLIENT, "sub": "user-1", "token_use": "access",
         "scope": "openid email", "iat": now, "exp": now + 600}
    c.update(over)
    return "Bearer " + keys.token(c)


def test_jwt_authorizer_served(jwt_api, keys):
    code, data = status(jwt_api, "/")
    assert code == 200 and json.loads(data)["rawPath"] == "/"
    assert status(jwt_api, "/admin")[0] == 401
    code, data = status(jwt_api, "/admin", Authorization=access_token(keys))
    assert code == 200, data
    jwt = json.loads(data)["requestContext"]["authorizer"]["jwt"]
    assert jwt["claims"]["sub"] == "user-1" and jwt["claims"]["client_id"] == CLIENT
    assert status(jwt_api, "/admin",
                  Authorization=access_token(keys, exp=int(time.time()) - 60))[0] == 401
    assert status(jwt_api, "/admin",
                  Authorization=access_token(keys, client_id="someone-else"))[0] == 401
    assert status(jwt_api, "/admin",
                  Authorization=access_token(keys, iss="https://elsewhere.example"))[0] == 401
    foreign = "Bearer " + keys.token({"iss": ISSUER, "client_id": CLIENT, "scope": "email",
                                      "exp": int(time.time()) + 600}, key=keys.stranger)
    assert status(jwt_api, "/admin", Authorization=foreign)[0] == 401
    # none of the route's scopes (email, openid, profile): forbidden
    assert status(jwt_api, "/admin", Authorization=access_token(keys, scope="phone"))[0] == 403


def test_jwt_audience_without_a_local_value_refuses(tmp_path_factory, keys):
    """An audience naming a parameter that has no value here is not
    skipped (which would accept any audience): every token is refused."""
    d = copy(tmp_path_factory, "http-api-jwt")
    (d / "jwks.json").write_text(json.dumps(keys.jwks()))
    s = Server(d, "--jwks", "jwks.json", "--parameter", f"UserPoolId={POOL}")
    try:
        assert status(s, "/admin", Authorization=access_token(keys))[0] == 401
        assert status(s, "/")[0] == 200
        s.wait_for("an audience has no local value (parameter Audience")
    finally:
        assert s.stop() == 0, "".join(s.lines)
