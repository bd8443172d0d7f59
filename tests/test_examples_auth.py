"""The two ported API examples with authorization, beyond what
test_examples.py checks for every example (validate, build, cfn-lint,
deploy to moto, one invoke): deployed to moto, the authorizer and the
methods' or routes' authorization read back with boto3 (apigateway;
apigatewayv2, through the ordered moto server's API Gateway models).
"""
import json
import shutil

import pytest

from conftest import ROOT, moto_server, offline_aws_env, run

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
