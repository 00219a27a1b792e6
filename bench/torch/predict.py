"""PyTorch's row of `npm run bench`: the twin of the model (twin.py) timed as child/measure.ts
times the JavaScript engines, on one thread under torch.inference_mode(): batch-1 latency (each
call alone, from the caller's float32 array to the output array: torch.from_numpy -> model ->
.numpy()), the throughput batch's time, and the largest deviation from nnc's reference
interpreter. When a recurrent layer needed a loop of torch ops (gates torch's modules lack), torch's
own module with sigmoid gates is timed too: not the same model, a timing of what a PyTorch user
would write. Prints one line `BENCH_RESULT {"runs": [{"name", "note", "measure"}]}`.

    predict.py REQUEST_JSON   (see pytorch.ts)
"""
import json
import math
import statistics
import sys
import time

import numpy as np
import torch

from twin import build, keras_row, load, torch_input

LATENCY_ROUNDS = 4
torch.set_num_threads(1)
request = json.loads(sys.argv[1])


def read_rows(path, count, size):
    return np.fromfile(path, dtype=np.float32, count=count * size)


def time_calls(predict, x, calls, deadline=math.inf):
    """Seconds of up to `calls` calls, each timed alone; stops once `deadline` (perf_counter) passes."""
    times = []
    while len(times) < calls and (not times or time.perf_counter() < deadline):
        t0 = time.perf_counter()
        predict(x)
        times.append(time.perf_counter() - t0)
    return times


def quantile(samples, q):
    return float(np.quantile(np.asarray(samples, dtype=np.float64), q))


def latency(predict, row):
    r = request
    time_calls(predict, row, min(1000, r["calls"]), time.perf_counter() + r["latencyMaxMs"] / 4000)
    deadline = time.perf_counter() + r["latencyMaxMs"] / 1000
    every, medians = [], []
    for n in range(LATENCY_ROUNDS):
        if n > 0 and time.perf_counter() >= deadline:
            break
        times = [t * 1e6 for t in time_calls(predict, row, math.ceil(r["calls"] / LATENCY_ROUNDS), deadline)]
        medians.append(statistics.median(times))
        every += times
    return {"median": quantile(every, 0.5), "p10": quantile(every, 0.1), "p90": quantile(every, 0.9), "calls": len(every), "roundMedians": medians}


def throughput(predict, big):
    r = request
    start, cpu_start, rounds = time.perf_counter(), time.process_time(), []
    while len(rounds) < r["maxRounds"]:
        elapsed = (time.perf_counter() - start) * 1000
        wanted = elapsed < r["throughputMaxMs"] if len(rounds) < r["minRounds"] else elapsed < r["roundBudgetMs"]
        if rounds and not wanted:
            break
        rounds.append(time_calls(predict, big, 1)[0] * 1000)
    cpu_per_wall = (time.process_time() - cpu_start) / (time.perf_counter() - start)
    median_ms = statistics.median(rounds)
    return {"medianMs": median_ms, "rowsPerSec": r["batch"] / (median_ms / 1000), "roundsMs": rounds, "cpuPerWall": cpu_per_wall}


def measure(model, row_shape, x, reference, out_size):
    model.eval()

    def predict(rows):
        with torch.inference_mode():
            return model.probabilities(torch_input(rows, row_shape)).numpy()

    def deviation(y, rows):
        n = min(rows, request["referenceRows"]) * out_size
        return float(np.abs(y.ravel()[:n] - reference[:n]).max())

    row_size = x.size // request["rows"]
    row, big = x[:row_size], x[: request["batch"] * row_size]
    one_row_error = deviation(predict(row), 1)
    lat = latency(predict, row)
    big_error = deviation(predict(big), request["batch"])  # also the warm-up
    return {"latencyUs": lat, "throughput": throughput(predict, big), "maxAbsError": max(one_row_error, big_error)}


spec, weights = load(request["tfjsDir"])
row_shape = keras_row(spec)
row_size = int(np.prod(row_shape))
x = read_rows(request["inputFile"], request["rows"], row_size)
reference = read_rows(request["referenceFile"], request["referenceRows"], request["outputSize"])
open_start = time.perf_counter()
twin, looped = build(spec, weights)
open_ms = (time.perf_counter() - open_start) * 1000
runs = [("pytorch", twin, open_ms)]
if looped:
    native, still_looped = build(spec, weights, native_gates=True)
if looped and not still_looped:  # (a GRU with reset_after false has no torch module at all)
    runs.append(("pytorch-nn", native, open_ms))
version = f"torch {torch.__version__}, {torch.get_num_threads()} thread(s)"
result = [{"name": name, "note": f"{version}; {'; '.join(model.notes) or 'torch.nn modules'}", "measure": {**measure(model, row_shape, x, reference, request["outputSize"]), "openMs": ms}} for name, model, ms in runs]
print(f"\nBENCH_RESULT {json.dumps({'runs': result})}")
