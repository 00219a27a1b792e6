/**
 * Keras-style automatic names (`dense_1`, `dense_2`, `model_1`): one counter per prefix. Each
 * model file is loaded in a fresh scope (like `keras.backend.clear_session()`), so a file always
 * produces the same names however many models a process loads.
 */
let counters = new Map<string, number>();

export function uniqueName(prefix: string): string {
  const n = (counters.get(prefix) ?? 0) + 1;
  counters.set(prefix, n);
  return `${prefix}_${n}`;
}

export function resetNameScope(): void {
  counters = new Map();
}

/** `LeakyReLU` -> `leaky_re_lu`, `Dense` -> `dense`, `Conv2D` -> `conv2d` (Keras' to_snake_case, its regexes). */
export function snakeCase(className: string): string {
  return className
    .replace(/(.)([A-Z][a-z0-9]+)/g, '$1_$2')
    .replace(/([a-z])([A-Z])/g, '$1_$2')
    .toLowerCase();
}
