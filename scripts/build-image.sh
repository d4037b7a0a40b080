#!/usr/bin/env bash
# Builds the container image `genai-collector:VERSION` from the repository's Dockerfile.
#
#   scripts/build-image.sh            # build with buildah (chroot isolation), base from debootstrap
#   BUILDER=docker scripts/build-image.sh   # or podman: the same Dockerfile on debian:bookworm-slim
#   BASE=localhost/genai-collector-base:bookworm BUILDER=podman scripts/build-image.sh   # another base
#
# Steps: the release binary (Swift standard library linked statically, stripped) is copied into the
# build context; with buildah, the base is a Debian bookworm root filesystem made by debootstrap and
# cut down to what the binary loads (libc, libstdc++, zlib, libzstd, CA certificates, time zones, and
# dash for the Dockerfile's one RUN), imported as `localhost/genai-collector-base:bookworm`, so no
# registry is needed. Prints the image's size at the end.
set -euo pipefail
cd "$(dirname "$0")/.."
VERSION=${VERSION:-$(git describe --tags --always --dirty 2>/dev/null || echo dev)}
BUILDER=${BUILDER:-buildah}
SOURCE=${SOURCE:-$(git remote get-url origin 2>/dev/null || echo unknown)}
REVISION=$(git rev-parse HEAD 2>/dev/null || echo unknown)
args=(--build-arg VERSION="$VERSION" --build-arg SOURCE="$SOURCE" --build-arg REVISION="$REVISION")
MIRROR=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
out=.build/image
mkdir -p "$out"

echo "== release binary"
swift build -c release --static-swift-stdlib --product genai-collector
install -m 0755 .build/release/genai-collector "$out/genai-collector"
strip "$out/genai-collector"

if [ "$BUILDER" != buildah ]; then
  # BASE: another base image (for example the debootstrap one this script makes with buildah).
  if [ -n "${BASE:-}" ]; then args+=(--build-arg BASE="$BASE"); fi
  "$BUILDER" build -t "genai-collector:$VERSION" -t genai-collector:latest "${args[@]}" .
  exit 0
fi

export CONTAINERS_CONF=${CONTAINERS_CONF:-$PWD/deploy/image/containers.conf}
base=localhost/genai-collector-base:bookworm
if ! buildah inspect --type image "$base" >/dev/null 2>&1; then
  echo "== base root filesystem (debootstrap)"
  full="$out/bootstrap"
  slim="$out/rootfs"
  if [ ! -x "$full/usr/bin/dpkg" ]; then
    rm -rf "$full"
    debootstrap --variant=minbase --include=ca-certificates,tzdata,libzstd1,zlib1g,libstdc++6 bookworm "$full" "$MIRROR"
  fi
  rm -rf "$slim" && mkdir -p "$slim"
  # bookworm's merged /usr: /bin, /lib, ... are symlinks into /usr; keep them so listed paths resolve.
  for l in bin sbin lib lib32 lib64 libx32; do if [ -L "$full/$l" ]; then cp -a "$full/$l" "$slim/$l"; fi; done
  mkdir -p "$slim/usr/bin" "$slim/usr/sbin" "$slim/usr/lib" "$slim/usr/lib64"
  # Only the files of the packages the binary needs (and dash, for `RUN`), nothing of apt or dpkg.
  packages="libc6 libgcc-s1 libstdc++6 zlib1g libzstd1 ca-certificates tzdata dash base-files"
  (cd "$full" && for p in $packages; do chroot . dpkg -L "$p"; done | sort -u | sed 's|^/||' | grep -v '^$' |
     grep -v -E '^usr/share/(doc|man|info|lintian)/' | while read -r f; do if [ -e "$f" ] || [ -L "$f" ]; then echo "$f"; fi; done |
     tar --no-recursion -cf - -T -) | tar -xf - -C "$slim"
  cp -a "$full/etc/ssl/certs" "$slim/etc/ssl/"
  ln -sf dash "$slim/bin/sh"
  ln -sf /usr/share/zoneinfo/Etc/UTC "$slim/etc/localtime"
  mkdir -p "$slim/tmp" "$slim/var/lib/genai-collector" "$slim/etc"
  chmod 1777 "$slim/tmp"
  printf 'root:x:0:0:root:/root:/sbin/nologin\nnonroot:x:65532:65532:nonroot:/var/lib/genai-collector:/sbin/nologin\n' > "$slim/etc/passwd"
  printf 'root:x:0:\nnonroot:x:65532:\n' > "$slim/etc/group"
  ctr=$(buildah from scratch)
  buildah copy "$ctr" "$slim" / >/dev/null
  buildah commit --rm "$ctr" "$base" >/dev/null
fi

echo "== image"
buildah bud --isolation chroot --layers=false --build-arg BASE="$base" "${args[@]}" \
  -t "genai-collector:$VERSION" -t genai-collector:latest -f Dockerfile .
size=$(podman image inspect --format '{{.Size}}' "genai-collector:$VERSION")
echo "image genai-collector:$VERSION: $((size / 1000000)) MB uncompressed (binary $(($(stat -c %s "$out/genai-collector") / 1000000)) MB)"
