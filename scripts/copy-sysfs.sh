#!/bin/sh
# Copies what `modstorm snapshot` reads of a host into a folder, so a
# snapshot can be taken (and tested) away from the host:
#   <out>/sys/devices/**  each uevent file, each symlink as
#                         it is (relative targets such as ../../../../bus/cpu
#                         dangle in the copy, as intended: only the link text
#                         is read), memory/block_size_bytes, cpufreq's
#                         scaling_driver files
#   <out>/proc/meminfo, <out>/proc/sys/kernel/osrelease
# test/fixtures/host is this script's output on the project's development
# machine: sh scripts/copy-sysfs.sh test/fixtures/host
set -eu
out=${1:?usage: copy-sysfs.sh OUTDIR [SYSFS [PROC]]}
sys=${2:-/sys}
proc=${3:-/proc}
mkdir -p "$out"
out=$(cd "$out" && pwd)
rm -rf "$out/sys" "$out/proc"
mkdir -p "$out/sys" "$out/proc/sys/kernel"
cd "$sys"
# Directories come from the files and links in them (git keeps no empty directory).
find devices -type l | while IFS= read -r l; do mkdir -p "$out/sys/${l%/*}"; ln -s "$(readlink "$l")" "$out/sys/$l"; done
find devices -type f \( -name uevent -o -name block_size_bytes -o -name scaling_driver \) | while IFS= read -r f; do
  mkdir -p "$out/sys/${f%/*}"
  cat "$f" > "$out/sys/$f" 2>/dev/null || echo "copy-sysfs: cannot read $sys/$f, left empty" >&2
done
cd - >/dev/null
cp "$proc/meminfo" "$out/proc/meminfo"
cp "$proc/sys/kernel/osrelease" "$out/proc/sys/kernel/osrelease"
