/**
 * One object per runtime (per process), however many copies of this package's modules are
 * loaded: the palette manager's reinstall loads a second copy beside the first, whose
 * nodes and the sidebar's routes must still share one wait registry and one event log.
 */
export function perRuntime<T>(name: string, make: () => T): T {
  const key = Symbol.for(`@flowjobs/node-red-aims360/${name}`);
  const holder = globalThis as { [key: symbol]: unknown };
  if (!(key in holder)) holder[key] = make();
  return holder[key] as T;
}
