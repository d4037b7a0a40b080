# Sourced by scripts/test.sh and scripts/mutants.sh: installs what the tests need and puts the
# tests' Python first on PATH.
# Debian packages the build and the tests use, installed when missing: the system zlib (gzip bodies),
# the zstd tool (zstd test bodies), curl and openssl (clients and certificates in the end-to-end
# tests), and venv (Debian's Python refuses `pip install` outside a virtual environment, PEP 668).
missing=()
[ -f /usr/include/zlib.h ] || missing+=(zlib1g-dev)
command -v zstd >/dev/null || missing+=(zstd)
command -v curl >/dev/null || missing+=(curl)
command -v openssl >/dev/null || missing+=(openssl)
python3 -c "import ensurepip, venv" 2>/dev/null || missing+=(python3-venv)
# `*.localhost` names resolve to loopback (the S3 virtual-hosted test's `bucket.localhost`); glibc
# alone does not, its myhostname module does (installing it adds it to /etc/nsswitch.conf).
getent hosts probe.localhost >/dev/null || missing+=(libnss-myhostname)
# The container image: built from a debootstrap base with buildah, run with podman and runc.
for tool in debootstrap buildah podman runc; do command -v "$tool" >/dev/null || missing+=("$tool"); done
# deploy/kubernetes is rendered with `kubectl kustomize`.
command -v kubectl >/dev/null || missing+=(kubectl)
# The live view (/ui) is loaded in a real headless browser.
command -v chromium >/dev/null || missing+=(chromium)
if [ ${#missing[@]} -gt 0 ]; then
  apt-get update -qq
  apt-get install -y -qq "${missing[@]}"
fi

# The Python packages go into the project's own virtual environment, first on PATH, so every
# `python3` the tests start (clients, servers, references) is that one.
venv=.build/test-venv
[ -x "$venv/bin/python3" ] || python3 -m venv "$venv"
"$venv/bin/python3" -m pip install -q --disable-pip-version-check -r Tests/requirements.txt
export PATH="$PWD/$venv/bin:$PATH"

# The agent frameworks the framework tests drive, each in its own environment (.build/frameworks).
scripts/framework-env.sh
