"""Exits 0 when every pinned requirement in the file is installed at its version."""
import sys
from importlib import metadata

for line in open(sys.argv[1]):
    line = line.split("#")[0].strip()
    if not line:
        continue
    name, _, version = line.partition("==")
    name = name.split("[")[0]
    try:
        if version and metadata.version(name) != version:
            sys.exit(1)
    except metadata.PackageNotFoundError:
        sys.exit(1)
