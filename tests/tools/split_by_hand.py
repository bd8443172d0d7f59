"""A split written by hand, for the deploy side's tests: a postmarshal
hook that moves each function (its Function, FunctionRole and LogGroup)
into one of N nested stacks, in the layout of issue 17's contract:

  root  .spartac/template.json, each child an AWS::CloudFormation::Stack
        whose TemplateURL is
        https://${ArtifactBucket}.s3.${AWS::Region}.${AWS::URLSuffix}/
        ${AWS::StackName}/templates/<sha256 of the child>.json
  child .spartac/stacks/<LogicalId>.json

A function goes to child int(sha256(logical id)[:8], 16) % N, so adding a
function changes one child. Only for manifests of plain functions (no
API, no events): it is a fixture, not the split (src/compile/ has that).

    python3 split_by_hand.py N      (SPARTAC_TEMPLATE names template.json)
"""
import hashlib
import json
import os
import sys

SUFFIXES = ("Function", "FunctionRole", "LogGroup")


def stack_name_to_param(v):
    """${AWS::StackName} inside a child is the child's name: the root's
    comes in as the RootStackName parameter."""
    if isinstance(v, dict):
        return {k: stack_name_to_param(x) for k, x in v.items()}
    if isinstance(v, list):
        return [stack_name_to_param(x) for x in v]
    if isinstance(v, str):
        return v.replace("${AWS::StackName}", "${RootStackName}")
    return v


def write(path, doc):
    body = json.dumps(doc, indent=2, sort_keys=True).encode() + b"\n"
    tmp = path + ".tmp"
    with open(tmp, "wb") as f:
        f.write(body)
    os.rename(tmp, path)
    return body


def main():
    n = int(sys.argv[1])
    path = os.environ["SPARTAC_TEMPLATE"]
    root = json.load(open(path))
    res = root["Resources"]
    fns = sorted(k[:-len("Function")] for k, v in res.items()
                 if v["Type"] == "AWS::Lambda::Function")
    children = {}
    for f in fns:
        i = int(hashlib.sha256(f.encode()).hexdigest()[:8], 16) % n
        child = children.setdefault(f"Nested{i:02d}", {})
        for s in SUFFIXES:
            if f + s in res:
                child[f + s] = stack_name_to_param(res.pop(f + s))
    sdir = os.path.join(os.path.dirname(path), "stacks")
    os.makedirs(sdir, exist_ok=True)
    for name in os.listdir(sdir):
        if name[:-5] not in children:
            os.unlink(os.path.join(sdir, name))
    for cid, body in sorted(children.items()):
        doc = {
            "AWSTemplateFormatVersion": "2010-09-09",
            "Description": f"{cid} of {root.get('Description', '')}",
            "Parameters": {
                "ArtifactBucket": {"Type": "String"},
                "CodeKey": {"Type": "String"},
                "RootStackName": {"Type": "String"},
            },
            "Resources": body,
        }
        data = write(os.path.join(sdir, cid + ".json"), doc)
        sha = hashlib.sha256(data).hexdigest()
        res[cid] = {
            "Type": "AWS::CloudFormation::Stack",
            "Properties": {
                "TemplateURL": {"Fn::Sub": "https://${ArtifactBucket}.s3.${AWS::Region}."
                                           "${AWS::URLSuffix}/${AWS::StackName}/templates/"
                                           f"{sha}.json"},
                "Parameters": {
                    "ArtifactBucket": {"Ref": "ArtifactBucket"},
                    "CodeKey": {"Ref": "CodeKey"},
                    "RootStackName": {"Ref": "AWS::StackName"},
                },
            },
        }
    write(path, root)


if __name__ == "__main__":
    main()
