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
# The one Debian version of both the kernel source and Debian's own (stock) kernel: the stock
# profile prepares that source as Debian built its kernel, so the two must be the same upload.
LINUX_DEBIAN_VERSION=7.3.4-1~bpo13+1
STOCK_RELEASE=7.3.4+deb13-amd64   # the stock kernel's release (uname -r) and package ABI name
DEBIAN_SUITE=trixie       # suite of the build sysroot
# dwarves (pahole) and openssl: Debian's config keeps DEBUG_INFO_BTF and module signing only
# where they are installed. python3-matplotlib: the benchmark report's plots. qemu-system-arm,
# gcc-arm-linux-gnueabihf and libc6-dev-armhf-cross (a recommendation apt here does not
# install): the ARMv7 guest and the static tools its checks run.
SYSROOT_PACKAGES=(
  build-essential flex bison bc libelf-dev libssl-dev cpio kmod xz-utils python3
  rustc rust-src rustfmt rust-clippy cargo bindgen clang lld llvm libclang-dev
  busybox-static qemu-system-x86 qemu-system-arm gcc-arm-linux-gnueabihf libc6-dev-armhf-cross
  dwarves openssl python3-matplotlib
)
# The ARMv7 guest's userland (armhf), unpacked under $ARMHF_ROOT in the sysroot: Debian cannot
# install busybox-static for two architectures at once.
ARMHF_PACKAGES=(busybox-static)
ARMHF_ROOT=/opt/armhf
# From $DEBIAN_SUITE-backports, all at $LINUX_DEBIAN_VERSION: the source every profile builds,
# and the stock kernel's image, modules and headers.
STOCK_PACKAGES=(
  "linux-binary-unsigned-$STOCK_RELEASE" "linux-modules-$STOCK_RELEASE"
  "linux-headers-$STOCK_RELEASE" "linux-headers-${STOCK_RELEASE%-*}-common"
  "linux-kbuild-${STOCK_RELEASE%-*}"
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

# in_group CMD...: runs CMD in a process group of its own and waits for it. If this script is
# interrupted (Ctrl-C, SIGTERM) or exits meanwhile, the whole group (CMD and every child, e.g.
# QEMU or make's compilers) is killed first, so nothing keeps running behind the user's back.
# While waiting, calls `in_group_tick SECONDS_SO_FAR` every 30 s if the caller defined it.
# With IN_GROUP_LOG set, CMD's output (only CMD's) is appended to that file. Returns CMD's
# status.
in_group() {
  local pid status t0=$SECONDS next=30
  set -m
  if [ -n "${IN_GROUP_LOG:-}" ]; then
    "$@" >>"$IN_GROUP_LOG" 2>&1 &
  else
    "$@" &
  fi
  pid=$!
  set +m
  # shellcheck disable=SC2064 # the group id is meant to be fixed now
  trap "kill -TERM -- -$pid 2>/dev/null; sleep 1; kill -KILL -- -$pid 2>/dev/null" EXIT
  trap 'exit 130' INT
  trap 'exit 143' TERM
  while kill -0 "$pid" 2>/dev/null; do
    sleep 1
    if [ $((SECONDS - t0)) -ge "$next" ]; then
      next=$((next + 30))
      if declare -F in_group_tick >/dev/null; then in_group_tick $((SECONDS - t0)); fi
    fi
  done
  status=0
  wait "$pid" || status=$?
  trap - EXIT INT TERM
  return "$status"
}

# run_logged WHAT LOG CMD...: runs CMD (in its own process group, see in_group) with its output
# appended to LOG, says every 30 s that WHAT is still going (PROGRESS_PATTERN, if set, counts
# matching LOG lines as progress), and on failure names the step, its command and the last
# lines of LOG, and exits.
run_logged() {
  local what=$1 logfile=$2 status
  shift 2
  in_group_tick() {
    local done_so_far=""
    [ -z "${PROGRESS_PATTERN:-}" ] ||
      done_so_far=", $(grep -cE "$PROGRESS_PATTERN" "$logfile" 2>/dev/null || true) ${PROGRESS_UNIT:-steps} done"
    log "$what: still running after $(($1 / 60)) min $(($1 % 60)) s$done_so_far"
  }
  status=0
  IN_GROUP_LOG=$logfile in_group "$@" || status=$?
  unset -f in_group_tick
  if [ "$status" -ne 0 ]; then
    log "FAILED: $what (exit $status)"
    log "  command: $*"
    log "  last lines of $logfile:"
    tail -n 40 "$logfile" | sed 's/^/    /' >&2
    exit 1
  fi
}

# need_disk GiB: the cache's filesystem must have that much free space.
need_disk() {
  local free_kib
  mkdir -p "$MEMLAB_CACHE"
  free_kib=$(df -Pk "$MEMLAB_CACHE" | awk 'NR == 2 {print $4}')
  [ "$free_kib" -ge $(($1 * 1024 * 1024)) ] ||
    die "$MEMLAB_CACHE has $((free_kib / 1024 / 1024)) GiB free; this step needs about $1 GiB (set MEMLAB_CACHE to a roomier place)"
}

need_root() {
  [ "$(id -u)" -eq 0 ] || die "memlab's scripts need root (debootstrap, chroot, bind mounts); run them as root"
  # QEMU's -virtfs options are comma-separated and the initramfs list is space-separated: such
  # paths cannot be carried, so refuse them before anything is built.
  local path
  for path in "$MEMLAB_ROOT" "$MEMLAB_CACHE"; do
    case $path in
    *[[:space:],]*) die "'$path' contains a space or a comma, which QEMU and the initramfs cannot carry; use another path (checkout or MEMLAB_CACHE)" ;;
    esac
  done
}

short_hash() { sha256sum | cut -c1-12; }

# The sysroot's key covers everything that decides its contents.
sysroot_key() {
  printf '%s\n' "$DEBIAN_SUITE" "linux-source-$LINUX_SERIES=$LINUX_DEBIAN_VERSION" \
    "${SYSROOT_PACKAGES[@]}" "${STOCK_PACKAGES[@]}" "armhf:${ARMHF_PACKAGES[@]}" "$ARMHF_ROOT" |
    short_hash
}
SYSROOT=$MEMLAB_CACHE/sysroot-$DEBIAN_SUITE-$(sysroot_key)

# in_sysroot CMD...: run CMD as root inside the sysroot, in the current directory.
# The checkout, the cache root and the directories in MEMLAB_SYSROOT_BINDS (space-separated,
# e.g. a kernel tree of the user's own) are bind-mounted at their own paths, so a path means
# the same thing inside and outside. The mounts live in a private mount namespace and vanish
# with it.
in_sysroot() {
  [ -x "$SYSROOT/bin/sh" ] || die "no sysroot at $SYSROOT (run scripts/toolchain)"
  unshare --mount --propagation private -- bash -euo pipefail -c '
    root=$1 checkout=$2 cache=$3 cwd=$4 binds=$5
    shift 5
    mount -t proc proc "$root/proc"
    mount --rbind /sys "$root/sys"
    mount --rbind /dev "$root/dev"
    for dir in "$checkout" "$cache" $binds; do
      mkdir -p "$root$dir"
      mount --bind "$dir" "$root$dir"
    done
    exec chroot "$root" /usr/bin/env -i HOME=/root TERM="${TERM:-dumb}" LANG=C.UTF-8 \
      PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
      MEMLAB_CACHE="$cache" CI="${CI:-}" \
      /bin/bash -c "cd \"\$0\" 2>/dev/null || cd /; exec \"\$@\"" "$cwd" "$@"
  ' memlab-sysroot "$SYSROOT" "$MEMLAB_ROOT" "$MEMLAB_CACHE" "$PWD" "${MEMLAB_SYSROOT_BINDS:-}" "$@"
}

# lock_checkout: waits for this checkout's lock, then holds it until this process and its
# children are gone. Runs from one checkout share out/ and the module build in it, so they take
# turns instead of corrupting each other's results. Children (MEMLAB_CHECKOUT_LOCKED=1, set
# here and by scripts/test) do not lock again.
lock_checkout() {
  [ -z "${MEMLAB_CHECKOUT_LOCKED:-}" ] || return 0
  mkdir -p "$MEMLAB_ROOT/out"
  exec 8>>"$MEMLAB_ROOT/out/.lock"
  if ! flock -n 8; then
    log "another memlab run is using this checkout ($MEMLAB_ROOT); waiting for it to finish"
    flock 8
  fi
  export MEMLAB_CHECKOUT_LOCKED=1
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
