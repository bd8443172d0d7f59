"""Query-protocol requests against botocore's service models, and pagination.

A loopback server records each request and replays a canned reply (the
curl test-server pattern). The form body spartac sends for every
CloudFormation, IAM and STS call must equal what botocore's own Query
serializer makes from the same parameters, validated against the model;
this covers UpdateTerminationProtection and ContinueUpdateRollback, which
moto does not implement. Paginated calls must follow NextToken."""
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl

import pytest

from test_aws_moto import REGION, clean_env, script

try:
    import botocore.session
    from botocore.serialize import create_serializer
    from botocore.validate import validate_parameters
except ImportError:  # pragma: no cover
    pytest.fail("botocore is not installed: run 'sh tools/setup.sh test'", pytrace=False)


class Recorder:
    def __init__(self, replies):
        self.requests = []
        self.ports = []  # the client's port of each request: one per connection
        outer = self

        class H(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *a):
                pass

            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0)).decode()
                form = dict(parse_qsl(body, keep_blank_values=True))
                outer.requests.append((body, form))
                outer.ports.append(self.client_address[1])
                action = form.get("Action", "")
                queue = replies.get(action) or [f"<{action}Response><{action}Result/></{action}Response>"]
                data = (queue.pop(0) if len(queue) > 1 else queue[0]).encode()
                self.send_response(200)
                self.send_header("Content-Type", "text/xml")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self.srv = ThreadingHTTPServer(("127.0.0.1", 0), H)
        self.url = f"http://127.0.0.1:{self.srv.server_address[1]}"
        threading.Thread(target=self.srv.serve_forever, daemon=True).start()

    def close(self):
        self.srv.shutdown()
        self.srv.server_close()


def botocore_form(service, op, params):
    model = botocore.session.get_session().get_service_model(service)
    op_model = model.operation_model(op)
    validate_parameters(params, op_model.input_shape)  # raises on a wrong shape
    req = create_serializer("query").serialize_to_request(params, op_model)
    return {k: str(v) for k, v in req["body"].items()}


NESTED_CS = "arn:aws:cloudformation:eu-west-1:123456789012:changeSet/cs-2-Child/1"


def test_query_bodies_match_botocore(tmp_path):
    tpl = tmp_path / "t.json"
    tpl.write_text('{"Resources": {"Q": {"Type": "AWS::SQS::Queue"}}}')
    cases = [
        ("cloudformation", "DescribeStacks", "describe-stacks\tmy-stack", {"StackName": "my-stack"}),
        ("cloudformation", "CreateChangeSet", f"create-change-set\tmy-stack\tcs-1\tUPDATE\t@{tpl}",
         {"StackName": "my-stack", "ChangeSetName": "cs-1", "ChangeSetType": "UPDATE",
          "TemplateBody": tpl.read_text(), "Capabilities": ["CAPABILITY_IAM"],
          "Tags": [{"Key": "spartac:service", "Value": "test"}]}),
        ("cloudformation", "DescribeChangeSet", "describe-change-set\tmy-stack\tcs-1",
         {"StackName": "my-stack", "ChangeSetName": "cs-1"}),
        ("cloudformation", "ExecuteChangeSet", "execute-change-set\tmy-stack\tcs-1",
         {"StackName": "my-stack", "ChangeSetName": "cs-1"}),
        ("cloudformation", "DeleteChangeSet", "delete-change-set\tmy-stack\tcs-1",
         {"StackName": "my-stack", "ChangeSetName": "cs-1"}),
        ("cloudformation", "DescribeStackEvents", "describe-stack-events\tmy-stack",
         {"StackName": "my-stack"}),
        ("cloudformation", "DescribeStackResources", "describe-stack-resources\tmy-stack\tSiteBucket",
         {"StackName": "my-stack", "LogicalResourceId": "SiteBucket"}),
        ("cloudformation", "GetTemplate", "get-template\tmy-stack", {"StackName": "my-stack"}),
        ("cloudformation", "DeleteStack", "delete-stack\tmy-stack", {"StackName": "my-stack"}),
        ("cloudformation", "ContinueUpdateRollback", "continue-update-rollback\tmy-stack",
         {"StackName": "my-stack"}),
        ("cloudformation", "UpdateTerminationProtection", "update-termination-protection\tmy-stack\t1",
         {"StackName": "my-stack", "EnableTerminationProtection": True}),
        # a split service (issue 17): nested change sets, the root's children
        ("cloudformation", "CreateChangeSet",
         f"create-change-set\tmy-stack\tcs-2\tUPDATE\t@{tpl}\tnested",
         {"StackName": "my-stack", "ChangeSetName": "cs-2", "ChangeSetType": "UPDATE",
          "TemplateBody": tpl.read_text(), "Capabilities": ["CAPABILITY_IAM"],
          "Tags": [{"Key": "spartac:service", "Value": "test"}], "IncludeNestedStacks": True}),
        ("cloudformation", "DescribeChangeSet", f"describe-change-set\t-\t{NESTED_CS}",
         {"ChangeSetName": NESTED_CS}),
        ("cloudformation", "ListStackResources", "list-stack-resources\tmy-stack",
         {"StackName": "my-stack"}),
        ("iam", "GetRole", "get-role\tdeploy role+x", {"RoleName": "deploy role+x"}),
        ("sts", "GetCallerIdentity", "whoami", {}),
    ]
    rec = Recorder({})
    try:
        env = clean_env(tmp_path, AWS_ACCESS_KEY_ID="AKIAEXAMPLE", AWS_SECRET_ACCESS_KEY="secret")
        script([c[2] for c in cases], env, "--region", REGION, "--endpoint-url", rec.url)
    finally:
        rec.close()
    assert len(rec.requests) == len(cases)
    # one client, one connection: wire.c keeps it alive across calls
    assert len(set(rec.ports)) == 1
    for (service, op, _, params), (raw, form) in zip(cases, rec.requests):
        assert form == botocore_form(service, op, params), op
        # spaces as '+', the way botocore (Python's urlencode) sends them
        assert " " not in raw and ("%20" not in raw)


STACK_ID = "arn:aws:cloudformation:eu-west-1:123456789012:stack/my-stack/1"


def change_page(changes, token=None):
    members = "".join(
        f"<member><Type>Resource</Type><ResourceChange><Action>Add</Action>"
        f"<LogicalResourceId>{c}</LogicalResourceId><ResourceType>AWS::SQS::Queue</ResourceType>"
        f"</ResourceChange></member>" for c in changes)
    nt = f"<NextToken>{token}</NextToken>" if token else ""
    return (f'<DescribeChangeSetResponse xmlns="http://cloudformation.amazonaws.com/doc/2010-05-15/">'
            f"<DescribeChangeSetResult><ChangeSetName>cs-1</ChangeSetName><StackId>{STACK_ID}</StackId>"
            f"<Status>CREATE_COMPLETE</Status><ExecutionStatus>AVAILABLE</ExecutionStatus>"
            f"<Changes>{members}</Changes>{nt}</DescribeChangeSetResult>"
            f"<ResponseMetadata><RequestId>r</RequestId></ResponseMetadata></DescribeChangeSetResponse>")


def event_page(ids, token=None):
    members = "".join(
        f"<member><StackId>{STACK_ID}</StackId><EventId>{i}</EventId><StackName>my-stack</StackName>"
        f"<LogicalResourceId>Q</LogicalResourceId><ResourceType>AWS::SQS::Queue</ResourceType>"
        f"<Timestamp>2026-11-22T05:00:00.123Z</Timestamp><ResourceStatus>S{i}</ResourceStatus></member>"
        for i in ids)
    nt = f"<NextToken>{token}</NextToken>" if token else ""
    return (f"<DescribeStackEventsResponse><DescribeStackEventsResult><StackEvents>{members}</StackEvents>"
            f"{nt}</DescribeStackEventsResult></DescribeStackEventsResponse>")


def test_pagination_follows_next_token(tmp_path):
    rec = Recorder({
        "DescribeChangeSet": [change_page(["A", "B"], "tok/1+="), change_page(["C"])],
        "DescribeStackEvents": [event_page([9, 8, 7], "e2"), event_page([6, 5, 4], "e3"), event_page([3])],
    })
    try:
        env = clean_env(tmp_path, AWS_ACCESS_KEY_ID="AKIAEXAMPLE", AWS_SECRET_ACCESS_KEY="secret")
        rows, _ = script(["describe-change-set\tmy-stack\tcs-1", "describe-stack-events\tmy-stack\t5"],
                         env, "--region", REGION, "--endpoint-url", rec.url)
    finally:
        rec.close()
    assert rows[0][:4] == ["ok", "CREATE_COMPLETE", "AVAILABLE", "3"]
    assert [c.split(":")[1] for c in rows[0][4:]] == ["A", "B", "C"]
    forms = [f for _, f in rec.requests]
    assert "NextToken" not in forms[0] and forms[1]["NextToken"] == "tok/1+="
    # events page back from the newest and stop at the last one already seen (5)
    assert rows[1][:3] == ["ok", "4", "S9"]
    assert [f.get("NextToken") for f in forms[2:]] == [None, "e2"]


def replay(tmp_path, replies, lines):
    """Runs the client driver's call lines against canned replies; returns
    the rows printed and the forms received."""
    rec = Recorder(replies)
    try:
        env = clean_env(tmp_path, AWS_ACCESS_KEY_ID="AKIAEXAMPLE", AWS_SECRET_ACCESS_KEY="secret")
        rows, _ = script(lines, env, "--region", REGION, "--endpoint-url", rec.url)
    finally:
        rec.close()
    return rows, [f for _, f in rec.requests]


def test_events_stop_at_the_page_limit(tmp_path):
    rows, forms = replay(tmp_path, {
        "DescribeStackEvents": [event_page([9, 8, 7], "e2"), event_page([6, 5, 4], "e3"), event_page([3])],
    }, ["describe-stack-events\tmy-stack\t\t2"])
    # two pages of the three, newest first; the third is never asked for
    assert rows[0][:3] == ["ok", "6", "S9"]
    assert [f.get("NextToken") for f in forms] == [None, "e2"]


def test_stack_resources_by_logical_id(tmp_path):
    member = ("<member><StackName>my-stack</StackName><StackId>{0}</StackId>"
              "<LogicalResourceId>SiteBucket</LogicalResourceId>"
              "<PhysicalResourceId>my-stack-sitebucket-1</PhysicalResourceId>"
              "<ResourceType>AWS::S3::Bucket</ResourceType>"
              "<Timestamp>2026-11-22T05:00:00Z</Timestamp>"
              "<ResourceStatus>CREATE_COMPLETE</ResourceStatus></member>").format(STACK_ID)
    rows, forms = replay(tmp_path, {
        "DescribeStackResources": [
            "<DescribeStackResourcesResponse><DescribeStackResourcesResult><StackResources>"
            f"{member}</StackResources></DescribeStackResourcesResult></DescribeStackResourcesResponse>"],
    }, ["describe-stack-resources\tmy-stack\tSiteBucket"])
    assert rows[0] == ["ok", "1", "SiteBucket:my-stack-sitebucket-1"]
    assert forms[0]["LogicalResourceId"] == "SiteBucket"


def resource_page(items, token=None):
    members = "".join(
        f"<member><LogicalResourceId>{lid}</LogicalResourceId>"
        f"<PhysicalResourceId>{STACK_ID}-{lid}</PhysicalResourceId>"
        f"<ResourceType>AWS::CloudFormation::Stack</ResourceType>"
        f"<LastUpdatedTimestamp>2026-12-06T00:00:00Z</LastUpdatedTimestamp>"
        f"<ResourceStatus>{st}</ResourceStatus></member>" for lid, st in items)
    nt = f"<NextToken>{token}</NextToken>" if token else ""
    return (f'<ListStackResourcesResponse xmlns="http://cloudformation.amazonaws.com/doc/2010-05-15/">'
            f"<ListStackResourcesResult><StackResourceSummaries>{members}</StackResourceSummaries>"
            f"{nt}</ListStackResourcesResult>"
            f"<ResponseMetadata><RequestId>r</RequestId></ResponseMetadata></ListStackResourcesResponse>")


def test_stack_resources_listed_through_every_page(tmp_path):
    """ListStackResources (status and deploy --code of a split service)
    follows NextToken: a root may hold more than one page."""
    rows, forms = replay(tmp_path, {
        "ListStackResources": [resource_page([("Functions0", "UPDATE_COMPLETE")], "p2"),
                               resource_page([("Functions1", "UPDATE_IN_PROGRESS")])],
    }, ["list-stack-resources\tmy-stack"])
    assert rows[0] == ["ok", "2", "Functions0:UPDATE_COMPLETE", "Functions1:UPDATE_IN_PROGRESS"]
    assert [f.get("NextToken") for f in forms] == [None, "p2"]
    assert all(f["StackName"] == "my-stack" for f in forms)
