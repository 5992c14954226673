#!/bin/sh
# Records what kmod's own modinfo (kmod 30, Debian 12: +XZ +ZSTD -ZLIB
# +LIBCRYPTO) prints for the module fixtures, into test/fixtures/golden/modinfo/.
# The first line (filename:, an absolute path) is left out; the test checks it apart.
# Needs: kmod (apt-get install -y kmod). Run from the repository root after
# scripts/make-compressed-modules.sh.
set -eu
out=test/fixtures/golden/modinfo
mkdir -p "$out"
modinfo --version > "$out/VERSION"
for kind in ko xz zst; do
  for m in acpi-cpufreq pcc-cpufreq; do
    suffix=; [ "$kind" = ko ] || suffix=".$kind"
    modinfo "test/fixtures/modules/$kind/kernel/drivers/cpufreq/$m.ko$suffix" | tail -n +2 > "$out/$kind-$m.txt"
  done
done
