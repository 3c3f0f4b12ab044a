/**
 * Where a node keeps its own state (persisted waits, changes only's fingerprints): a key of
 * the node's own context, in the default context store, never the flow context a user sees
 * and edits. Node-RED removes a node's context when the node is deleted (context.clean on
 * deploy) and, with a persistent store, keeps it across restarts. Without a configured
 * store it also deletes a node's context whenever the node closes, a redeploy included: the
 * value is carried in this module across that close (what the memory store would have
 * held anyway) and put back when the node starts again.
 */
import type { Node } from 'node-red';

export interface NodeStore<T> {
  get(): Promise<T | undefined>;
  set(value: T | undefined): Promise<void>;
}

/** The last value set per node id and key: the same object the memory store holds, so it costs no copy. */
const carried = new Map<string, unknown>();

interface Context {
  get(key: string, callback?: (err: Error | undefined, value: unknown) => void): unknown;
  set(key: string, value: unknown, callback?: (err?: Error) => void): void;
}

export function nodeStore<T>(node: Node, key: string): NodeStore<T> {
  const context = node.context() as unknown as Context;
  const id = `${node.id}/${key}`;
  if (carried.has(id)) {
    try {
      // Only the memory store answers at once, and only without a configured store is a context lost on close.
      if (context.get(key) === undefined) context.set(key, carried.get(id));
    } catch {
      // A store that answers only by callback is a configured one: it kept the value itself.
    }
  }
  node.on('close', (removed: boolean, done: () => void) => {
    try {
      // Deleted by the user (the Context sidebar) since it was set: nothing to bring back.
      if (removed || context.get(key) === undefined) carried.delete(id);
    } catch {
      // Answers only by callback: a configured store, which keeps the context itself.
    }
    done();
  });
  return {
    get: () =>
      new Promise((resolve, reject) => {
        context.get(key, (err, value) => (err ? reject(err) : resolve(value as T | undefined)));
      }),
    set: (value) =>
      new Promise((resolve, reject) => {
        if (value === undefined) carried.delete(id);
        else carried.set(id, value);
        context.set(key, value, (err) => (err ? reject(err) : resolve()));
      }),
  };
}
