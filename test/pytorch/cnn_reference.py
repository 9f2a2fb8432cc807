"""PyTorch's side of test/pytorch-cnn.test.ts, as committed fixtures.

  /usr/bin/python3 test/pytorch/cnn_reference.py           writes test/fixtures/pytorch/cnn_reference.json
  /usr/bin/python3 test/pytorch/cnn_reference.py --check   recomputes it with this PyTorch; exits 1 naming what differs

Layers/cases: each case is a list of heavyball layer descriptions, built here as the nn.Sequential they
stand for, with PyTorch's default init from torch.manual_seed(seed). For a batch of uniform inputs and
random labels it records, as float32 bit patterns: the state dict, the logits, the mean cross-entropy,
every parameter's gradient, and the parameters after one and after two steps of SGD(lr, momentum=0.9) on
that batch; and, per logit, the float64 network run on |x| with |W| and |b| (a bound on the size of every
partial sum of the float32 forward, which the test scales its tolerance by).

Checkpoint: test/fixtures/pytorch/cnn_checkpoint.safetensors is a heavyball checkpoint of the default
MNIST CNN's layers at a quarter of their widths (seed 1), written by test/pytorch/write_cnn_checkpoint.mjs from dist/ (run `npm run build`
first). It is loaded into nn.Sequential with strict=True and its logits on the fixture's images recorded.
With --check the checkpoint is written again to a temporary file and must have the same bytes.
One thread, ATen's portable kernels: sums in a fixed order.
"""
import json
import os
import struct
import subprocess
import sys
import tempfile

os.environ["ATEN_CPU_CAPABILITY"] = "default"
import numpy as np  # noqa: E402
import torch  # noqa: E402
from torch import nn  # noqa: E402
from torch.nn import functional as F  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
FIXTURES = os.path.join(HERE, "..", "fixtures", "pytorch")
JSON_PATH = os.path.join(FIXTURES, "cnn_reference.json")
CHECKPOINT_PATH = os.path.join(FIXTURES, "cnn_checkpoint.safetensors")
WRITER = os.path.join(HERE, "write_cnn_checkpoint.mjs")


def conv(inc, outc, k, stride=1, padding=0):
    return {"type": "conv2d", "inChannels": inc, "outChannels": outc, "kernelSize": k, "stride": stride, "padding": padding, "init": "pytorch"}


def lin(i, o):
    return {"type": "linear", "inFeatures": i, "outFeatures": o, "init": "pytorch"}


def act(kind):
    return {"type": kind}


def pool(k, stride):
    return {"type": "maxPool2d", "kernelSize": k, "stride": stride}


# heavyball's default MNIST CNN (mnistCnn()) at a quarter of its widths, so the fixtures stay small.
SMALL_MNIST_CNN = [conv(1, 4, 5, 1, 2), act("relu"), pool(2, 2), conv(4, 8, 5, 1, 2), act("relu"), pool(2, 2),
                   act("flatten"), lin(392, 32), act("relu"), lin(32, 10)]

CASES = [
    {"name": "stride 2 with padding, odd sizes, overlapping pooling, tanh", "seed": 1, "inputShape": [1, 13, 11], "batch": 3,
     "lr": 0.1, "layers": [conv(1, 4, 3, 2, 1), act("relu"), conv(4, 6, 3), act("tanh"), pool(3, 2), act("flatten"), lin(12, 10)]},
    {"name": "1x1 convolution, several channels, batch 1", "seed": 2, "inputShape": [3, 8, 8], "batch": 1,
     "lr": 0.05, "layers": [conv(3, 5, 1), act("relu"), pool(2, 2), conv(5, 7, 3, 1, 1), act("sigmoid"), act("flatten"), lin(112, 10)]},
    {"name": "the default MNIST CNN's layers, narrower", "seed": 3, "inputShape": [1, 28, 28], "batch": 4, "lr": 0.05, "layers": SMALL_MNIST_CNN},
]

MODULES = {
    "conv2d": lambda l: nn.Conv2d(l["inChannels"], l["outChannels"], l["kernelSize"], stride=l["stride"], padding=l["padding"]),
    "maxPool2d": lambda l: nn.MaxPool2d(l["kernelSize"], l["stride"]),
    "flatten": lambda l: nn.Flatten(),
    "linear": lambda l: nn.Linear(l["inFeatures"], l["outFeatures"]),
    "relu": lambda l: nn.ReLU(),
    "tanh": lambda l: nn.Tanh(),
    "sigmoid": lambda l: nn.Sigmoid(),
}


def build(layers):
    return nn.Sequential(*(MODULES[layer["type"]](layer) for layer in layers))


def bits(tensor):
    return tensor.detach().contiguous().float().numpy().view("<u4").ravel().tolist()


def magnitude(model, x):
    """Per logit, float64: the network on |x| with |W| and |b| (activations by their absolute bounds)."""
    h = x.double().abs()
    for m in model:
        if isinstance(m, nn.Conv2d):
            h = F.conv2d(h, m.weight.double().abs(), m.bias.double().abs(), m.stride, m.padding)
        elif isinstance(m, nn.Linear):
            h = h @ m.weight.double().abs().t() + m.bias.double().abs()
        elif isinstance(m, nn.MaxPool2d):
            h = F.max_pool2d(h, m.kernel_size, m.stride)
        elif isinstance(m, nn.Flatten):
            h = h.flatten(1)
        elif isinstance(m, nn.Sigmoid):
            h = torch.ones_like(h)
        elif isinstance(m, nn.Tanh):
            h = torch.clamp(h, max=1)
    return h.flatten().tolist()


def reference(case):
    torch.manual_seed(case["seed"])
    model = build(case["layers"])
    x = torch.rand(case["batch"], *case["inputShape"])
    labels = torch.randint(0, 10, (case["batch"],))
    out = {"name": case["name"], "layers": case["layers"], "inputShape": case["inputShape"], "lr": case["lr"], "momentum": 0.9,
           "x": bits(x), "labels": labels.tolist(), "magnitude": magnitude(model, x),
           "params": {name: bits(p) for name, p in model.state_dict().items()}}
    opt = torch.optim.SGD(model.parameters(), lr=case["lr"], momentum=0.9)
    for step in (1, 2):
        opt.zero_grad()
        logits = model(x)
        loss = F.cross_entropy(logits, labels)
        loss.backward()
        if step == 1:
            out["logits"] = bits(logits)
            out["loss"] = loss.item()
            out["grads"] = {name: bits(p.grad) for name, p in model.named_parameters()}
        opt.step()
        out[f"paramsAfter{step}"] = {name: bits(p) for name, p in model.named_parameters()}
    return out


def load_safetensors(path):
    """The F32 tensors of a safetensors file: u64 header length N, N bytes of JSON header, the data."""
    with open(path, "rb") as f:
        data = f.read()
    (n,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8:8 + n].decode("utf-8"))
    header.pop("__metadata__", None)
    tensors = {}
    for name, entry in header.items():
        assert entry["dtype"] == "F32", name
        begin, end = entry["data_offsets"]
        array = np.frombuffer(data[8 + n + begin:8 + n + end], dtype="<f4").astype(np.float32)
        tensors[name] = torch.from_numpy(array.copy()).reshape(entry["shape"])
    return tensors


def checkpoint_logits(path):
    """The README's recipe: the checkpoint's weights into nn.Sequential with strict=True, logits in eval mode."""
    torch.manual_seed(4)
    x = torch.rand(5, 1, 28, 28)
    model = build(SMALL_MNIST_CNN)
    model.load_state_dict(load_safetensors(path), strict=True)
    model.eval()
    with torch.no_grad():
        logits = model(x)
    return {"x": bits(x), "logits": bits(logits), "magnitude": magnitude(model, x)}


def write_checkpoint(path):
    subprocess.run(["node", WRITER, path], check=True)


def compute():
    torch.set_num_threads(1)
    return {"torch": torch.__version__, "cases": [reference(case) for case in CASES], "checkpoint": checkpoint_logits(CHECKPOINT_PATH)}


def differences(old, new, where=""):
    """Paths at which two JSON values differ: bit patterns exactly, except the loss (a float64 print)."""
    if isinstance(old, dict) and isinstance(new, dict):
        keys = sorted(set(old) | set(new))
        return [d for k in keys if k != "torch" for d in differences(old.get(k), new.get(k), f"{where}.{k}")]
    if isinstance(old, list) and isinstance(new, list) and len(old) == len(new) and old and isinstance(old[0], (dict, list)):
        return [d for i, (a, b) in enumerate(zip(old, new)) for d in differences(a, b, f"{where}[{i}]")]
    if isinstance(old, float) and isinstance(new, float):
        return [] if abs(old - new) <= 1e-6 * abs(old) else [where]
    return [] if old == new else [where]


def main():
    if "--check" in sys.argv:
        with tempfile.TemporaryDirectory() as tmp:
            fresh = os.path.join(tmp, "cnn_checkpoint.safetensors")
            write_checkpoint(fresh)
            with open(fresh, "rb") as a, open(CHECKPOINT_PATH, "rb") as b:
                same_checkpoint = a.read() == b.read()
        with open(JSON_PATH) as f:
            old = json.load(f)
        diff = differences(old, json.loads(json.dumps(compute())))
        if not same_checkpoint:
            diff.insert(0, "cnn_checkpoint.safetensors (heavyball writes other bytes now)")
        if diff:
            print("cnn_reference: the committed fixtures differ from this PyTorch at " + ", ".join(diff[:20]), file=sys.stderr)
            sys.exit(1)
        print("cnn_reference: fixtures match")
        return
    write_checkpoint(CHECKPOINT_PATH)
    with open(JSON_PATH, "w") as f:
        json.dump(compute(), f, separators=(",", ":"))
        f.write("\n")


main()
