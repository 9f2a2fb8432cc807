"""Writing and checking the committed PyTorch fixtures (test/fixtures/pytorch/).

Every script in test/pytorch/ produces its fixtures as {file name: bytes} and hands them to `main`: run
plainly it writes them (each to a temporary name, then renamed); with --check it compares them with the
committed files and exits 1 naming each file, and in a JSON file the first value, that differs.

Importing this module also pins ATen to its portable kernels and one thread before torch loads: they round
every float32 operation as written and sum in a fixed order, as heavyball's standard build does (ATen's
AVX2/AVX-512 kernels fuse add(alpha), lerp and addcmul into FMAs).
"""
import base64
import json
import os
import sys
from pathlib import Path

os.environ["ATEN_CPU_CAPABILITY"] = "default"
os.environ["OMP_NUM_THREADS"] = "1"
os.environ["MKL_NUM_THREADS"] = "1"

import numpy as np  # noqa: E402
import torch  # noqa: E402

torch.set_num_threads(1)

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "pytorch"


def f32(values):
    """A float32 tensor or array as base64 of its little-endian bytes (exact, and a quarter the size of JSON numbers)."""
    if isinstance(values, torch.Tensor):
        values = values.detach().contiguous().numpy()
    return base64.b64encode(np.ascontiguousarray(values, dtype="<f4").tobytes()).decode("ascii")


def from_f32(text, shape=(-1,)):
    return torch.from_numpy(np.frombuffer(base64.b64decode(text), dtype="<f4").copy()).reshape(shape)


def json_bytes(value):
    return (json.dumps(value, indent=1) + "\n").encode("utf-8")


def first_difference(committed, fresh, path="$"):
    """The JSON path of the first value that differs, with both values, or None."""
    if isinstance(committed, dict) and isinstance(fresh, dict):
        for key in sorted(committed.keys() | fresh.keys()):
            if key not in committed or key not in fresh:
                return f"{path}.{key}: only in the {'committed' if key in committed else 'fresh'} file"
            found = first_difference(committed[key], fresh[key], f"{path}.{key}")
            if found:
                return found
        return None
    if isinstance(committed, list) and isinstance(fresh, list):
        if len(committed) != len(fresh):
            return f"{path}: {len(committed)} items committed, {len(fresh)} now"
        for i, (a, b) in enumerate(zip(committed, fresh)):
            found = first_difference(a, b, f"{path}[{i}]")
            if found:
                return found
        return None
    return None if committed == fresh else f"{path}: committed {str(committed)[:80]}, now {str(fresh)[:80]}"


def differences(files):
    for name, data in files.items():
        path = FIXTURES / name
        if not path.exists():
            yield f"{name}: not committed"
            continue
        committed = path.read_bytes()
        if committed == data:
            continue
        where = first_difference(json.loads(committed), json.loads(data)) if name.endswith(".json") else None
        yield f"{name}: {where or 'the bytes differ'}"


def main(script, produce):
    """`produce()` returns the fixtures as {file name: bytes}; see the module's docstring."""
    files = produce()
    if "--check" in sys.argv[1:]:
        found = list(differences(files))
        for line in found:
            print(f"{script}: PyTorch {torch.__version__} disagrees with {line}", file=sys.stderr)
        if found:
            sys.exit(1)
        print(f"{script}: PyTorch {torch.__version__} agrees with {', '.join(sorted(files))}")
        return
    FIXTURES.mkdir(parents=True, exist_ok=True)
    for name, data in files.items():
        temporary = FIXTURES / f".{name}.tmp"
        temporary.write_bytes(data)
        temporary.replace(FIXTURES / name)
    print(f"{script}: wrote {', '.join(sorted(files))} in {FIXTURES}")
