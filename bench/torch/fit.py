"""PyTorch's side of `npm run bench:train`: the twin of the model (twin.py, the same initial
weights), checked against nnc's reference interpreter, then fitted as the recipe says: Adam(1e-3,
betas (0.9, 0.999), eps 1e-7), batch 32, shuffled, one thread. When a recurrent layer needed a loop
of torch ops (gates torch's modules lack), the same fit is also timed with torch's own module and
sigmoid gates: not the same model, a timing of what a PyTorch user would write. Prints which BLAS
ran, then JSON last: per run, wall and CPU seconds of the fit and test accuracy.

    fit.py CACHE EPOCHS   (CACHE: model.json + weights, train/test-{x,y}.f32, check-{x,y}.f32)
"""
import json
import sys
import time

import numpy as np
import torch

from twin import blas_lines, build, keras_row, load, torch_input

CHECK_LIMIT = 1e-5

cache, epochs = sys.argv[1], int(sys.argv[2])
torch.set_num_threads(1)

spec, weights = load(cache)
row = keras_row(spec)
read = lambda name: np.fromfile(f"{cache}/{name}", dtype=np.float32)
x, y = torch_input(read("train-x.f32"), row), torch.from_numpy(read("train-y.f32")).long()
tx, ty = torch_input(read("test-x.f32"), row), torch.from_numpy(read("test-y.f32")).long()

twin, looped = build(spec, weights)
for line in [*blas_lines(), *twin.notes]:
    print(f"pytorch: {line}")

# The twin must be the same model: its outputs on the check rows against nnc's reference interpreter.
twin.eval()
check_x = torch_input(read("check-x.f32"), row)
with torch.no_grad():
    delta = np.abs(twin.probabilities(check_x).numpy().ravel() - read("check-y.f32")).max()
check_rows = check_x.shape[0]
print(f"pytorch: twin check: max |Δ| = {delta:.1e} from nnc's reference interpreter on {check_rows} test images (limit {CHECK_LIMIT:g})")
if not delta <= CHECK_LIMIT:
    raise SystemExit(f"torch twin: NOT the same model as nnc's: max |Δ| = {delta:.3e} > {CHECK_LIMIT:g}")

runs = [("pytorch (1 thread)", twin)]
if looped:  # built before any fit: from the same initial weights
    native, still_looped = build(spec, weights, native_gates=True)
if looped and not still_looped:  # (a GRU with reset_after false has no torch module at all)
    runs.append(("pytorch-nn (sigmoid gates: timing only)", native))


def fit(model):
    torch.manual_seed(42)
    opt = torch.optim.Adam(model.parameters(), lr=1e-3, betas=(0.9, 0.999), eps=1e-7)
    loss_fn = torch.nn.CrossEntropyLoss()
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
    return {"seconds": seconds, "cpu": cpu, "accuracy": accuracy}


print(json.dumps({"runs": [{"runner": name, **fit(model)} for name, model in runs]}))
