/** The Python that runs PyTorch's twin of a model (bench/torch/), for the inference and training benches. */
import { spawnSync } from 'node:child_process';

/** The first Python that can import torch: $PYTHON, then python3 on PATH, then Debian's (python3-torch). */
export function pythonWithTorch(): string | undefined {
  const candidates = [process.env.PYTHON, 'python3', '/usr/bin/python3'].filter((p): p is string => Boolean(p));
  return candidates.find((py) => spawnSync(py, ['-c', 'import torch'], { encoding: 'utf8' }).status === 0);
}

export const NO_TORCH = 'not installed (no python3 can import torch; on Debian: apt-get install python3-torch)';

/**
 * One thread for every BLAS torch or numpy may load (the scripts also call torch.set_num_threads(1)),
 * and no __pycache__ left in bench/torch/ by the scripts' `import twin`.
 */
export const ONE_THREAD_ENV = { ...process.env, OMP_NUM_THREADS: '1', OPENBLAS_NUM_THREADS: '1', MKL_NUM_THREADS: '1', PYTHONDONTWRITEBYTECODE: '1' };
