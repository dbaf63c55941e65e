#!/usr/bin/env bash
# Installs moto, an S3-compatible server the tests of STORAGE_URL run on loopback (test/helpers/s3-server.ts), once
# into Parley's cache (scripts/install-python-tool.sh), and prints its venv's python as the last line.
set -euo pipefail

version=5.2.5
exec bash "$(dirname "$0")/install-python-tool.sh" moto "$version" "moto[server,s3]==$version" python
