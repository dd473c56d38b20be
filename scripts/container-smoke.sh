#!/usr/bin/env bash
# Prove the Dockerfile on a machine without a Docker engine or registry access:
#   1. build a Debian bookworm base image with debootstrap (python3 + venv) and import it into podman,
#   2. build our Dockerfile on it, offline (wheels made here with pip, --no-index in the image),
#   3. run it with a mounted fixture file and a published port, wait for the HEALTHCHECK,
#   4. drive it with the official Python SDK, print the image size and start-to-healthy time,
#   5. tear everything down, also on failure.
# Needs root, podman, runc and debootstrap (apt-get install podman runc debootstrap), and a python3
# with ory-kratos-client and pip (the project's test environment).
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
base=localhost/kratos-mock-base:bookworm
tag=localhost/kratos-mock:smoke
ctr=kratos-mock-smoke-$$
mirror=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
python=${PYTHON:-python3}

cleanup() {
  status=$?
  if [ "$status" -ne 0 ] && podman container exists "$ctr" 2>/dev/null; then
    echo "--- container log ---" >&2
    podman logs "$ctr" >&2 || true
  fi
  podman rm -f "$ctr" >/dev/null 2>&1 || true
  podman rmi -f "$tag" >/dev/null 2>&1 || true
  [ -n "${KEEP_BASE_IMAGE:-}" ] || podman rmi -f "$base" >/dev/null 2>&1 || true
  rm -rf "$work"
  find "$root/wheels" -name '*.whl' -delete 2>/dev/null || true
  exit "$status"
}
trap cleanup EXIT

# crun fails on this kernel's cgroups; runc with explicit ulimits works.
cat >"$work/containers.conf" <<'EOF'
[containers]
default_ulimits = ["nofile=1024:1024", "nproc=1024:1024"]
[engine]
runtime = "runc"
EOF
export CONTAINERS_CONF="$work/containers.conf"

step() { printf '\n== %s\n' "$*"; }

step "base image $base (debootstrap bookworm, minbase + python3)"
if ! podman image exists "$base"; then
  debootstrap --variant=minbase --include=python3,python3-venv,ca-certificates \
    bookworm "$work/rootfs" "$mirror" >"$work/debootstrap.log" 2>&1 \
    || { tail -20 "$work/debootstrap.log" >&2; exit 1; }
  # a slim base, as python:*-slim is: no apt lists, docs, locales or iconv modules
  rm -rf "$work"/rootfs/var/lib/apt/lists/* "$work"/rootfs/var/cache/apt/* "$work"/rootfs/var/log/* \
    "$work"/rootfs/usr/share/doc/* "$work"/rootfs/usr/share/man/* "$work"/rootfs/usr/share/locale/* \
    "$work"/rootfs/usr/share/info/* "$work"/rootfs/usr/share/i18n "$work"/rootfs/usr/lib/x86_64-linux-gnu/gconv
  tar -C "$work/rootfs" -c . | podman import --change 'CMD ["python3"]' - "$base" >/dev/null
  rm -rf "$work/rootfs"
fi

step "wheels for an offline build"
"$python" -m pip wheel --quiet --disable-pip-version-check --wheel-dir "$root/wheels" "$root" hatchling \
  2>"$work/pip.log" || { cat "$work/pip.log" >&2; exit 1; }

step "podman build"
podman build --quiet --isolation chroot --format docker \
  --build-arg BASE_IMAGE="$base" --build-arg PIP_OPTIONS=--no-index -t "$tag" "$root" >/dev/null
size=$(podman image inspect --format '{{.Size}}' "$tag")

step "run with /fixtures mounted and a published port"
mkdir -p "$work/fixtures"
cat >"$work/fixtures/users.yaml" <<'EOF'
identities:
  - id: 2b7c4d1e-9f3a-4c5b-8d6e-0a1b2c3d4e5f
    schema_id: default
    traits: {email: sidecar@example.com}
    credentials: {password: {config: {password: "from the fixture"}}}
sessions:
  - identity: {identifier: sidecar@example.com}
EOF
chmod -R a+rX "$work/fixtures"
port=$("$python" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
started=$EPOCHREALTIME
# (podman cannot schedule periodic health checks without systemd; we run the check ourselves)
podman run -d --name "$ctr" -p "127.0.0.1:$port:4434" -v "$work/fixtures:/fixtures:ro" \
  -e KRATOS_MOCK_SEED=42 "$tag" 2> >(grep -v 'systemd' >&2) >/dev/null
until podman healthcheck run "$ctr" >/dev/null 2>&1; do
  if [ "$(podman inspect --format '{{.State.Running}}' "$ctr")" != "true" ]; then
    echo "the container stopped" >&2
    exit 1
  fi
  if awk -v a="$EPOCHREALTIME" -v b="$started" 'BEGIN { exit !(a - b > 30) }'; then
    echo "not healthy after 30 s" >&2
    exit 1
  fi
  sleep 0.05
done
healthy=$(awk -v a="$EPOCHREALTIME" -v b="$started" 'BEGIN { printf "%.2f", a - b }')

step "drive it with the official Python SDK (ory-kratos-client)"
"$python" - "http://127.0.0.1:$port" <<'EOF'
import sys

import ory_kratos_client
from ory_kratos_client.api.identity_api import IdentityApi
from ory_kratos_client.models.create_identity_body import CreateIdentityBody

api = IdentityApi(ory_kratos_client.ApiClient(ory_kratos_client.Configuration(host=sys.argv[1])))
seeded = api.get_identity("2b7c4d1e-9f3a-4c5b-8d6e-0a1b2c3d4e5f", include_credential=["password"])
assert seeded.traits == {"email": "sidecar@example.com"}, seeded
assert seeded.credentials["password"].config["hashed_password"].startswith("$pbkdf2-sha256$")
[session] = api.list_sessions()
assert session.active and session.identity is None
created = api.create_identity(create_identity_body=CreateIdentityBody(schema_id="default", traits={"email": "new@example.com"}))
assert created.created_at.isoformat().startswith("2026-01-01"), created.created_at  # KRATOS_MOCK_SEED froze the clock
assert [i.id for i in api.list_identities(credentials_identifier="new@example.com")] == [created.id]
api.delete_identity(created.id)
print("SDK: get, list sessions, create, find, delete: ok")
EOF

printf '\nimage size: %s MB\nstart to healthy: %s s\n' "$((size / 1000000))" "$healthy"
[ "$size" -le 200000000 ] || { echo "image is over 200 MB" >&2; exit 1; }
echo "container smoke test passed"
