// One running job in a worker: pause/resume/stop flags checked between steps, and throttled progress
// with an ETA. Every metric point is kept and sent in batches, so charts miss nothing.
import type { JobProgress, MetricPoint, ProgressFn, StageName } from '../src/protocol.ts';

export interface Job {
  stage: StageName;
  readonly paused: boolean;
  readonly stopped: boolean;
  pause(): void;
  resume(): void;
  stop(): void;
  /** Waits while paused; true when the job should end now. Call between steps. */
  shouldStop(): Promise<boolean>;
  /** Records a finished step; sends progress if `progressMs` passed since the last send. */
  report(step: number, metrics?: Record<string, number>, message?: string): void;
  /** Sets the step count (the ETA's denominator) when it becomes known. */
  setTotal(total: number): void;
  /** Sends whatever is pending (call at the end). */
  flush(): void;
}

export function createJob(stage: StageName, total: number, onProgress: ProgressFn | undefined, progressMs = 200, now = () => performance.now()): Job {
  const t0 = now();
  let paused = false;
  let stopped = false;
  let wake: (() => void) | undefined;
  let pausedMs = 0;
  let lastSent = -Infinity;
  let pending: MetricPoint[] = [];
  let last: Omit<JobProgress, 'points'> = { stage, step: 0, total, elapsedMs: 0, metrics: {} };

  const send = (): void => {
    lastSent = now();
    onProgress?.({ ...last, points: pending });
    pending = [];
  };
  const job: Job = {
    stage,
    get paused() { return paused; },
    get stopped() { return stopped; },
    pause() { paused = true; },
    resume() { paused = false; wake?.(); },
    stop() { stopped = true; wake?.(); },
    async shouldStop() {
      // A macrotask turn, so control messages (pause, stop) queued behind the step get handled.
      await new Promise((r) => setTimeout(r, 0));
      if (paused && !stopped) {
        const p0 = now();
        last = { ...last, message: 'paused' };
        send();
        while (paused && !stopped) await new Promise<void>((r) => { wake = r; });
        pausedMs += now() - p0;
        last = { ...last, message: undefined };
      }
      return stopped;
    },
    report(step, metrics = {}, message) {
      const elapsedMs = now() - t0 - pausedMs;
      const etaMs = step > 0 ? (elapsedMs / step) * Math.max(0, last.total - step) : undefined;
      if (Object.keys(metrics).length) pending.push({ step, ...metrics });
      last = { stage, step, total: last.total, elapsedMs, etaMs, metrics: { ...last.metrics, ...metrics }, message };
      if (now() - lastSent >= progressMs) send();
    },
    setTotal(n) { last = { ...last, total: n }; },
    flush() { send(); },
  };
  return job;
}
