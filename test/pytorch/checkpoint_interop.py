"""PyTorch's side of test/pytorch-checkpoint.test.ts: follows the README's "In PyTorch" recipes, and writes
test/fixtures/pytorch/checkpoint-interop.json and torch-{f32,f64,named}.safetensors (with --check, compares the
live PyTorch with them; see fixture_files.py).

heavyball -> PyTorch: each checkpoint heavyball wrote (heavyball-<i>.safetensors, with x and the gradients in
checkpoint-inputs.json, committed by test/pytorch/fixtures.mjs) is loaded into the nn.Sequential its `heavyball.architecture` describes
(strictly from the non-`optimizer.` tensors), run on `x` in eval mode, and its optimizer state is put into
torch.optim as the README says and stepped once with the given gradients.
PyTorch -> heavyball: a seeded nn.Sequential's state dict is written as safetensors (plus an F64 one and
one with named submodules, which heavyball must refuse), with its logits on `x`.

The `safetensors` package is not available, so load_file and save_file implement the format
(https://github.com/huggingface/safetensors): a u64 little-endian header length N, N bytes of JSON header
{name: {dtype, shape, data_offsets: [begin, end]}, "__metadata__": {str: str}}, then the data buffer.
Float32 arrays cross JSON as base64 of their little-endian bytes.
"""
import copy
import json
import math
import struct
from collections import OrderedDict

import numpy as np
import torch
from torch import nn

from fixture_files import FIXTURES, f32, from_f32, json_bytes, main
from optimizer_reference import _single_tensor_adam

DTYPES = {"F32": (torch.float32, np.dtype("<f4")), "F64": (torch.float64, np.dtype("<f8"))}


def load_file(path):
    """The tensors (by name) and metadata of a safetensors file, checking that entries tile the data buffer."""
    with open(path, "rb") as f:
        data = f.read()
    (n,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8 : 8 + n].decode("utf-8"))
    metadata = header.pop("__metadata__", {})
    buffer = data[8 + n :]
    tensors, covered = {}, 0
    for name, entry in sorted(header.items(), key=lambda item: item[1]["data_offsets"]):
        dtype, np_dtype = DTYPES[entry["dtype"]]
        begin, end = entry["data_offsets"]
        assert begin == covered and end - begin == math.prod(entry["shape"]) * np_dtype.itemsize, name
        covered = end
        array = np.frombuffer(buffer[begin:end], dtype=np_dtype).astype(np_dtype.newbyteorder("="))
        tensors[name] = torch.from_numpy(array).reshape(entry["shape"]).to(dtype)
    assert covered == len(buffer), "bytes at the end of the data belong to no tensor"
    return tensors, metadata


def save_file(tensors, metadata=None):
    """The file's bytes: `tensors` in order, the header space-padded so that 8 + N is a multiple of 8."""
    header, chunks, offset = {}, [], 0
    if metadata:
        header["__metadata__"] = metadata
    for name, tensor in tensors.items():
        code = next(code for code, (dtype, _) in DTYPES.items() if dtype == tensor.dtype)
        raw = tensor.detach().contiguous().numpy().astype(DTYPES[code][1]).tobytes()
        header[name] = {"dtype": code, "shape": list(tensor.shape), "data_offsets": [offset, offset + len(raw)]}
        chunks.append(raw)
        offset += len(raw)
    text = json.dumps(header, separators=(",", ":")).encode("utf-8")
    text += b" " * (-len(text) % 8)
    return struct.pack("<Q", len(text)) + text + b"".join(chunks)


MODULES = {
    "linear": lambda layer: nn.Linear(layer["inFeatures"], layer["outFeatures"]),
    "relu": lambda layer: nn.ReLU(),
    "dropout": lambda layer: nn.Dropout(layer["p"]),
}


def build(layers):
    return nn.Sequential(*(MODULES[layer["type"]](layer) for layer in layers))


def magnitude(model, x):
    """Per output, float64: the network run on |x| with |W| and |b|, which bounds |every partial sum| of the
    float32 forward (ReLU and eval-mode dropout only shrink |h|)."""
    h = x.double().abs()
    for m in model:
        assert isinstance(m, (nn.Linear, nn.ReLU, nn.Dropout))
        if isinstance(m, nn.Linear):
            h = h @ m.weight.double().abs().t() + m.bias.double().abs()
    return h.flatten().tolist()


def optimizer_from(record, model, tensors):
    """The README's recipe: torch.optim state from heavyball's `heavyball.optimizer` record and tensors."""
    (group,) = record["groups"]
    h = group["hyperparameters"]
    params = dict(model.named_parameters())
    assert sorted(group["params"]) == sorted(params)
    if record["kind"] == "SGD":
        opt = torch.optim.SGD(model.parameters(), lr=h["lr"], momentum=h["momentum"], dampening=h["dampening"],
                              nesterov=h["nesterov"], weight_decay=h["weightDecay"])
        if group["momentumBufferStarted"]:
            for name, p in params.items():
                opt.state[p]["momentum_buffer"] = tensors[f"optimizer.momentum_buffer.{name}"].clone()
        return opt
    assert record["kind"] == "Adam"
    opt = torch.optim.Adam(model.parameters(), lr=h["lr"], betas=tuple(h["betas"]), eps=h["eps"],
                           weight_decay=h["weightDecay"], amsgrad=h["amsgrad"])
    for name, p in params.items():
        for key in record["buffers"]:
            opt.state[p][key] = tensors[f"optimizer.{key}.{name}"].clone()
        opt.state[p]["step"] = torch.tensor(float(record["step"]))
    return opt


def adam_step_2x(opt):
    """torch.optim.Adam's step as PyTorch 2.x takes it, which heavyball follows (1.13's class updates
    exp_avg with mul_ and add_ instead of lerp_): optimizer_reference's transcription of 2.x's code."""
    with torch.no_grad():
        for group in opt.param_groups:
            params = [p for p in group["params"] if p.grad is not None]
            states = [opt.state[p] for p in params]
            beta1, beta2 = group["betas"]
            _single_tensor_adam(
                params, [p.grad for p in params], [s["exp_avg"] for s in states],
                [s["exp_avg_sq"] for s in states], [s.get("max_exp_avg_sq") for s in states],
                [s["step"] for s in states], amsgrad=group["amsgrad"], beta1=beta1, beta2=beta2,
                lr=group["lr"], weight_decay=group["weight_decay"], eps=group["eps"],
                maximize=group["maximize"], decoupled_weight_decay=False)


def from_heavyball(case, x):
    tensors, meta = load_file(FIXTURES / case["file"])
    layers = json.loads(meta["heavyball.architecture"])["layers"]
    model = build(layers)
    model.load_state_dict({k: v for k, v in tensors.items() if not k.startswith("optimizer.")})
    loose = build(layers).load_state_dict(tensors, strict=False)
    model.eval()
    with torch.no_grad():
        logits = model(x)
        # A layout error: layer 0's weight read as [in, out] and transposed to fit.
        mangled = copy.deepcopy(model)
        w = mangled[0].weight
        w.copy_(w.flatten().reshape(w.shape[1], w.shape[0]).t().clone())
        transposed = mangled(x)

    record = json.loads(meta["heavyball.optimizer"])
    opt = optimizer_from(record, model, tensors)
    for name, p in model.named_parameters():
        p.grad = from_f32(case["grad"][name], p.shape)
    out = {
        "step": meta["heavyball.step"],
        "layers": layers,
        "stateDictKeys": list(model.state_dict().keys()),
        "missingKeys": loose.missing_keys,
        "unexpectedKeys": loose.unexpected_keys,
        "logits": f32(logits),
        "transposed": f32(transposed),
        "magnitude": magnitude(model, x),
    }
    if record["kind"] == "Adam":
        # The README's state also drives 1.13's own Adam class (its `step` must be a tensor there).
        twin = copy.deepcopy(model)
        twin_opt = optimizer_from(record, twin, tensors)
        for p, q in zip(model.parameters(), twin.parameters()):
            q.grad = p.grad.clone()
        twin_opt.step()
        out["classSteps"] = sorted({s["step"].item() for s in twin_opt.state.values()})
        adam_step_2x(opt)
    else:
        opt.step()
    out["stepped"] = {name: f32(p) for name, p in model.named_parameters()}
    return out


def from_torch(seed, x):
    """A seeded nn.Sequential's state dict as safetensors, as F32, with one F64 tensor, and with named
    submodules; its logits on x."""
    torch.manual_seed(seed)
    model = nn.Sequential(nn.Linear(20, 16), nn.ReLU(), nn.Linear(16, 3))
    state = model.state_dict()
    named = nn.Sequential(OrderedDict([("fc1", nn.Linear(20, 16)), ("act", nn.ReLU()), ("fc2", nn.Linear(16, 3))]))
    files = {
        "torch-f32.safetensors": save_file({k: v.float().contiguous() for k, v in state.items()}),
        "torch-f64.safetensors": save_file({k: v.double() if k == "2.bias" else v for k, v in state.items()}),
        "torch-named.safetensors": save_file(named.state_dict()),
    }
    with torch.no_grad():
        logits = model(x)
    return files, {"logits": f32(logits), "magnitude": magnitude(model, x)}


def fixtures():
    inputs = json.loads((FIXTURES / "checkpoint-inputs.json").read_text())
    x = from_f32(inputs["x"], (-1, 20))
    files, from_torch_outputs = from_torch(3, x)
    outputs = {"heavyball": [from_heavyball(case, x) for case in inputs["cases"]], "torch": from_torch_outputs}
    return {"checkpoint-interop.json": json_bytes(outputs), **files}


if __name__ == "__main__":
    main("checkpoint_interop.py", fixtures)
