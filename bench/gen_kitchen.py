#!/usr/bin/env python3
"""Writes a kitchen of real shape into DIR: community-cookbook layout (recipes, attributes,
templates, files, libraries, specs, metadata), roles, environments and data bags, a few binary
files; FILES files and about MB megabytes in all. The same arguments give the same bytes.

    bench/gen_kitchen.py DIR [FILES] [MB]
"""
import os
import random
import sys

WORDS = ("package service template file directory execute bash node default action only_if "
         "not_if notifies subscribes variables source mode owner group recursive user attributes "
         "platform_family debian rhel version checksum remote_file cookbook_file include_recipe "
         "nginx apache mysql postgresql redis memcached java python ruby ssl cert key conf path "
         "enable start restart reload immediately delayed true false nil end do if else elsif").split()


def text(rng, size, kind):
    lines = []
    total = 0
    while total < size:
        indent = "  " * rng.randint(0, 3)
        words = " ".join(rng.choice(WORDS) for _ in range(rng.randint(3, 10)))
        if kind == "rb":
            line = f"{indent}{words} '{rng.choice(WORDS)}{rng.randint(0, 999)}'"
        elif kind == "erb":
            line = f"{indent}{words} <%= @{rng.choice(WORDS)} %>"
        elif kind == "json":
            line = f'{indent}"{rng.choice(WORDS)}_{rng.randint(0, 99)}": "{words}",'
        else:
            line = f"{indent}{words}"
        lines.append(line)
        total += len(line) + 1
    return "\n".join(lines) + "\n"


def main():
    root = sys.argv[1]
    files = int(sys.argv[2]) if len(sys.argv) > 2 else 2000
    megabytes = float(sys.argv[3]) if len(sys.argv) > 3 else 15
    rng = random.Random(20261207)
    binaries = 4
    binary_bytes = int(megabytes * 1e6 * 0.35)  # vendored tarballs, jars, images
    text_bytes = int(megabytes * 1e6) - binary_bytes
    per_file = max(200, text_bytes // max(1, files - binaries))
    written = 0

    def write(relative, content, mode="w"):
        nonlocal written
        path = os.path.join(root, relative)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, mode) as f:
            f.write(content)
        written += 1

    cookbooks = max(1, (files - 60) // 40)
    layout = [("recipes", "rb", 8), ("attributes", "rb", 3), ("templates/default", "erb", 10),
              ("files/default", "conf", 5), ("libraries", "rb", 3), ("spec", "rb", 8),
              ("test/integration/default", "rb", 2)]
    for c in range(cookbooks):
        name = f"{rng.choice(WORDS)}_{c:03d}"
        write(f"cookbooks/{name}/metadata.json",
              '{"name": "%s", "version": "1.%d.0", "dependencies": {}}\n' % (name, c))
        write(f"cookbooks/{name}/README.md", text(rng, per_file, "md"))
        for sub, kind, count in layout:
            for i in range(count):
                if written >= files - binaries - 40:
                    break
                size = int(per_file * rng.uniform(0.3, 1.7))
                write(f"cookbooks/{name}/{sub}/{rng.choice(WORDS)}_{i}.{kind}", text(rng, size, kind))
    for i in range(20):
        write(f"roles/role_{i:02d}.json", '{"name": "role_%02d", "run_list": []}\n' % i)
    for env in ("production", "staging", "development"):
        write(f"environments/{env}.json", '{"name": "%s"}\n' % env)
    while written < files - binaries:
        write(f"data_bags/items/item_{written:05d}.json",
              "{\n" + text(rng, per_file // 2, "json") + '  "id": "x"\n}\n')
    for i in range(binaries):
        write(f"cookbooks/vendor_{i}/files/default/blob_{i}.bin",
              rng.randbytes(binary_bytes // binaries), "wb")


main()
