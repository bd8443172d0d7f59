"""The API features of issue 15 deployed with `spartac deploy` to moto
server, read back with boto3 and compared with the manifests.

The REST case is tests/manifests/valid/api-rest-auth.yaml (Lambda TOKEN and
REQUEST authorizers, a Cognito authorizer, an IAM route, API keys and
usage plans, stage throttling and access logs, a request model with a
validator, a custom domain and its base-path mapping); the HTTP case is
valid/api-http.yaml (JWT and REQUEST authorizers, routes, payload 2.0
integrations, native CORS, the $default stage, a domain and its mapping).
Each is built and deployed from a scratch project whose C file defines
every handler symbol.

moto gaps, each checked where it shows:
- moto 5's CloudFormation has no model for AWS::ApiGateway::Stage,
  Authorizer, ApiKey, UsagePlan(Key), Model, RequestValidator, DomainName,
  BasePathMapping or any AWS::ApiGatewayV2 type, and its Method model drops
  AuthorizerId, AuthorizationScopes, RequestModels, RequestParameters and
  RequestValidatorId: tests/tools/moto_cfn_api.py (loaded by the ordered
  server) passes those properties to moto's own backends, so what is read
  back here is moto's API Gateway state.
- moto's v1 stage takes MethodSettings and AccessLogSetting only as
  UpdateStage patch operations, which the model sends.
- moto's apigatewayv2 has no GetAuthorizers (NotImplementedError): the
  HTTP API's authorizers are read one by one with GetAuthorizer.
- moto does not check IdentitySource syntax, JWT issuers or certificate
  ARNs; cfn-lint (tests/test_cfn_lint.py) checks the template's shapes.
"""
import json
import os

import pytest

import manifestlib
from conftest import ROOT, moto_server, offline_aws_env, run

REGION = "us-east-1"
VALID = ROOT / "tests" / "manifests" / "valid"

HANDLER = """\
#include <sparta/lambda.h>

int
%s(const char *event, size_t len, struct sparta_context *ctx,
    struct sparta_response *res)
{
	(void)event; (void)len; (void)ctx;
	sparta_write_object_begin(res);
	sparta_write_object_end(res);
	return 0;
}
"""


def project_of(tmp_path_factory, case):
    """A scratch project for a valid case: its manifest and a C file
    defining every function's symbol."""
    d = tmp_path_factory.mktemp(case)
    text = (VALID / (case + ".yaml")).read_text()
    (d / "sparta.yaml").write_text(text)
    m = manifestlib.load_manifest(VALID / (case + ".yaml"))
    (d / "src").mkdir()
    (d / "src" / "handlers.c").write_text(
        "\n".join(HANDLER % f["symbol"] for f in m["functions"].values()))
    return d, m


@pytest.fixture(scope="module")
def deployed(tmp_path_factory):
    import boto3
    with moto_server(tmp_path_factory, "moto-api", ordered=True) as url:
        port = url.rsplit(":", 1)[1]
        home = tmp_path_factory.mktemp("home")
        env = offline_aws_env(home, REGION)
        out = {}
        for case in ("api-rest-auth", "api-http"):
            d, m = project_of(tmp_path_factory, case)
            r = run("deploy", "--yes", "--endpoint-url", f"http://localhost:{port}",
                    cwd=d, env=env, timeout=600)
            assert r.returncode == 0, r.stdout + r.stderr
            assert f"{m['service']}: CREATE_COMPLETE" in r.stdout, r.stdout
            template = json.loads((d / ".spartac" / "template.json").read_text())
            out[case] = (m, template)
        kw = dict(endpoint_url=url, region_name=REGION, aws_access_key_id="testing",
                  aws_secret_access_key="testing")
        clients = {s: boto3.client(s, **kw) for s in
                   ("cloudformation", "apigateway", "apigatewayv2", "lambda")}
        yield out, clients


def resources(c, stack):
    res = c["cloudformation"].describe_stack_resources(StackName=stack)["StackResources"]
    return {r["LogicalResourceId"]: r.get("PhysicalResourceId") for r in res}


# ---- REST API ----

@pytest.fixture(scope="module")
def rest(deployed):
    out, c = deployed
    m, template = out["api-rest-auth"]
    res = resources(c, m["service"])
    return m, template, res, c, res["Api"]


def test_rest_authorizers(rest):
    m, template, res, c, api = rest
    got = {a["name"]: a for a in c["apigateway"].get_authorizers(restApiId=api)["items"]}
    assert set(got) == set(m["api"]["authorizers"])
    bearer, partner, pool = got["Bearer"], got["Partner"], got["Pool"]
    assert bearer["type"] == "TOKEN"
    assert bearer["identitySource"] == "method.request.header.Authorization"
    assert bearer["authorizerResultTtlInSeconds"] == 300
    fn_arn = c["lambda"].get_function(FunctionName=res["AuthorizeTokenFunction"])[
        "Configuration"]["FunctionArn"]
    assert bearer["authorizerUri"].endswith(f"/functions/{fn_arn}/invocations")
    assert partner["type"] == "REQUEST"
    assert partner["identitySource"] == ("method.request.header.X-Partner, "
                                         "method.request.querystring.tenant, context.sourceIp")
    assert partner["authorizerResultTtlInSeconds"] == 60
    assert pool["type"] == "COGNITO_USER_POOLS"
    assert len(pool["providerARNs"]) == 1 and ":userpool/" in pool["providerARNs"][0]
    assert res["ApiAuthorizerBearer"] == bearer["id"]


def test_rest_authorizer_permissions_are_scoped_to_the_authorizer(rest):
    m, template, res, c, api = rest
    policy = json.loads(c["lambda"].get_policy(
        FunctionName=res["AuthorizeTokenFunction"])["Policy"])
    arns = [s["Condition"]["ArnLike"]["AWS:SourceArn"] for s in policy["Statement"]]
    assert arns == [f"arn:aws:execute-api:{REGION}:123456789012:{api}/authorizers/"
                    f"{res['ApiAuthorizerBearer']}"]
    assert [s["Principal"]["Service"] for s in policy["Statement"]] == \
        ["apigateway.amazonaws.com"]


def method(c, api, path, verb):
    items = c["apigateway"].get_resources(restApiId=api, limit=500)["items"]
    rid = next(i["id"] for i in items if i["path"] == path)
    return c["apigateway"].get_method(restApiId=api, resourceId=rid, httpMethod=verb)


def test_rest_methods_authorization(rest):
    m, template, res, c, api = rest
    auths = {a["name"]: a["id"] for a in c["apigateway"].get_authorizers(restApiId=api)["items"]}
    lst = method(c, api, "/orders", "GET")        # api.auth: Bearer
    assert lst["authorizationType"] == "CUSTOM" and lst["authorizerId"] == auths["Bearer"]
    create = method(c, api, "/orders", "POST")    # auth: Pool, scopes
    assert create["authorizationType"] == "COGNITO_USER_POOLS"
    assert create["authorizerId"] == auths["Pool"]
    assert create["authorizationScopes"] == ["orders/write"]
    partner = method(c, api, "/partner/orders", "POST")
    assert partner["authorizationType"] == "CUSTOM" and partner["authorizerId"] == auths["Partner"]
    admin = method(c, api, "/orders/{id}", "DELETE")   # authorization: AWS_IAM
    assert admin["authorizationType"] == "AWS_IAM" and not admin.get("authorizerId")
    hook = method(c, api, "/webhook", "POST")          # auth: none
    assert hook["authorizationType"] == "NONE" and not hook.get("authorizerId")
    # the preflight never asks for credentials
    pre = method(c, api, "/orders", "OPTIONS")
    assert pre["authorizationType"] == "NONE" and not pre.get("apiKeyRequired")
    # cors: false on /webhook: no preflight there
    items = c["apigateway"].get_resources(restApiId=api, limit=500)["items"]
    hook_res = next(i for i in items if i["path"] == "/webhook")
    assert set(hook_res["resourceMethods"]) == {"POST"}


def test_rest_api_key_required_and_request_validation(rest):
    m, template, res, c, api = rest
    get = method(c, api, "/orders/{id}", "GET")
    assert get["apiKeyRequired"] is True
    assert method(c, api, "/orders", "GET").get("apiKeyRequired") in (False, None)
    create = method(c, api, "/orders", "POST")
    assert create["requestModels"] == {"application/json": "NewOrder"}
    assert create["requestParameters"] == {"method.request.header.X-Idempotency-Key": True}
    validators = {v["id"]: v for v in
                  c["apigateway"].get_request_validators(restApiId=api)["items"]}
    v = validators[create["requestValidatorId"]]
    assert (v["validateRequestBody"], v["validateRequestParameters"]) == (True, True)
    model = c["apigateway"].get_model(restApiId=api, modelName="NewOrder")
    assert model["contentType"] == "application/json"
    assert json.loads(model["schema"]) == m["api"]["models"]["NewOrder"]


def test_rest_api_keys_and_usage_plans(rest):
    m, template, res, c, api = rest
    stack = m["service"]
    keys = {k["name"]: k for k in c["apigateway"].get_api_keys(includeValues=True)["items"]
            if k["name"].startswith(stack + "-")}
    assert set(keys) == {f"{stack}-{k}" for k in m["api"]["api_keys"]}
    assert all(k["enabled"] and len(k["value"]) >= 20 for k in keys.values())
    plans = {p["name"]: p for p in c["apigateway"].get_usage_plans()["items"]}
    for name, want in m["api"]["usage_plans"].items():
        p = plans[f"{stack}-{name}"]
        assert p["apiStages"] == [{"apiId": api, "stage": m["api"].get("stage", "v1")}]
        assert float(p["throttle"]["rateLimit"]) == float(want["throttle"]["rate"])
        assert int(p["throttle"]["burstLimit"]) == want["throttle"]["burst"]
        assert int(p["quota"]["limit"]) == want["quota"]["limit"]
        assert p["quota"]["period"] == want["quota"]["period"]
        got = {k["name"] for k in c["apigateway"].get_usage_plan_keys(usagePlanId=p["id"])["items"]}
        assert got == {f"{stack}-{k}" for k in want["keys"]}
        if "description" in want:
            assert p["description"] == want["description"]


def test_rest_stage_throttling_and_access_log(rest):
    m, template, res, c, api = rest
    stage = c["apigateway"].get_stage(restApiId=api, stageName="v1")
    ms = stage["methodSettings"]["*/*"]
    assert ms["throttlingRateLimit"] == float(m["api"]["throttle"]["rate"])
    assert ms["throttlingBurstLimit"] == m["api"]["throttle"]["burst"]
    log = stage["accessLogSettings"]
    assert log["destinationArn"].startswith(f"arn:aws:logs:{REGION}:123456789012:log-group:")
    assert "$context.requestId" in log["format"] and "$context.status" in log["format"]


def test_rest_domain_and_base_path_mapping(rest):
    m, template, res, c, api = rest
    d = m["api"]["domain"]
    dom = c["apigateway"].get_domain_name(domainName=d["name"])
    assert dom["domainName"] == d["name"]
    assert dom["endpointConfiguration"]["types"] == ["EDGE"]
    assert dom["certificateArn"].startswith("arn:aws:acm:")
    maps = c["apigateway"].get_base_path_mappings(domainName=d["name"])["items"]
    assert maps == [{"basePath": d["base_path"], "restApiId": api, "stage": "v1"}]


# ---- HTTP API ----

@pytest.fixture(scope="module")
def http(deployed):
    out, c = deployed
    m, template = out["api-http"]
    res = resources(c, m["service"])
    return m, template, res, c, res["Api"]


def test_http_api_and_cors(http):
    m, template, res, c, api = http
    a = c["apigatewayv2"].get_api(ApiId=api)
    assert a["ProtocolType"] == "HTTP" and a["Name"] == m["service"]
    cors = a["CorsConfiguration"]
    assert cors["AllowCredentials"] is True
    assert cors["AllowOrigins"][0] == "https://notes.example.com"
    assert len(cors["AllowOrigins"]) == 2          # the site URL, from GetAtt
    assert cors["ExposeHeaders"] == ["X-Request-Id"] and cors["MaxAge"] == 300


def test_http_integrations_are_payload_2(http):
    m, template, res, c, api = http
    integ = c["apigatewayv2"].get_integrations(ApiId=api)["Items"]
    assert len(integ) == 2                         # notes and health
    assert {i["IntegrationType"] for i in integ} == {"AWS_PROXY"}
    assert {i["PayloadFormatVersion"] for i in integ} == {"2.0"}
    arns = {c["lambda"].get_function(FunctionName=res[f])["Configuration"]["FunctionArn"]
            for f in ("NotesFunction", "HealthFunction")}
    assert {i["IntegrationUri"] for i in integ} == arns


def test_http_routes_and_authorizers(http):
    m, template, res, c, api = http
    # moto has no GetAuthorizers for HTTP APIs: each one by its ID
    auths = {n: c["apigatewayv2"].get_authorizer(ApiId=api, AuthorizerId=res["ApiAuthorizer" + n])
             for n in m["api"]["authorizers"]}
    assert {n: a["Name"] for n, a in auths.items()} == {n: n for n in auths}
    jwt, key = auths["Jwt"], auths["Key"]
    assert jwt["AuthorizerType"] == "JWT"
    assert jwt["IdentitySource"] == ["$request.header.Authorization"]
    assert jwt["JwtConfiguration"]["Audience"] == m["api"]["authorizers"]["Jwt"]["audience"]
    assert jwt["JwtConfiguration"]["Issuer"].startswith("https://cognito-idp.us-east-1.")
    assert key["AuthorizerType"] == "REQUEST"
    assert key["AuthorizerPayloadFormatVersion"] == "2.0"
    assert key["EnableSimpleResponses"] is True
    assert key["AuthorizerResultTtlInSeconds"] == 30
    assert key["IdentitySource"] == ["$request.header.X-Api-Token"]
    integ = {i["IntegrationId"]: i["IntegrationUri"] for i in
             c["apigatewayv2"].get_integrations(ApiId=api)["Items"]}
    routes = {r["RouteKey"]: r for r in c["apigatewayv2"].get_routes(ApiId=api)["Items"]}
    assert set(routes) == set(m["api"]["routes"])
    want = {  # route key: (type, authorizer, scopes)
        "GET /notes": ("JWT", "Jwt", ["notes/read"]),
        "POST /notes": ("JWT", "Jwt", ["notes/write"]),
        "DELETE /notes/{id}": ("AWS_IAM", None, None),
        "ANY /hooks/{proxy+}": ("CUSTOM", "Key", None),
        "GET /health": ("NONE", None, None),
    }
    for k, (typ, authz, scopes) in want.items():
        r = routes[k]
        assert r["AuthorizationType"] == typ, k
        assert r.get("AuthorizerId") == (auths[authz]["AuthorizerId"] if authz else None), k
        assert (r.get("AuthorizationScopes") or None) == scopes, k
        fn = res[m["api"]["routes"][k]["function"].capitalize() + "Function"]
        arn = c["lambda"].get_function(FunctionName=fn)["Configuration"]["FunctionArn"]
        assert r["Target"].startswith("integrations/"), k
        assert integ[r["Target"].split("/", 1)[1]] == arn, k


def test_http_stage_domain_and_mapping(http):
    m, template, res, c, api = http
    stage = c["apigatewayv2"].get_stage(ApiId=api, StageName="$default")
    assert stage["AutoDeploy"] is True
    assert stage["DefaultRouteSettings"]["ThrottlingRateLimit"] == m["api"]["throttle"]["rate"]
    assert stage["DefaultRouteSettings"]["ThrottlingBurstLimit"] == m["api"]["throttle"]["burst"]
    assert stage["AccessLogSettings"]["Format"] == m["api"]["access_log"]["format"]
    dom = c["apigatewayv2"].get_domain_name(DomainName="notes.example.com")  # the parameter's default
    conf = dom["DomainNameConfigurations"][0]
    assert conf["EndpointType"] == "REGIONAL" and conf["SecurityPolicy"] == "TLS_1_2"
    maps = c["apigatewayv2"].get_api_mappings(DomainName="notes.example.com")["Items"]
    assert [(x["ApiId"], x["ApiMappingKey"], x["Stage"]) for x in maps] == \
        [(api, "notes", "$default")]


def test_http_invoke_permissions(http):
    m, template, res, c, api = http
    for fn in ("NotesFunction", "AuthorizeFunction"):
        policy = json.loads(c["lambda"].get_policy(FunctionName=res[fn])["Policy"])
        arns = {s["Condition"]["ArnLike"]["AWS:SourceArn"] for s in policy["Statement"]}
        base = f"arn:aws:execute-api:{REGION}:123456789012:{api}"
        want = {base + "/*"} if fn == "NotesFunction" else \
            {f"{base}/authorizers/{res['ApiAuthorizerKey']}"}
        assert arns == want, fn
