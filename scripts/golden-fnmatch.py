#!/usr/bin/env python3
"""Record glibc's own fnmatch(3) verdicts (flags 0, C locale) for the
pattern cases modstorm's hand-written matcher must reproduce.

Writes test/fixtures/golden/fnmatch-glibc.json. Run by hand when the cases
change; never at test time:  python3 scripts/golden-fnmatch.py
"""
import ctypes
import ctypes.util
import json
import os
import platform
import random

libc = ctypes.CDLL(ctypes.util.find_library("c"))
libc.setlocale.restype = ctypes.c_char_p
# modprobe never calls setlocale, so it matches in the "C" locale.
libc.setlocale(6, b"C")  # LC_ALL
libc.fnmatch.argtypes = [ctypes.c_char_p, ctypes.c_char_p, ctypes.c_int]
libc.gnu_get_libc_version.restype = ctypes.c_char_p


def glibc(pattern, text):
    return libc.fnmatch(pattern.encode("latin-1"), text.encode("latin-1"), 0) == 0


# Hand-picked cases: the semantics the tests name one by one.
NAMED = [
    ("*", ""), ("*", "abc"), ("a*", "a"), ("a*c", "abbbc"), ("a*c", "abbb"),
    ("?", ""), ("?", "a"), ("??", "a"), ("a?c", "abc"), ("a?c", "ac"),
    ("*?", ""), ("*?", "x"), ("*a*b*c", "xaybzc"), ("*a*b*c", "xaybzcq"),
    ("[a-z]", "q"), ("[a-z]", "Q"), ("[a-z]", "-"), ("[!x]", "y"), ("[!x]", "x"),
    ("[^x]", "x"), ("[^x]", "y"), ("[]]", "]"), ("[]a]", "a"), ("[!]]", "]"),
    ("[!]]", "a"), ("[]-a]", "^"), ("[a-]", "-"), ("[-a]", "-"), ("[z-a]", "m"),
    ("[", "["), ("[", "a"), ("[ab", "[ab"), ("a[", "a["), ("[a-", "a"), ("[a-", "b"),
    ("\\*", "*"), ("\\*", "a"), ("a\\", "a\\"), ("a\\b", "ab"), ("[\\]]", "]"),
    ("[\\", "["), ("[[:digit:]]", "7"), ("[[:digit:]]", "x"), ("[[:alpha:]]", "x"),
    ("[[:xdigit:]]", "F"), ("[[:space:]]", " "), ("[[:punct:]]", "_"),
    ("[[:bogus:]]", "b"), ("[[:Alpha:]]", "A"), ("[[:alpha:]", "a"),
    ("[a[:digit:]]", "a"), ("[x[:bogus:]]", "x"), ("[x[:bogus:]]", "y"),
    ("[[=a=]]", "a"), ("[[=a=]]", "b"), ("[[.a.]]", "a"), ("[[.ab.]]", "a"),
    ("[[.a.]-c]", "b"), ("[a-[.c.]]", "b"), ("*/*", "a/b"), (".*", ".x"),
    ("*.ko", ".ko"), ("a/*", "a/b/c"),
    ("pci:v00008086d*sv*sd*bc*sc*i*", "pci:v00008086d00001234sv00001028sd00000001bc02sc00i00"),
    ("usb:v13FDp3940d0[0-2]*dc*dsc*dp*ic*isc*ip*in*", "usb:v13FDp3940d0150dc00dsc00dp00ic08isc06ip50in00"),
    ("usb:v13FDp3940d0[0-2]*dc*dsc*dp*ic*isc*ip*in*", "usb:v13FDp3940d0350dc00dsc00dp00ic08isc06ip50in00"),
    ("cpu:type:x86,ven*fam*mod*:feature:*0016*", "cpu:type:x86,ven0000fam0006mod0055:feature:,0000,0016,0099"),
    ("cpu:type:x86,ven*fam*mod*:feature:*0016*", "cpu:type:x86,ven0000fam0006mod0055:feature:,0000,0015,0099"),
]

PATTERN_ATOMS = ["a", "b", "-", "*", "?", "[", "]", "!", "^", "\\", ":", "=", ".", "/",
                 "[:alpha:]", "[:digit:]", "[:bogus:]", "[.a.]", "[=b=]", "[a-b]", "[!a]", "z"]
TEXT_CHARS = ["a", "b", "-", "[", "]", "!", "^", "\\", ":", ".", "=", "1", "A", "/", "z"]


def main():
    rng = random.Random(20240601)
    cases = []
    seen = set()
    for pattern, text in NAMED:
        seen.add((pattern, text))
        cases.append([pattern, text, glibc(pattern, text)])
    # Random patterns over the awkward characters; for each, keep one text
    # glibc accepts (when a few hundred tries find one) and one it rejects.
    while len(cases) < 3000:
        pattern = "".join(rng.choice(PATTERN_ATOMS) for _ in range(rng.randint(1, 6)))
        texts = ["".join(rng.choice(TEXT_CHARS) for _ in range(rng.randint(0, 4))) for _ in range(300)]
        texts += ["".join(rng.choice(TEXT_CHARS) if ch in "*?" else ch for ch in pattern) for _ in range(20)]
        hit = next((t for t in texts if glibc(pattern, t)), None)
        miss = next((t for t in texts if not glibc(pattern, t)), None)
        for text in (hit, miss):
            if text is not None and (pattern, text) not in seen:
                seen.add((pattern, text))
                cases.append([pattern, text, glibc(pattern, text)])
    out = {
        "about": "fnmatch(pattern, text, 0) in the C locale, as glibc answers it; [pattern, text, matches]",
        "glibc": libc.gnu_get_libc_version().decode(),
        "machine": platform.machine(),
        "generator": "scripts/golden-fnmatch.py",
        "cases": cases,
    }
    path = os.path.join(os.path.dirname(__file__), "..", "test", "fixtures", "golden", "fnmatch-glibc.json")
    # One case per line keeps the fixture readable and its diffs small.
    head = json.dumps({k: v for k, v in out.items() if k != "cases"}, indent=2)[:-2]
    body = ",\n".join("    " + json.dumps(c) for c in cases)
    with open(path, "w") as f:
        f.write(head + ',\n  "cases": [\n' + body + "\n  ]\n}\n")
    print(f"wrote {len(cases)} cases ({sum(1 for c in cases if c[2])} matches) to {os.path.normpath(path)}")


main()
