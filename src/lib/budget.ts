import { AimsError } from './errors';

/** What waits for a turn: a request someone waits for now, or a background poll (which lets the others pass). */
export type Priority = 'oneOff' | 'background';

export interface BudgetUse {
  /** The cap (requests per second); 0 = none. */
  perSecond: number;
  /** Requests sent in the last second. */
  lastSecond: number;
  /** Requests waiting for their turn. */
  waiting: number;
}

/**
 * One request's place in the window. AIMS360 counts a request when it arrives, which is known to
 * have happened once its answer begins, and taken to have happened WRITTEN_GRACE_MS after it was
 * written: until then it counts as sent now.
 */
export interface Turn {
  at: number;
  inFlight: boolean;
  writtenAt?: number;
}

/** How long a written request may take to arrive (a busy server, a slow network), at most. */
export const WRITTEN_GRACE_MS = 1000;

interface Waiter {
  go(turn: Turn): void;
}

/**
 * The account's request budget (the config node's maxRequestsPerSecond): at most `slots`
 * requests start in any window of `windowMs`, a sliding window over the send times. A cap of
 * 1 or more allows its whole part per second; below 1 it allows one request every 1/cap s.
 * Turns are given in order, one-off requests before background polls; none is dropped.
 */
export class RequestBudget {
  readonly perSecond: number;
  private readonly slots: number;
  private readonly windowMs: number;
  /** The turns that still count. */
  private sent: Turn[] = [];
  private readonly queues: Record<Priority, Set<Waiter>> = { oneOff: new Set(), background: new Set() };
  private timer?: NodeJS.Timeout;

  constructor(perSecond: number) {
    this.perSecond = perSecond;
    this.slots = Math.max(1, Math.floor(perSecond));
    this.windowMs = perSecond >= 1 ? 1000 : 1000 / perSecond;
  }

  /** Requests per second the budget lets through over time (Infinity without a cap). */
  get rate(): number {
    return this.perSecond > 0 ? (1000 * this.slots) / this.windowMs : Infinity;
  }

  /**
   * Resolves with a turn when the request may go (counted as sent then); rejects when `signal`
   * aborts first, leaving nothing behind.
   */
  take(priority: Priority, signal?: AbortSignal): Promise<Turn> {
    const now = Date.now();
    if (this.perSecond <= 0) {
      this.forgetOld(now);
      return Promise.resolve(this.count(now));
    }
    if (signal?.aborted) return Promise.reject(cancelled());
    const ahead = this.queues.oneOff.size + (priority === 'background' ? this.queues.background.size : 0);
    if (ahead === 0 && this.free(now)) return Promise.resolve(this.count(now));
    return new Promise((resolve, reject) => {
      const onAbort = () => {
        this.queues[priority].delete(waiter);
        reject(cancelled());
        this.pump();
      };
      const waiter: Waiter = {
        go: (turn) => {
          signal?.removeEventListener('abort', onAbort);
          resolve(turn);
        },
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.queues[priority].add(waiter);
      this.pump();
    });
  }

  /**
   * The turn's answer began (or its attempt ended without one): the window counts from now, when
   * the request has certainly arrived (a new connection or a busy process may have held it after
   * its turn). Once per turn.
   */
  answered(turn: Turn): void {
    if (!turn.inFlight) return;
    turn.inFlight = false;
    turn.at = Math.min(Date.now(), turn.writtenAt === undefined ? Infinity : turn.writtenAt + WRITTEN_GRACE_MS);
    if (this.perSecond > 0) this.pump();
  }

  /** The turn's request has been written: a request that never answers holds its place no longer than the grace. */
  written(turn: Turn): void {
    if (!turn.inFlight || turn.writtenAt !== undefined) return;
    turn.writtenAt = Date.now();
    if (this.perSecond > 0) this.pump();
  }

  use(): BudgetUse {
    const now = Date.now();
    const lastSecond = this.sent.filter((turn) => countedAt(turn, now) > now - 1000).length;
    return { perSecond: this.perSecond, lastSecond, waiting: this.queues.oneOff.size + this.queues.background.size };
  }

  /** Ends the timer; whoever still waits is ended by their own signal (the client's close aborts them all). */
  close(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  private count(now: number): Turn {
    const turn = { at: now, inFlight: true };
    this.sent.push(turn);
    return turn;
  }

  private free(now: number): boolean {
    this.forgetOld(now);
    return this.sent.length < this.slots;
  }

  /** Keeps only the turns that still count (without a cap, the last second's, for use()). */
  private forgetOld(now: number): void {
    const window = this.perSecond > 0 ? this.windowMs : 1000;
    const counts = (turn: Turn) => countedAt(turn, now) > now - window;
    if (!this.sent.every(counts)) this.sent = this.sent.filter(counts);
  }

  /** Lets waiters go while there is room, then sleeps until the oldest turn leaves the window. */
  private pump(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    const now = Date.now();
    while (this.free(now)) {
      const next = this.first();
      if (!next) return;
      next.go(this.count(now));
    }
    const oldest = Math.min(...this.sent.map((turn) => countedAt(turn, Infinity)));
    // Only turns still unwritten count: their writing or answer wakes this again.
    if (this.queues.oneOff.size + this.queues.background.size === 0 || oldest === Infinity) return;
    this.timer = setTimeout(() => this.pump(), Math.max(1, oldest + this.windowMs - now));
  }

  private first(): Waiter | undefined {
    for (const queue of [this.queues.oneOff, this.queues.background]) {
      for (const waiter of queue) {
        queue.delete(waiter);
        return waiter;
      }
    }
    return undefined;
  }
}

/** When a turn counts as sent: its answer, else the grace after it was written; `now` while neither. */
function countedAt(turn: Turn, now: number): number {
  if (!turn.inFlight) return turn.at;
  return turn.writtenAt === undefined ? now : Math.min(now, turn.writtenAt + WRITTEN_GRACE_MS);
}

function cancelled(): AimsError {
  return AimsError.of('NETWORK', 'aims360.errors.client.cancelled');
}
