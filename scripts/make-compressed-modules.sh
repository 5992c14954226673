#!/bin/sh
# Builds test/fixtures/modules/{ko,xz,zst,gz}: the same two real Debian 6.1
# modules (test/fixtures/ko: acpi-cpufreq.ko, pcc-cpufreq.ko) laid out as a
# /lib/modules/<release> tree, uncompressed and compressed by the real tools
# with the options the kernel's own scripts/Makefile.modinst uses
# (xz --check=crc32 --lzma2=dict=1MiB, zstd -T0 --rm -f -q, gzip -n -f),
# each indexed by kmod's own depmod.
#
# Debian 12's kmod 30 is built without zlib (`depmod --version`: -ZLIB), so
# its depmod skips .ko.gz files; the gz tree's indexes are the ko tree's with
# each path's suffix changed, which is what a depmod built with zlib writes
# (it names every module by its file, .modinfo is the same).
#
# Needs: xz-utils, zstd, gzip, kmod (apt-get install -y xz-utils zstd gzip kmod).
# Run from the repository root: sh scripts/make-compressed-modules.sh
set -eu
release=6.1.0-56-amd64
out=test/fixtures/modules
for tool in xz zstd gzip depmod; do
  command -v "$tool" >/dev/null || { echo "$0: $tool is missing (apt-get install -y xz-utils zstd gzip kmod)" >&2; exit 1; }
done
rm -rf "$out"
for kind in ko xz zst gz; do
  base=$(mktemp -d)
  dir="$base/lib/modules/$release"
  mkdir -p "$dir/kernel/drivers/cpufreq"
  cp test/fixtures/ko/acpi-cpufreq.ko test/fixtures/ko/pcc-cpufreq.ko "$dir/kernel/drivers/cpufreq/"
  : > "$dir/modules.builtin"
  : > "$dir/modules.builtin.modinfo"
  case $kind in
    xz) xz --check=crc32 --lzma2=dict=1MiB -f "$dir"/kernel/drivers/cpufreq/*.ko ;;
    zst) zstd -T0 --rm -f -q "$dir"/kernel/drivers/cpufreq/*.ko ;;
    gz) gzip -n -f "$dir"/kernel/drivers/cpufreq/*.ko ;;
  esac
  (cd "$dir" && ls kernel/drivers/cpufreq/*) > "$dir/modules.order"
  if [ "$kind" != gz ]; then
    depmod -b "$base" "$release"
  else
    cp "$out/ko/"modules.* "$dir/"
    (cd "$dir" && ls kernel/drivers/cpufreq/*) > "$dir/modules.order"
    sed -i 's/\.ko:/.ko.gz:/; s/\.ko /.ko.gz /g; s/\.ko$/.ko.gz/' "$dir/modules.dep"
    rm -f "$dir"/*.bin
  fi
  mkdir -p "$out"
  mv "$dir" "$out/$kind"
  rm -rf "$base"
done
ls -l "$out"/*/kernel/drivers/cpufreq/
