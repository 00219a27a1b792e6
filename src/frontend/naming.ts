/**
 * Keras 2.13's automatic names. Layers and models count per snake_case prefix from zero, the
 * first without a suffix (`dense`, `dense_1`; `sequential`, `sequential_1`; `model`), as
 * `backend.unique_object_name(..., zero_based=True)`; a name the user gives is taken as is and
 * moves no counter. Input layers count on their own from one (`input_1`, `input_2`), as
 * InputLayer's `'input_' + str(backend.get_uid('input'))`. Each model file is loaded in a fresh
 * scope (like `keras.backend.clear_session()`), so a file always produces the same names however
 * many models a process loads.
 */
let counters = new Map<string, number>();
let inputCount = 0;

export function uniqueName(prefix: string): string {
  const n = counters.get(prefix) ?? 0;
  counters.set(prefix, n + 1);
  return n === 0 ? prefix : `${prefix}_${n}`;
}

/** The next input layer's name: `input_1`, `input_2`, ... */
export function uniqueInputName(): string {
  inputCount += 1;
  return `input_${inputCount}`;
}

export function resetNameScope(): void {
  counters = new Map();
  inputCount = 0;
}

/** `LeakyReLU` -> `leaky_re_lu`, `Dense` -> `dense`, `Conv2D` -> `conv2d` (Keras' to_snake_case, its regexes). */
export function snakeCase(className: string): string {
  return className
    .replace(/(.)([A-Z][a-z0-9]+)/g, '$1_$2')
    .replace(/([a-z])([A-Z])/g, '$1_$2')
    .toLowerCase();
}
