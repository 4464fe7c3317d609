# SPDX-License-Identifier: GPL-2.0
# Shared settings and helpers for memlab's host scripts. Source it; do not run it.
#
# Everything memlab builds lives under one cache root, $MEMLAB_CACHE (default
# /var/cache/memlab), never inside the checkout:
#   $MEMLAB_CACHE/sysroot-<key>/        Debian build sysroot (toolchain, QEMU, kernel source .deb)
#   $MEMLAB_CACHE/src/linux-<version>/  unpacked kernel source
#   $MEMLAB_CACHE/kernel/<profile>-<key>/  kernel build tree (O=), keyed by all its inputs
#   $MEMLAB_CACHE/cargo/                 CARGO_HOME for the host-side unit tests

set -euo pipefail

# ---- The pinned inputs: change them here and only here. -------------------------------------
LINUX_SERIES=7.3          # Debian's linux-source-$LINUX_SERIES (trixie-backports)
DEBIAN_SUITE=trixie       # suite of the build sysroot
SYSROOT_PACKAGES=(
  build-essential flex bison bc libelf-dev libssl-dev cpio kmod xz-utils python3
  rustc rust-src rustfmt rust-clippy cargo bindgen clang lld llvm libclang-dev
  busybox-static qemu-system-x86
)
# ----------------------------------------------------------------------------------------------

MEMLAB_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
MEMLAB_CACHE=${MEMLAB_CACHE:-/var/cache/memlab}
export MEMLAB_CACHE

log() { printf '[memlab %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { printf '[memlab] error: %s\n' "$*" >&2; exit 1; }

# step DESCRIPTION CMD...: run CMD, saying what it does and how long it took.
step() {
  local what=$1 t0=$SECONDS
  shift
  log "$what ..."
  "$@"
  log "$what: done in $((SECONDS - t0)) s"
}

need_root() {
  [ "$(id -u)" -eq 0 ] || die "memlab's scripts need root (debootstrap, chroot, bind mounts); run them as root"
}

short_hash() { sha256sum | cut -c1-12; }

# The sysroot's key covers everything that decides its contents.
sysroot_key() { printf '%s\n' "$DEBIAN_SUITE" "linux-source-$LINUX_SERIES" "${SYSROOT_PACKAGES[@]}" | short_hash; }
SYSROOT=$MEMLAB_CACHE/sysroot-$DEBIAN_SUITE-$(sysroot_key)

# in_sysroot CMD...: run CMD as root inside the sysroot, in the current directory.
# The checkout and the cache root are bind-mounted at their own paths, so a path means the same
# thing inside and outside. The mounts live in a private mount namespace and vanish with it.
in_sysroot() {
  [ -x "$SYSROOT/bin/sh" ] || die "no sysroot at $SYSROOT (run scripts/toolchain)"
  unshare --mount --propagation private -- bash -euo pipefail -c '
    root=$1 checkout=$2 cache=$3 cwd=$4
    shift 4
    mount -t proc proc "$root/proc"
    mount --rbind /sys "$root/sys"
    mount --rbind /dev "$root/dev"
    for dir in "$checkout" "$cache"; do
      mkdir -p "$root$dir"
      mount --bind "$dir" "$root$dir"
    done
    exec chroot "$root" /usr/bin/env -i HOME=/root TERM="${TERM:-dumb}" LANG=C.UTF-8 \
      PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
      MEMLAB_CACHE="$cache" CI="${CI:-}" \
      /bin/bash -c "cd \"\$0\" 2>/dev/null || cd /; exec \"\$@\"" "$cwd" "$@"
  ' memlab-sysroot "$SYSROOT" "$MEMLAB_ROOT" "$MEMLAB_CACHE" "$PWD" "$@"
}

# with_lock NAME CMD...: serialise CMD with other memlab runs sharing this cache.
with_lock() {
  local name=$1
  shift
  mkdir -p "$MEMLAB_CACHE/locks"
  (
    flock 9
    "$@"
  ) 9>"$MEMLAB_CACHE/locks/$name"
}
