"""Prints the CloudFormation status enums of the installed botocore's model.

One line per value: SHAPE VALUE (StackStatus, ChangeSetStatus,
ExecutionStatus, ResourceStatus). tests/unit/test_converge.c reads them so
that a status added to the model and unknown to spartac fails the suite.
"""
import sys

try:
    import botocore.loaders
except ImportError:
    sys.exit("botocore is not installed: run 'sh tools/setup.sh test'")

model = botocore.loaders.Loader().load_service_model("cloudformation", "service-2")
for shape in ("StackStatus", "ChangeSetStatus", "ExecutionStatus", "ResourceStatus"):
    for value in model["shapes"][shape]["enum"]:
        print(shape, value)
