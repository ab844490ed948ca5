#!/usr/bin/env python3
"""The minimum Rust version, derived from Cargo.lock and kept true (run by .ci/run).

Reads `cargo metadata --locked --format-version 1`: every locked package with its `rust_version`
and the resolved dependency graph. Two sets of packages:

  build:  what `cargo build` compiles, the packages reachable from rtmp-probe through normal and
          build dependencies;
  tests:  the same plus the dev-dependencies (`cargo test`, `cargo bench`) and what they pull in;

both for the platforms the project is built and tested on (TARGETS: Linux on x86_64 and aarch64).
Crates for other platforms only (wasm's wasip2, Windows') are left out of the check, and their
minimum printed for information.

The build minimum is the highest rust-version in the first set, the test minimum the highest in
the second. Fails, saying what to change to what, when

  * Cargo.toml's rust-version is lower than the build minimum (a locked crate needs a newer Rust
    than the package claims: cargo would let an older toolchain start and fail deep in a build);
  * README.md does not state the build minimum (Cargo.toml's rust-version) and the test minimum
    in its sentence "Rust X or newer builds it ... the tests need Rust Y or newer".

`--print` only prints the two minimums and the crates that set them.
"""

import json
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TARGETS = ["x86_64-unknown-linux-gnu", "aarch64-unknown-linux-gnu"]
README_RE = re.compile(
    r"Rust\s+(?P<build>\d+\.\d+(?:\.\d+)?)\s+or\s+newer\s+builds\s+it.*?"
    r"the\s+tests\s+need\s+Rust\s+(?P<tests>\d+\.\d+(?:\.\d+)?)\s+or\s+newer",
    re.S,
)


def version_key(text):
    """'1.85' -> (1, 85, 0); cargo's rust-version has two or three numbers."""
    parts = [int(p) for p in text.split(".")]
    return tuple(parts + [0] * (3 - len(parts)))


def reachable(nodes, start, with_dev_of_root):
    """Package ids reachable from `start` over non-dev edges (and the root's dev edges if asked)."""
    seen = {start}
    todo = [start]
    while todo:
        pkg = todo.pop()
        for dep in nodes[pkg]["deps"]:
            kinds = {k["kind"] for k in dep["dep_kinds"]}
            usable = kinds - {"dev"} or (with_dev_of_root and pkg == start and "dev" in kinds)
            if usable and dep["pkg"] not in seen:
                seen.add(dep["pkg"])
                todo.append(dep["pkg"])
    return seen


def highest(packages, ids):
    """(version, [names of the crates that need it]) over the packages `ids`; None if none says."""
    best = None
    names = []
    for pid in ids:
        rv = packages[pid].get("rust_version")
        if not rv:
            continue
        key = version_key(rv)
        if best is None or key > best[0]:
            best = (key, rv)
            names = []
        if key == best[0]:
            names.append(f"{packages[pid]['name']} {packages[pid]['version']}")
    if best is None:
        return None, []
    return best[1], sorted(names)


def fail(message):
    print(f"error: {message}", file=sys.stderr)
    sys.exit(1)


def minimums(platforms):
    """(declared rust-version, (build min, crates), (test min, crates), crate counts) for `platforms`."""
    command = ["cargo", "metadata", "--locked", "--format-version", "1"]
    for triple in platforms:
        command += ["--filter-platform", triple]
    try:
        out = subprocess.run(command, cwd=ROOT, check=True, stdout=subprocess.PIPE).stdout
    except subprocess.CalledProcessError as err:
        fail(f"{' '.join(command)} failed (exit {err.returncode}); is Cargo.lock up to date?")
    meta = json.loads(out)
    packages = {p["id"]: p for p in meta["packages"]}
    nodes = {n["id"]: n for n in meta["resolve"]["nodes"]}
    root = meta["resolve"]["root"]
    if root is None:
        fail("cargo metadata names no root package")
    build_ids = reachable(nodes, root, with_dev_of_root=False) - {root}
    test_ids = reachable(nodes, root, with_dev_of_root=True) - {root}
    declared = packages[root].get("rust_version")
    return (
        declared,
        highest(packages, build_ids),
        highest(packages, test_ids),
        (len(build_ids), len(test_ids)),
    )


def main():
    declared, (build_min, build_by), (test_min, test_by), counts = minimums(TARGETS)
    build_min = build_min or declared or "1.0"
    test_min = test_min or build_min
    _, (any_build, _), (any_test, _), _ = minimums([])

    print(f"build minimum: Rust {build_min} ({counts[0]} locked crates on {' and '.join(TARGETS)}; set by {', '.join(build_by) or 'none'})")
    print(f"test minimum:  Rust {test_min} ({counts[1]} locked crates with the dev-dependencies; set by {', '.join(test_by) or 'none'})")
    print(f"(on every platform, wasm and Windows too: Rust {any_build} to build, {any_test} for the tests; not checked)")
    print(f"Cargo.toml:    rust-version = \"{declared}\"")
    if "--print" in sys.argv[1:]:
        return

    if declared is None:
        fail(f'Cargo.toml has no rust-version: add rust-version = "{build_min}" under [package]')
    if version_key(declared) < version_key(build_min):
        fail(
            f'Cargo.toml says rust-version = "{declared}" but the locked crates need Rust {build_min} '
            f"to build ({', '.join(build_by)}): set rust-version = \"{build_min}\" in Cargo.toml and "
            f"the build minimum in README.md (Quick start) to {build_min}"
        )
    build_stated = declared
    test_stated = max(test_min, declared, key=version_key)

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    found = README_RE.search(readme)
    if not found:
        fail(
            "README.md does not state the minimum Rust versions: it needs the sentence "
            f'"Rust {build_stated} or newer builds it ... the tests need Rust {test_stated} or newer"'
        )
    if version_key(found["build"]) != version_key(build_stated):
        fail(
            f"README.md says Rust {found['build']} builds it, Cargo.toml's rust-version is {build_stated}: "
            f"write {build_stated} in README.md"
        )
    if version_key(found["tests"]) != version_key(test_stated):
        fail(
            f"README.md says the tests need Rust {found['tests']}, the locked dev-dependencies need "
            f"{test_stated} ({', '.join(test_by)}): write {test_stated} in README.md"
        )
    print(f"ok: Cargo.toml and README.md state Rust {build_stated} to build and {test_stated} for the tests")


if __name__ == "__main__":
    main()
