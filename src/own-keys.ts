/**
 * Lookups of user-given names (activations, layer classes, op types, losses, targets...) in
 * plain-object tables. `name in table` and `table[name]` also see what every object inherits
 * (`constructor`, `toString`, `__proto__`), so a name like 'constructor' would pass as known;
 * these helpers only ever see the table's own keys.
 */

/** True when `key` is one of the table's own keys. */
export function hasOwnKey<K extends PropertyKey>(table: Readonly<Record<K, unknown>>, key: PropertyKey): key is K {
  return Object.hasOwn(table, key);
}

/** The table's own entry for `key`, or undefined (never an inherited Object.prototype member). */
export function ownEntry<T>(table: Readonly<Record<string, T>>, key: string): T | undefined {
  return Object.hasOwn(table, key) ? table[key] : undefined;
}
