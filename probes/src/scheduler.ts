/**
 * Runs every edge's check on the edge's own interval, jittered, through one
 * concurrency limiter.
 *
 * - An edge's next check is planned only when its current one has finished,
 *   so the same edge is never checked twice at once (a slow edge cannot pile
 *   up sockets).
 * - Every check carries its own deadline, and the limiter is the only shared
 *   resource, so a hanging edge holds one slot until its timeout and nothing
 *   else.
 * - Intervals are jittered (±10% by default), and the first check of each edge
 *   lands at a random point in the first tenth of its interval, so edges and
 *   probes drift apart instead of firing in lockstep.
 */
import pLimit, { type LimitFunction } from 'p-limit';
import type { Observation } from '@edgesteer/core';
import type { Edge } from '@edgesteer/policy';
import { jittered, randomSeeded, type Random } from './jitter.js';

export interface SchedulerOptions {
  edges: readonly Edge[];
  /** Most checks open at once. */
  concurrency: number;
  /** Runs one check; `signal` aborts when the scheduler stops. */
  check: (edge: Edge, signal: AbortSignal) => Promise<Observation>;
  onObservation: (obs: Observation, edge: Edge) => void;
  /** Jitter source; pass a seeded one for reproducible schedules. */
  random?: Random;
  /** Jitter fraction of the interval; default 0.1. */
  jitter?: number;
}

export interface SchedulerStats {
  /** Checks completed and delivered (checks cancelled by stop() are not). */
  checks: number;
  /** Checks running now (holding a limiter slot). */
  inFlight: number;
  /** Highest inFlight seen. */
  maxInFlight: number;
  /** Checks waiting for a slot. */
  queued: number;
}

interface EdgeSlot {
  edge: Edge;
  timer: NodeJS.Timeout | undefined;
  /** When the current/next check was planned to start (performance.now() ms). */
  plannedAt: number;
  running: Promise<void> | undefined;
}

export class Scheduler {
  private readonly limit: LimitFunction;
  private readonly random: Random;
  private readonly jitter: number;
  private readonly slots: EdgeSlot[];
  private stopped = true;
  private stopper = new AbortController();
  private checks = 0;
  private inFlight = 0;
  private maxInFlight = 0;

  constructor(private readonly opts: SchedulerOptions) {
    if (!Number.isInteger(opts.concurrency) || opts.concurrency < 1) throw new RangeError(`concurrency must be a positive integer, got ${opts.concurrency}`);
    this.limit = pLimit({ concurrency: opts.concurrency, rejectOnClear: true });
    this.random = opts.random ?? randomSeeded();
    this.jitter = opts.jitter ?? 0.1;
    this.slots = opts.edges.map((edge) => ({ edge, timer: undefined, plannedAt: 0, running: undefined }));
  }

  /** Starts checking every edge on its interval until stop(). */
  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.stopper = new AbortController();
    const now = performance.now();
    for (const slot of this.slots) {
      const delay = this.random() * slot.edge.check.intervalMs * this.jitter;
      slot.plannedAt = now + delay;
      slot.timer = setTimeout(() => this.fire(slot), delay);
    }
  }

  /**
   * Checks every edge once (respecting the limit), hands each observation to
   * onObservation as it arrives, and returns them all in policy order.
   */
  async runOnce(): Promise<Observation[]> {
    return Promise.all(
      this.slots.map(async (slot) => {
        const obs = await this.limited(slot.edge);
        this.deliver(obs, slot.edge);
        return obs;
      }),
    );
  }

  /**
   * Stops planning checks, drops queued ones, cancels running ones (their
   * results are discarded: a cancelled check says nothing about the edge) and
   * waits for them to let go of their sockets.
   */
  async stop(): Promise<void> {
    this.stopped = true;
    for (const slot of this.slots) clearTimeout(slot.timer);
    this.limit.clearQueue();
    this.stopper.abort();
    await Promise.all(this.slots.map((s) => s.running));
  }

  stats(): SchedulerStats {
    return { checks: this.checks, inFlight: this.inFlight, maxInFlight: this.maxInFlight, queued: this.limit.pendingCount };
  }

  private limited(edge: Edge): Promise<Observation> {
    return this.limit(async () => {
      this.inFlight++;
      if (this.inFlight > this.maxInFlight) this.maxInFlight = this.inFlight;
      try {
        return await this.opts.check(edge, this.stopper.signal);
      } finally {
        this.inFlight--;
      }
    });
  }

  private fire(slot: EdgeSlot): void {
    slot.timer = undefined;
    if (this.stopped) return;
    slot.running = this.limited(slot.edge)
      .then(
        (obs) => {
          if (!this.stopped) this.deliver(obs, slot.edge);
        },
        () => {
          // Only a cleared queue (stop) rejects: runCheck itself never throws.
        },
      )
      .finally(() => {
        slot.running = undefined;
        this.planNext(slot);
      });
  }

  private deliver(obs: Observation, edge: Edge): void {
    this.checks++;
    try {
      this.opts.onObservation(obs, edge);
    } catch {
      // A consumer's bug must not stop this edge's schedule.
    }
  }

  private planNext(slot: EdgeSlot): void {
    if (this.stopped) return;
    const now = performance.now();
    // Keep the cadence anchored to the plan, not to when the check ended; a check
    // that overran its interval re-anchors on now instead of bursting to catch up.
    slot.plannedAt = Math.max(now, slot.plannedAt + jittered(slot.edge.check.intervalMs, this.random, this.jitter));
    slot.timer = setTimeout(() => this.fire(slot), slot.plannedAt - now);
  }
}
