"""PyTorch twin of a model nnc exports as a tfjs Layers artifact (model.json + its weight files):
the Sequential model rebuilt layer by layer (Conv2D, MaxPooling2D, AveragePooling2D, Flatten,
Dropout, Dense, SimpleRNN, GRU, LSTM) with the same weights, for fit.py and predict.py.

Recurrent layers become torch's own modules (nn.RNN, nn.GRU, nn.LSTM) where those compute the
same function, and otherwise a loop of torch ops that follows nnc's unrolling step for step:
tfjs-layers' gates default to hard_sigmoid (clip(0.2 x + 0.5, 0, 1)), which nn.LSTM / nn.GRU
lack, and its GRU resets before the recurrent product (reset_after false), which nn.GRU does not.
`build(..., native_gates=True)` instead gives such layers torch's module with sigmoid gates: not
the same model, only a timing of what a PyTorch user would write.

Layouts: a Keras kernel is [in, gates·units] with gate blocks along the columns, torch's weight_ih
[gates·units, in] along the rows. Gate order: LSTM i, f, c, o in both (torch calls c g); GRU is
z, r, h in Keras, r, z, n in torch. Keras has one bias (GRU reset_after: an input and a recurrent
row), torch two: the Keras bias goes to bias_ih and zeros to bias_hh. Initializers and
unit_forget_bias do not matter: every weight is copied from nnc's export.
"""
import json

import numpy as np
import torch

ACTIVATIONS = {
    "linear": lambda v: v,
    "relu": torch.relu,
    "tanh": torch.tanh,
    "sigmoid": torch.sigmoid,
    # tfjs-layers' (and nnc's) hard sigmoid, not torch's x/6 + 1/2
    "hard_sigmoid": lambda v: torch.clamp(0.2 * v + 0.5, 0.0, 1.0),
}


def refuse(layer, why):
    raise SystemExit(f"torch twin: {layer}: {why}")


def activation(name, layer):
    if name not in ACTIVATIONS:
        refuse(layer, f"activation {name} has no twin here")
    return ACTIVATIONS[name]


def param(w):
    return torch.nn.Parameter(torch.from_numpy(np.array(w, dtype=np.float32)))  # a copy: twins never share weights


class Activation(torch.nn.Module):
    def __init__(self, fn):
        super().__init__()
        self.fn = fn

    def forward(self, x):
        return self.fn(x)


class ChannelsLastFlatten(torch.nn.Module):
    """Keras flattens NHWC (h, w, c order); torch's NCHW activations are permuted back first."""

    def forward(self, x):
        return torch.flatten(x.permute(0, 2, 3, 1) if x.dim() == 4 else x, 1)


def pair(v):
    return tuple(v) if isinstance(v, (list, tuple)) else (v, v)


def conv2d(c, w):
    if c.get("dilation_rate", [1, 1]) not in ([1, 1], 1) or (c["padding"] == "same" and pair(c["strides"]) != (1, 1)):
        refuse(c["name"], "Conv2D: only stride-1 'same' or 'valid' without dilation")
    kernel = w["kernel"]
    conv = torch.nn.Conv2d(kernel.shape[2], c["filters"], pair(c["kernel_size"]), stride=pair(c["strides"]), padding=c["padding"], bias=c["use_bias"])
    conv.weight = param(kernel.transpose(3, 2, 0, 1))  # HWCF -> FCHW
    if c["use_bias"]:
        conv.bias = param(w["bias"])
    return conv


def dense(c, w):
    linear = torch.nn.Linear(*w["kernel"].shape, bias=c["use_bias"])
    linear.weight = param(w["kernel"].T)
    if c["use_bias"]:
        linear.bias = param(w["bias"])
    return linear


class RecurrentLoop(torch.nn.Module):
    """A Keras recurrent layer as nnc unrolls it: x · W + b over all steps in one product, then per
    step h · R and the cell's gates (a zero initial state leaves out the terms it multiplies)."""

    def __init__(self, kind, c, w):
        super().__init__()
        self.kind, self.units = kind, c["units"]
        self.go_backwards, self.return_sequences = c["go_backwards"], c["return_sequences"]
        self.act = activation(c["activation"], c["name"])
        self.gate = activation(c.get("recurrent_activation", "linear"), c["name"])
        self.reset_after = c.get("reset_after", False)
        self.kernel, self.recurrent = param(w["kernel"]), param(w["recurrent_kernel"])
        self.bias = param(w["bias"]) if c["use_bias"] else None

    def forward(self, x):
        # GRU reset_after: the bias' first row is the input's, its second the recurrent product's.
        input_bias = None if self.bias is None else self.bias[0] if self.reset_after else self.bias
        projected = x @ self.kernel + (0 if input_bias is None else input_bias)
        steps = range(x.shape[1] - 1, -1, -1) if self.go_backwards else range(x.shape[1])
        h, c, outputs = None, None, []
        for t in steps:
            h, c = self.step(projected[:, t], h, c)
            outputs.append(h)
        return torch.stack(outputs, 1) if self.return_sequences else outputs[-1]

    def blocks(self, v, n):
        return torch.split(v, self.units, dim=-1)[:n]

    def step(self, x, h, c):
        if self.kind == "SimpleRNN":
            return self.act(x if h is None else x + h @ self.recurrent), None
        if self.kind == "LSTM":
            zi, zf, zc, zo = self.blocks(x if h is None else x + h @ self.recurrent, 4)
            candidate = self.gate(zi) * self.act(zc)
            cell = candidate if c is None else self.gate(zf) * c + candidate
            return self.gate(zo) * self.act(cell), cell
        return self.gru_step(x, h), None

    def gru_step(self, x, h):
        xz, xr, xh = self.blocks(x, 3)
        u = self.units
        if self.reset_after:
            inner = None if h is None else h @ self.recurrent
            if self.bias is not None:
                inner = self.bias[1] if inner is None else inner + self.bias[1]
            if inner is None:
                z, candidate = self.gate(xz), self.act(xh)
            else:
                rz, rr, rh = self.blocks(inner, 3)
                z, r = self.gate(xz + rz), self.gate(xr + rr)
                candidate = self.act(xh + r * rh)
        elif h is not None:
            rz, rr = self.blocks(h @ self.recurrent[:, : 2 * u], 2)
            z, r = self.gate(xz + rz), self.gate(xr + rr)
            candidate = self.act(xh + (r * h) @ self.recurrent[:, 2 * u :])
        else:
            z, candidate = self.gate(xz), self.act(xh)
        kept = (1 - z) * candidate  # z ⊙ h + (1 − z) ⊙ candidate, in tfjs' order of operations
        return kept if h is None else z * h + kept


class TorchRecurrent(torch.nn.Module):
    """torch's nn.RNN / nn.GRU / nn.LSTM (batch first) with Keras' go_backwards and return_sequences."""

    def __init__(self, rnn, c):
        super().__init__()
        self.rnn, self.go_backwards, self.return_sequences = rnn, c["go_backwards"], c["return_sequences"]

    def forward(self, x):
        y, _ = self.rnn(x.flip(1) if self.go_backwards else x)  # Keras returns go_backwards' outputs in the order they ran
        return y if self.return_sequences else y[:, -1]


def torch_recurrent(kind, c, w):
    """torch's module for the layer, weights copied; the gate activation is taken to be sigmoid."""
    units, features = c["units"], w["kernel"].shape[0]
    bias = c["use_bias"]
    if kind == "LSTM":
        rnn, order = torch.nn.LSTM(features, units, batch_first=True, bias=bias), np.arange(4 * units)
    elif kind == "GRU":
        rnn = torch.nn.GRU(features, units, batch_first=True, bias=bias)
        order = np.concatenate([np.arange(units, 2 * units), np.arange(units), np.arange(2 * units, 3 * units)])  # z, r, h -> r, z, n
    else:
        rnn, order = torch.nn.RNN(features, units, batch_first=True, bias=bias, nonlinearity=c["activation"]), np.arange(units)
    values = {"weight_ih_l0": w["kernel"].T[order], "weight_hh_l0": w["recurrent_kernel"].T[order]}
    if bias:
        b = w["bias"].reshape(-1, len(order))
        values |= {"bias_ih_l0": b[0][order], "bias_hh_l0": b[1][order] if len(b) == 2 else np.zeros(len(order), np.float32)}
    with torch.no_grad():  # copied into the registered parameters, which the module keeps a flat list of
        for name, v in values.items():
            getattr(rnn, name).copy_(torch.from_numpy(np.array(v, dtype=np.float32)))
    return TorchRecurrent(rnn, c)


def recurrent(kind, c, w, native_gates):
    """The layer's twin and whether it is torch's own module."""
    if c.get("dropout", 0) or c.get("recurrent_dropout", 0):
        refuse(c["name"], f"{kind} with dropout has no twin here")
    if c.get("stateful") or c.get("return_state"):
        refuse(c["name"], f"{kind}: stateful / return_state have no twin here")
    gates_ok = kind == "SimpleRNN" or c["recurrent_activation"] == "sigmoid" or native_gates
    act_ok = c["activation"] in (("tanh", "relu") if kind == "SimpleRNN" else ("tanh",))
    if gates_ok and act_ok and (kind != "GRU" or c["reset_after"]):
        return torch_recurrent(kind, c, w), True
    return RecurrentLoop(kind, c, w), False


class Twin(torch.nn.Module):
    """The layers in order; forward gives the logits when the last layer's softmax is left out."""

    def __init__(self, modules, softmax, notes):
        super().__init__()
        self.body, self.softmax, self.notes = torch.nn.Sequential(*modules), softmax, notes

    def forward(self, x):
        return self.body(x)

    def probabilities(self, x):
        """The model's own outputs (softmax applied, as the Keras model ends)."""
        y = self.body(x)
        return torch.softmax(y, -1) if self.softmax else y


def build(spec, weights, native_gates=False):
    """The twin of a tfjs Layers model.json (`weights`: name -> array), and whether it used a loop
    of torch ops for a recurrent layer where torch's own module would differ (see native_gates)."""
    topology = spec["modelTopology"]
    if topology["class_name"] != "Sequential":
        raise SystemExit(f"torch twin: only Sequential models, got {topology['class_name']}")
    layers = topology["config"]["layers"]
    modules, notes, softmax, looped = [], [], False, False
    for n, layer in enumerate(layers):
        kind, c = layer["class_name"], layer["config"]
        w = {key.split("/", 1)[1]: v for key, v in weights.items() if key.split("/", 1)[0] == c["name"]}
        act = c.get("activation", "linear")
        if kind == "Conv2D":
            modules.append(conv2d(c, w))
        elif kind in ("MaxPooling2D", "AveragePooling2D"):
            if c["padding"] != "valid":
                refuse(c["name"], f"{kind}: only 'valid' padding")
            pool = torch.nn.MaxPool2d if kind == "MaxPooling2D" else torch.nn.AvgPool2d
            modules.append(pool(pair(c["pool_size"]), stride=pair(c["strides"] or c["pool_size"])))
        elif kind == "Flatten":
            modules.append(ChannelsLastFlatten())
        elif kind == "Dropout":
            modules.append(torch.nn.Dropout(c["rate"]))
        elif kind == "Dense":
            modules.append(dense(c, w))
        elif kind in ("SimpleRNN", "GRU", "LSTM"):
            module, native = recurrent(kind, c, w, native_gates)
            modules.append(module)
            looped = looped or not native
            gates = c.get("recurrent_activation")
            notes.append(f"{c['name']}: {kind} ({c['activation']}{f', {gates} gates' if gates else ''}) as "
                         + (f"torch.nn.{type(module.rnn).__name__}" + (" with sigmoid gates (NOT the same model)" if gates not in (None, "sigmoid") else "")
                            if native else "a loop of torch ops over the steps (torch's module would compute another function)"))
            act = "linear"
        else:
            refuse(c["name"], f"layer {kind} has no twin here")
        if kind in ("MaxPooling2D", "AveragePooling2D", "Flatten", "Dropout"):
            act = "linear"
        if act == "softmax":
            if n != len(layers) - 1:
                refuse(c["name"], "softmax only on the last layer (the loss takes its logits)")
            softmax = True
        elif act != "linear":
            modules.append(Activation(activation(act, c["name"])))
    return Twin(modules, softmax, notes), looped


def load(folder):
    """model.json and its weights (the manifest's files, float32, in its order) of a tfjs Layers artifact."""
    spec = json.load(open(f"{folder}/model.json"))
    manifest = spec["weightsManifest"]
    flat = np.concatenate([np.fromfile(f"{folder}/{path}", dtype=np.float32) for group in manifest for path in group["paths"]])
    weights, at = {}, 0
    for group in manifest:
        for w in group["weights"]:
            if w.get("dtype", "float32") != "float32":
                raise SystemExit(f"torch twin: weight {w['name']} is {w['dtype']}, not float32")
            size = int(np.prod(w["shape"]))
            weights[w["name"]] = flat[at : at + size].reshape(w["shape"])
            at += size
    if at != flat.size:
        raise SystemExit(f"torch twin: the manifest lists {at} weights, the files hold {flat.size}")
    return spec, weights


def keras_row(spec):
    """Shape of one input row as Keras has it ([28, 28] or NHWC [28, 28, 1])."""
    return spec["modelTopology"]["config"]["layers"][0]["config"]["batch_input_shape"][1:]


def torch_input(flat, row):
    """Rows of float32 values in Keras' layout as torch's input (NHWC images become NCHW)."""
    x = torch.from_numpy(np.ascontiguousarray(flat, dtype=np.float32).reshape(-1, *row))
    return x.permute(0, 3, 1, 2).contiguous() if x.dim() == 4 else x


def blas_lines():
    """The BLAS / oneDNN lines of torch's build config and numpy's BLAS, for the reader."""
    import re

    config = torch.__config__.show()
    torch_blas = [l.strip() for l in config.splitlines() if re.search(r"MKL|oneDNN|OpenBLAS", l) and "Build settings" not in l]
    torch_blas += re.findall(r"BLAS_INFO=\w+", config)
    try:
        numpy_blas = np.show_config(mode="dicts")["Build Dependencies"]["blas"]
        numpy_line = f"numpy {np.__version__}: BLAS {numpy_blas.get('name')} {numpy_blas.get('version', '')}".strip()
    except Exception:  # older numpy: no dict mode
        numpy_line = f"numpy {np.__version__}"
    return [f"torch {torch.__version__}, {torch.get_num_threads()} thread(s)", *torch_blas, numpy_line]
