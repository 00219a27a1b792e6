/** The Python that runs PyTorch's twin of a model (bench/torch/), for the inference and training benches. */
import { spawnSync } from 'node:child_process';

/** The first Python that can import torch: $PYTHON, then python3 on PATH, then Debian's (python3-torch). */
export function pythonWithTorch(): string | undefined {
  const candidates = [process.env.PYTHON, 'python3', '/usr/bin/python3'].filter((p): p is string => Boolean(p));
  return candidates.find((py) => spawnSync(py, ['-c', 'import torch'], { encoding: 'utf8' }).status === 0);
}

export const NO_TORCH = 'not installed (no python3 can import torch; on Debian: apt-get install python3-torch)';

/**
 * glibc's malloc kept from handing freed memory back to the kernel: blocks under 32 MB come from
 * the heap, and the heap is never trimmed. With the defaults, a PyTorch training step frees its
 * activations to the kernel and faults fresh pages in for the next step: the CNN example's epoch
 * took 0.7–2.2 million minor page faults and 19–39 s, about 40 % of it in the kernel, the count
 * and the time differing from one process to the next; with these settings ~0.5 million (most
 * of them loading the data) and 10–16 s. PyTorch at its best is the peer to measure, not the
 * page-fault cost of the machine it runs on.
 */
const STEADY_MALLOC = 'glibc.malloc.mmap_threshold=33554432:glibc.malloc.trim_threshold=4294967296';

/** What the reports say of PyTorch's process beside its BLAS. */
export const MALLOC_NOTE = `glibc malloc keeps its memory (GLIBC_TUNABLES=${STEADY_MALLOC})`;

/**
 * One thread for every BLAS torch or numpy may load (the scripts also call torch.set_num_threads(1)),
 * a malloc that keeps its memory (STEADY_MALLOC), and no __pycache__ left in bench/torch/ by the
 * scripts' `import twin`.
 */
export const ONE_THREAD_ENV = {
  ...process.env,
  OMP_NUM_THREADS: '1',
  OPENBLAS_NUM_THREADS: '1',
  MKL_NUM_THREADS: '1',
  PYTHONDONTWRITEBYTECODE: '1',
  GLIBC_TUNABLES: [process.env.GLIBC_TUNABLES, STEADY_MALLOC].filter(Boolean).join(':'),
};
