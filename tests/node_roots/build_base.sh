#!/bin/sh
# Build (once) the cached Debian base root filesystem the node_prepare tests copy per node.
#
#   tests/node_roots/build_base.sh [cache_dir]
#
# Result: <cache_dir>/<suite>-<variant>.tar (default ~/.cache/pdserve-node-roots/bookworm-minbase.tar).
# The tar holds a debootstrap --variant=minbase root with python3 (Ansible needs it), python3-apt
# (ansible.builtin.apt), fresh package lists and haveged's .deb pre-downloaded into apt's cache, so
# the role's real `apt install haveged` works in every copy without reaching the mirror again.
# Needs root and the Debian packages debootstrap and tar. Env: PDSERVE_DEBIAN_MIRROR,
# PDSERVE_DEBIAN_SUITE (default bookworm).
set -eu
cache_dir=${1:-${PDSERVE_NODE_ROOTS_CACHE:-$HOME/.cache/pdserve-node-roots}}
suite=${PDSERVE_DEBIAN_SUITE:-bookworm}
variant=minbase
mirror=${PDSERVE_DEBIAN_MIRROR:-http://deb.debian.org/debian}
tarball="$cache_dir/$suite-$variant.tar"

if [ -s "$tarball" ]; then
    echo "cached: $tarball"
    exit 0
fi
mkdir -p "$cache_dir"
work=$(mktemp -d "$cache_dir/build.XXXXXX")
trap 'rm -rf "$work"' EXIT INT TERM
root="$work/root"

debootstrap --variant="$variant" --include=python3,python3-apt "$suite" "$root" "$mirror"
# Package lists and haveged's .deb: the test installs haveged for real, from this local cache.
chroot "$root" apt-get update -q
chroot "$root" apt-get clean  # drop debootstrap's own .debs: only haveged's stay cached
chroot "$root" apt-get install -q -y --download-only haveged
# What the container runtime would leave on a node: nothing more. The test adds the rest per node.
rm -rf "$root/var/log/apt" "$root/var/log/dpkg.log" "$root/var/log/bootstrap.log"
tar -C "$root" -cf "$tarball.part" .
mv "$tarball.part" "$tarball"
echo "built: $tarball ($(du -h "$tarball" | cut -f1))"
