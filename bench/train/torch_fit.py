"""PyTorch twin of the recipe for `npm run bench:train`: same data, same initial weights,
Adam(1e-3, betas (0.9, 0.999), eps 1e-7), batch 32, shuffled, one thread. Prints JSON last."""
import json
import sys
import time

import numpy as np
import torch

cache, epochs = sys.argv[1], int(sys.argv[2])
torch.set_num_threads(1)
torch.manual_seed(42)
load = lambda name: np.fromfile(f"{cache}/{name}", dtype=np.float32)
x, y = torch.from_numpy(load("train-x.f32").reshape(-1, 784)), torch.from_numpy(load("train-y.f32")).long()
tx, ty = torch.from_numpy(load("test-x.f32").reshape(-1, 784)), torch.from_numpy(load("test-y.f32")).long()
w = load("weights.f32")
model = torch.nn.Sequential(torch.nn.Linear(784, 128), torch.nn.ReLU(), torch.nn.Linear(128, 10))
with torch.no_grad():
    k1, w = w[: 784 * 128], w[784 * 128 :]
    b1, w = w[:128], w[128:]
    k2, b2 = w[: 128 * 10], w[128 * 10 :]
    model[0].weight.copy_(torch.from_numpy(k1.reshape(784, 128).T.copy()))
    model[0].bias.copy_(torch.from_numpy(b1.copy()))
    model[2].weight.copy_(torch.from_numpy(k2.reshape(128, 10).T.copy()))
    model[2].bias.copy_(torch.from_numpy(b2.copy()))
opt = torch.optim.Adam(model.parameters(), lr=1e-3, betas=(0.9, 0.999), eps=1e-7)
loss_fn = torch.nn.CrossEntropyLoss()
start = time.perf_counter()
for _ in range(epochs):
    perm = torch.randperm(x.shape[0])
    for i in range(0, x.shape[0], 32):
        idx = perm[i : i + 32]
        opt.zero_grad()
        loss = loss_fn(model(x[idx]), y[idx])
        loss.backward()
        opt.step()
seconds = time.perf_counter() - start
with torch.no_grad():
    accuracy = (model(tx).argmax(1) == ty).float().mean().item()
print(json.dumps({"seconds": seconds, "accuracy": accuracy}))
