#!/usr/bin/env python3
"""Builds the npm package into pkg/ from the settings in scripts/build_pkg.toml.

One cargo build of the .wasm, one wasm-bindgen run per target, wasm-opt from
the npm `binaryen` package on each module, then the JS entry points and
package.json from js/. Prints the .wasm sizes (raw, gzip, brotli).
"""
import gzip
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tomllib

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def run(cmd, **kw):
    print("+", " ".join(cmd), flush=True)
    subprocess.run(cmd, check=True, cwd=ROOT, **kw)


def cargo_version():
    with open(os.path.join(ROOT, "Cargo.toml"), "rb") as f:
        return tomllib.load(f)["package"]["version"]


def brotli_size(data):
    try:
        import brotli  # type: ignore
        return len(brotli.compress(data, quality=11))
    except ImportError:
        out = subprocess.run(
            ["node", "-e", "const z=require('zlib');const b=require('fs').readFileSync(0);"
             "process.stdout.write(String(z.brotliCompressSync(b,{params:{[z.constants.BROTLI_PARAM_QUALITY]:11}}).length))"],
            input=data, capture_output=True, check=True)
        return int(out.stdout)


def main():
    with open(os.path.join(ROOT, "scripts", "build_pkg.toml"), "rb") as f:
        cfg = tomllib.load(f)
    build, bindgen, opt = cfg["build"], cfg["bindgen"], cfg["wasm-opt"]
    out = os.path.join(ROOT, cfg["package"]["out-dir"])
    env = dict(os.environ)
    # zstd's C code is compiled for wasm32 by clang.
    env.setdefault("CC_wasm32_unknown_unknown", "clang")
    env.setdefault("AR_wasm32_unknown_unknown", "llvm-ar" if shutil.which("llvm-ar") else "ar")
    run(["cargo", "build", "--lib", "--locked", "--target", build["target"], "--no-default-features",
         "--features", ",".join(build["features"]), "--profile", build["profile"]], env=env)
    wasm = os.path.join(ROOT, "target", build["target"], build["profile"], "activation_layer.wasm")
    # Skip the slow part (wasm-opt) when neither the module, the JS sources
    # nor the settings changed since the last build of pkg/.
    stamp = stamp_of([wasm, os.path.join(ROOT, "scripts", "build_pkg.toml"), os.path.join(ROOT, "Cargo.toml")], os.path.join(ROOT, "js"))
    stamp_file = os.path.join(out, ".build-stamp")
    if os.path.exists(stamp_file) and open(stamp_file).read() == stamp:
        print("pkg/ is up to date")
        return
    shutil.rmtree(out, ignore_errors=True)
    os.makedirs(out)
    wasm_opt = os.path.join(ROOT, "node_modules", ".bin", "wasm-opt")
    if opt["enabled"] and not os.path.exists(wasm_opt):
        sys.exit(f"wasm-opt from the npm package {opt['package']} is missing: run npm ci first")
    for target in bindgen["targets"]:
        dest = os.path.join(out, target)
        run(["wasm-bindgen", wasm, "--target", target, "--out-dir", dest, *bindgen["flags"]])
        module = os.path.join(dest, "activation_layer_bg.wasm")
        if opt["enabled"]:
            run([wasm_opt, module, "-o", module, *opt["flags"]])
    js = os.path.join(ROOT, "js")
    for entry in ("node", "bundler", "worker"):
        shutil.copytree(os.path.join(js, entry), os.path.join(out, entry))
    shutil.copy(os.path.join(js, "README.md"), os.path.join(out, "README.md"))
    with open(os.path.join(js, "package.json")) as f:
        pkg = json.load(f)
    pkg["name"] = cfg["package"]["name"]
    pkg["version"] = cargo_version()
    with open(os.path.join(out, "package.json"), "w") as f:
        json.dump(pkg, f, indent=2)
        f.write("\n")
    data = open(os.path.join(out, "web", "activation_layer_bg.wasm"), "rb").read()
    sizes = {"raw": len(data), "gzip": len(gzip.compress(data, 9)), "brotli": brotli_size(data)}
    with open(os.path.join(out, "wasm-size.json"), "w") as f:
        json.dump(sizes, f)
    print("wasm size: " + ", ".join(f"{k} {v / 1e6:.3f} MB" for k, v in sizes.items()))
    with open(stamp_file, "w") as f:
        f.write(stamp)


def stamp_of(files, tree):
    h = hashlib.sha256()
    paths = list(files)
    for d, _, names in sorted(os.walk(tree)):
        paths.extend(os.path.join(d, n) for n in sorted(names))
    for p in paths:
        h.update(p.encode())
        with open(p, "rb") as f:
            h.update(f.read())
    return h.hexdigest()


if __name__ == "__main__":
    main()
