#!/usr/bin/env bash
# Installs schemathesis, the HTTP fuzzer the integration tests run against the OpenAPI document, once into
# Parley's cache (scripts/install-python-tool.sh), and prints the executable's path as the last line.
#
# Why pinned: the generated requests depend on the version, and a fixed seed should replay the same run.
set -euo pipefail

version=4.32.5
exec bash "$(dirname "$0")/install-python-tool.sh" schemathesis "$version" "schemathesis==$version" schemathesis
