"""PyTorch twin of the recipe for `npm run bench:train`: the model rebuilt from the tfjs Layers
JSON nnc exports (Sequential: Conv2D, MaxPooling2D, AveragePooling2D, Flatten, Dropout, Dense),
the same initial weights and data, Adam(1e-3, betas (0.9, 0.999), eps 1e-7), batch 32, shuffled,
one thread. Prints which BLAS ran, then JSON last (wall and CPU seconds of the fit, test accuracy).

    torch_fit.py CACHE EPOCHS   (CACHE holds model.json, weights.f32 and the *.f32 data arrays)
"""
import json
import re
import sys
import time

import numpy as np
import torch

cache, epochs = sys.argv[1], int(sys.argv[2])
torch.set_num_threads(1)
torch.manual_seed(42)


def blas_lines():
    """The BLAS / oneDNN lines of torch's build config and numpy's BLAS, for the reader."""
    config = torch.__config__.show()
    torch_blas = [l.strip() for l in config.splitlines() if re.search(r"MKL|oneDNN|OpenBLAS", l) and "Build settings" not in l]
    torch_blas += re.findall(r"BLAS_INFO=\w+", config)
    try:
        numpy_blas = np.show_config(mode="dicts")["Build Dependencies"]["blas"]
        numpy_line = f"numpy {np.__version__}: BLAS {numpy_blas.get('name')} {numpy_blas.get('version', '')}".strip()
    except Exception:  # older numpy: no dict mode
        numpy_line = f"numpy {np.__version__}"
    return [f"torch {torch.__version__}, {torch.get_num_threads()} thread(s)", *torch_blas, numpy_line]


class ChannelsLastFlatten(torch.nn.Module):
    """Keras flattens NHWC (h, w, c order); torch's NCHW activations are permuted back first."""

    def forward(self, x):
        return torch.flatten(x.permute(0, 2, 3, 1) if x.dim() == 4 else x, 1)


def pair(v):
    return tuple(v) if isinstance(v, (list, tuple)) else (v, v)


def build(topology, row_shape):
    """nn.Sequential of the Keras layers, and the weight tensors in the manifest's order with how each maps."""
    if topology["class_name"] != "Sequential":
        raise SystemExit(f"torch twin: only Sequential models, got {topology['class_name']}")
    modules, params = [], []
    for layer in topology["config"]["layers"]:
        kind, c = layer["class_name"], layer["config"]
        act = c.get("activation", "linear")
        if kind == "Conv2D":
            if c.get("dilation_rate", [1, 1]) not in ([1, 1], 1) or (c["padding"] == "same" and pair(c["strides"]) != (1, 1)):
                raise SystemExit(f"torch twin: Conv2D {c['name']}: only stride-1 'same' or 'valid' without dilation")
            conv = torch.nn.LazyConv2d(c["filters"], pair(c["kernel_size"]), stride=pair(c["strides"]), padding=c["padding"], bias=c["use_bias"])
            modules.append(conv)
            params.append((conv, "weight", lambda w: w.permute(3, 2, 0, 1)))  # HWCF -> FCHW
            if c["use_bias"]:
                params.append((conv, "bias", lambda w: w))
        elif kind in ("MaxPooling2D", "AveragePooling2D"):
            if c["padding"] != "valid":
                raise SystemExit(f"torch twin: {kind} {c['name']}: only 'valid' padding")
            pool = torch.nn.MaxPool2d if kind == "MaxPooling2D" else torch.nn.AvgPool2d
            modules.append(pool(pair(c["pool_size"]), stride=pair(c["strides"] or c["pool_size"])))
            act = "linear"
        elif kind == "Flatten":
            modules.append(ChannelsLastFlatten())
        elif kind == "Dropout":
            modules.append(torch.nn.Dropout(c["rate"]))
        elif kind == "Dense":
            dense = torch.nn.LazyLinear(c["units"], bias=c["use_bias"])
            modules.append(dense)
            params.append((dense, "weight", lambda w: w.T))
            if c["use_bias"]:
                params.append((dense, "bias", lambda w: w))
        else:
            raise SystemExit(f"torch twin: layer {kind} has no twin here")
        if act == "relu":
            modules.append(torch.nn.ReLU())
        elif act not in ("linear", "softmax"):  # softmax: CrossEntropyLoss takes the logits
            raise SystemExit(f"torch twin: activation {act} has no twin here")
    model = torch.nn.Sequential(*modules)
    model(torch.zeros(1, *row_shape))  # materializes the lazy layers' shapes
    return model, params


load = lambda name: np.fromfile(f"{cache}/{name}", dtype=np.float32)
spec = json.load(open(f"{cache}/model.json"))
topology = spec["modelTopology"]
keras_row = topology["config"]["layers"][0]["config"]["batch_input_shape"][1:]
# NHWC images become NCHW for torch's convolutions.
torch_row = [keras_row[2], keras_row[0], keras_row[1]] if len(keras_row) == 3 else keras_row


def examples(name):
    x = torch.from_numpy(load(name).reshape(-1, *keras_row))
    return (x.permute(0, 3, 1, 2) if x.dim() == 4 else x).contiguous()


x, y = examples("train-x.f32"), torch.from_numpy(load("train-y.f32")).long()
tx, ty = examples("test-x.f32"), torch.from_numpy(load("test-y.f32")).long()
model, params = build(topology, torch_row)
flat = load("weights.f32")
shapes = [w["shape"] for group in spec["weightsManifest"] for w in group["weights"]]
with torch.no_grad():
    at = 0
    for (module, attr, to_torch), shape in zip(params, shapes, strict=True):
        size = int(np.prod(shape))
        getattr(module, attr).copy_(to_torch(torch.from_numpy(flat[at : at + size].reshape(shape).copy())))
        at += size
opt = torch.optim.Adam(model.parameters(), lr=1e-3, betas=(0.9, 0.999), eps=1e-7)
loss_fn = torch.nn.CrossEntropyLoss()
for line in blas_lines():
    print(f"pytorch: {line}")
model.train()
start, cpu_start = time.perf_counter(), time.process_time()
for _ in range(epochs):
    perm = torch.randperm(x.shape[0])
    for i in range(0, x.shape[0], 32):
        idx = perm[i : i + 32]
        opt.zero_grad()
        loss = loss_fn(model(x[idx]), y[idx])
        loss.backward()
        opt.step()
seconds, cpu = time.perf_counter() - start, time.process_time() - cpu_start
model.eval()
with torch.no_grad():
    accuracy = (torch.cat([model(tx[i : i + 500]) for i in range(0, tx.shape[0], 500)]).argmax(1) == ty).float().mean().item()
print(json.dumps({"seconds": seconds, "cpu": cpu, "accuracy": accuracy}))
