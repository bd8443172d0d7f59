"""CloudFormation models moto 5 lacks for API Gateway, so a stack that
spartac deploys reaches moto's own API Gateway backends.

moto's CloudFormation creates AWS::ApiGateway::RestApi, Resource, Method
and Deployment, and skips every other API Gateway type: Stage, Authorizer,
ApiKey, UsagePlan, UsagePlanKey, Model, RequestValidator, DomainName,
BasePathMapping, and all of AWS::ApiGatewayV2::* (Api, Integration, Route,
Authorizer, Stage, DomainName, ApiMapping). Its Method model also drops
AuthorizerId, AuthorizationScopes, RequestModels, RequestParameters and
RequestValidatorId.

Each model below passes the resource's CloudFormation properties, renamed
one for one, to the moto backend call that the matching API action makes
(CreateAuthorizer, CreateApiKey, ...), and answers Ref and Fn::GetAtt from
what the backend returned. Nothing is stored here: what the tests read back
with boto3 is moto's own state. Properties moto's backends have no field
for are named in the test that would check them (tests/test_api_moto.py).

Imported by tests/tools/moto_server_ordered.py before the server starts
(moto caches its model list on first use).
"""
import json

from moto.apigateway import models as apigw
from moto.apigateway.models import apigateway_backends
from moto.apigatewayv2.models import apigatewayv2_backends
from moto.core.common_models import CloudFormationModel


class _Made:
    """A created resource: its Ref value and its GetAtt attributes. Mixed
    into direct subclasses of CloudFormationModel, which is how moto finds
    its models (__subclasses__)."""

    def __init__(self, ref, attrs=None):
        self._ref = ref
        self._attrs = attrs or {}

    @property
    def physical_resource_id(self):
        return self._ref

    @classmethod
    def has_cfn_attr(cls, attr):
        return True

    def get_cfn_attribute(self, attr):
        return self._attrs[attr]


def _model(cfn_type, create):
    """A CloudFormationModel class for cfn_type; create(props, account,
    region) returns (ref, attrs)."""

    def from_cfn(cls, resource_name, cloudformation_json, account_id, region_name, **kw):
        ref, attrs = create(cloudformation_json.get("Properties", {}), account_id, region_name)
        return cls(ref, attrs)

    name = "Spartac" + cfn_type.replace("::", "")
    service = "apigatewayv2" if "V2" in cfn_type else "apigateway"
    return type(name, (_Made, CloudFormationModel), {
        "__module__": f"moto.{service}.spartac_cfn",
        "cloudformation_type": staticmethod(lambda: cfn_type),
        "cloudformation_name_type": staticmethod(lambda: ""),
        "create_from_cloudformation_json": classmethod(from_cfn),
    })


def _v1(account, region):
    return apigateway_backends[account][region]


def _v2(account, region):
    return apigatewayv2_backends[account][region]


# ---- REST API (v1) ----

def _stage(p, account, region):
    b = _v1(account, region)
    api, name = p["RestApiId"], p["StageName"]
    # moto's Deployment model has no Ref value of its own: Ref gives the object
    dep = p["DeploymentId"]
    b.create_stage(function_id=api, stage_name=name, deploymentId=getattr(dep, "id", dep))
    ops = []
    for ms in p.get("MethodSettings", []):
        where = ms.get("ResourcePath", "/*").lstrip("/").replace("/", "~1") + "/" + ms.get("HttpMethod", "*")
        if "ThrottlingRateLimit" in ms:
            ops.append({"op": "replace", "path": f"/{where}/throttling/rateLimit",
                        "value": str(ms["ThrottlingRateLimit"])})
        if "ThrottlingBurstLimit" in ms:
            ops.append({"op": "replace", "path": f"/{where}/throttling/burstLimit",
                        "value": str(ms["ThrottlingBurstLimit"])})
    for k, v in p.get("AccessLogSetting", {}).items():
        ops.append({"op": "replace", "path": "/accessLogSettings/" + k[0].lower() + k[1:],
                    "value": v})
    if ops:
        b.update_stage(api, name, ops)
    return name, {}


def _authorizer(p, account, region):
    a = _v1(account, region).create_authorizer(
        p["RestApiId"], p["Name"], p["Type"],
        provider_arns=p.get("ProviderARNs"), authorizer_uri=p.get("AuthorizerUri"),
        identity_source=p.get("IdentitySource"),
        authorizer_result_ttl=p.get("AuthorizerResultTtlInSeconds"))
    return a.id, {}


def _api_key(p, account, region):
    k = _v1(account, region).create_api_key({"name": p.get("Name"), "enabled": p.get("Enabled", False)})
    return k.id, {}


def _usage_plan(p, account, region):
    def lower(d):
        return {k[0].lower() + k[1:]: v for k, v in d.items()}
    u = _v1(account, region).create_usage_plan({
        "name": p.get("UsagePlanName"), "description": p.get("Description"),
        "apiStages": [lower(s) for s in p.get("ApiStages", [])],
        "throttle": lower(p.get("Throttle", {})), "quota": lower(p.get("Quota", {}))})
    return u.id, {}


def _usage_plan_key(p, account, region):
    k = _v1(account, region).create_usage_plan_key(
        p["UsagePlanId"], {"keyId": p["KeyId"], "keyType": p["KeyType"]})
    return k.id, {}


def _model_v1(p, account, region):
    m = _v1(account, region).create_model(
        p["RestApiId"], p["Name"], p["ContentType"], p.get("Description", ""),
        json.dumps(p.get("Schema", {})))
    return m.name, {}


def _validator(p, account, region):
    v = _v1(account, region).create_request_validator(
        p["RestApiId"], p.get("Name"), p.get("ValidateRequestBody"),
        p.get("ValidateRequestParameters"))
    return v.id, {}


def _domain_v1(p, account, region):
    d = _v1(account, region).create_domain_name(
        domain_name=p["DomainName"], certificate_name=None, tags=None,
        certificate_arn=p.get("CertificateArn"), certificate_body=None,
        certificate_private_key=None, certificate_chain=None,
        regional_certificate_name=None,
        regional_certificate_arn=p.get("RegionalCertificateArn"),
        endpoint_configuration={k[0].lower() + k[1:]: v for k, v in
                                p.get("EndpointConfiguration", {}).items()},
        security_policy=p.get("SecurityPolicy"))
    j = d.to_json()
    return d.domain_name, {"RegionalDomainName": j.get("regionalDomainName"),
                           "DistributionDomainName": j.get("distributionDomainName")}


def _base_path_mapping(p, account, region):
    m = _v1(account, region).create_base_path_mapping(
        p["DomainName"], p["RestApiId"], p.get("BasePath"), p.get("Stage"))
    return m.base_path, {}


_method_from_cfn = apigw.Method.create_from_cloudformation_json.__func__


def _method(cls, resource_name, cloudformation_json, account_id, region_name, **kw):
    """moto's own Method model, then the properties it drops."""
    m = _method_from_cfn(cls, resource_name, cloudformation_json, account_id,
                         region_name, **kw)
    p = cloudformation_json.get("Properties", {})
    m.authorizer_id = p.get("AuthorizerId")
    m.authorization_scopes = p.get("AuthorizationScopes")
    m.request_models = p.get("RequestModels")
    m.request_parameters = p.get("RequestParameters")
    m.request_validator_id = p.get("RequestValidatorId")
    return m


# ---- HTTP API (v2) ----

def _lower_all(d):
    return {k[0].lower() + k[1:]: v for k, v in (d or {}).items()}


def _api_v2(p, account, region):
    a = _v2(account, region).create_api(
        api_key_selection_expression=None,
        cors_configuration=_lower_all(p.get("CorsConfiguration")) or None,
        description=p.get("Description"), disable_schema_validation=None,
        disable_execute_api_endpoint=None, name=p["Name"],
        protocol_type=p["ProtocolType"], route_selection_expression=None,
        tags={}, version=None)
    endpoint = a.to_json()["apiEndpoint"]
    return a.api_id, {"ApiEndpoint": endpoint, "ApiId": a.api_id}


def _integration_v2(p, account, region):
    i = _v2(account, region).create_integration(
        api_id=p["ApiId"], connection_id=None, connection_type=None,
        content_handling_strategy=None, credentials_arn=None, description=None,
        integration_method=p.get("IntegrationMethod", "POST"),
        integration_type=p["IntegrationType"], integration_uri=p["IntegrationUri"],
        passthrough_behavior=None, payload_format_version=p.get("PayloadFormatVersion"),
        integration_subtype=None, request_parameters=None, request_templates=None,
        response_parameters=None, template_selection_expression=None,
        timeout_in_millis=None, tls_config=None)
    return i.id, {}


def _route_v2(p, account, region):
    r = _v2(account, region).create_route(
        api_id=p["ApiId"], api_key_required=False,
        authorization_scopes=p.get("AuthorizationScopes"),
        authorization_type=p.get("AuthorizationType"),
        authorizer_id=p.get("AuthorizerId"), model_selection_expression=None,
        operation_name=None, request_models=None, request_parameters=None,
        route_key=p["RouteKey"], route_response_selection_expression=None,
        target=p.get("Target"))
    return r.route_id, {}


def _authorizer_v2(p, account, region):
    a = _v2(account, region).create_authorizer(
        api_id=p["ApiId"], auth_creds_arn=None,
        auth_payload_format_version=p.get("AuthorizerPayloadFormatVersion"),
        auth_result_ttl=p.get("AuthorizerResultTtlInSeconds"),
        authorizer_type=p["AuthorizerType"], authorizer_uri=p.get("AuthorizerUri"),
        enable_simple_response=p.get("EnableSimpleResponses"),
        identity_source=p.get("IdentitySource"), identity_validation_expr=None,
        jwt_config=_lower_all(p.get("JwtConfiguration")) or None, name=p["Name"])
    return a.id, {}


def _stage_v2(p, account, region):
    config = {"stageName": p["StageName"], "autoDeploy": p.get("AutoDeploy")}
    if "DefaultRouteSettings" in p:
        config["defaultRouteSettings"] = _lower_all(p["DefaultRouteSettings"])
    if "AccessLogSettings" in p:
        config["accessLogSettings"] = _lower_all(p["AccessLogSettings"])
    s = _v2(account, region).create_stage(p["ApiId"], config)
    return s.name, {}


def _domain_v2(p, account, region):
    d = _v2(account, region).create_domain_name(
        domain_name=p["DomainName"],
        domain_name_configurations=[_lower_all(c) for c in p.get("DomainNameConfigurations", [])],
        mutual_tls_authentication=None, tags={})
    confs = d.to_json().get("domainNameConfigurations") or [{}]
    return d.domain_name, {"RegionalDomainName": confs[0].get("apiGatewayDomainName")}


def _api_mapping_v2(p, account, region):
    m = _v2(account, region).create_api_mapping(
        api_id=p["ApiId"], api_mapping_key=p.get("ApiMappingKey", ""),
        domain_name=p["DomainName"], stage=p["Stage"])
    return m.api_mapping_id, {}


MODELS = [
    _model("AWS::ApiGateway::Stage", _stage),
    _model("AWS::ApiGateway::Authorizer", _authorizer),
    _model("AWS::ApiGateway::ApiKey", _api_key),
    _model("AWS::ApiGateway::UsagePlan", _usage_plan),
    _model("AWS::ApiGateway::UsagePlanKey", _usage_plan_key),
    _model("AWS::ApiGateway::Model", _model_v1),
    _model("AWS::ApiGateway::RequestValidator", _validator),
    _model("AWS::ApiGateway::DomainName", _domain_v1),
    _model("AWS::ApiGateway::BasePathMapping", _base_path_mapping),
    _model("AWS::ApiGatewayV2::Api", _api_v2),
    _model("AWS::ApiGatewayV2::Integration", _integration_v2),
    _model("AWS::ApiGatewayV2::Route", _route_v2),
    _model("AWS::ApiGatewayV2::Authorizer", _authorizer_v2),
    _model("AWS::ApiGatewayV2::Stage", _stage_v2),
    _model("AWS::ApiGatewayV2::DomainName", _domain_v2),
    _model("AWS::ApiGatewayV2::ApiMapping", _api_mapping_v2),
]


# moto's Method model, then the properties it drops; the launcher wraps
# this one with its MOCK fix.
apigw.Method.create_from_cloudformation_json = classmethod(_method)
