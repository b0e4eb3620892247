// Job control: throttled progress that keeps every point, ETA from the mean step time, pause/stop.
import { describe, expect, test } from 'vitest';
import type { JobProgress } from '../../src/protocol.ts';
import { createJob } from '../../workers/job.ts';

describe('job', () => {
  test('throttles progress but sends every metric point, with an ETA', () => {
    let t = 0;
    const sent: JobProgress[] = [];
    const job = createJob('sft', 10, (p) => sent.push(p), 100, () => t);
    for (let step = 1; step <= 10; step++) {
      t += 30;
      job.report(step, { loss: 10 - step });
    }
    job.flush();
    expect(sent.length).toBeLessThan(10);
    expect(sent.flatMap((p) => p.points).map((p) => p.step)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(sent[0].etaMs).toBe(30 * 9);
    const final = sent[sent.length - 1];
    expect(final).toMatchObject({ step: 10, total: 10, elapsedMs: 300, etaMs: 0, metrics: { loss: 0 } });
  });

  test('pause holds shouldStop until resume; stop ends it', async () => {
    const job = createJob('dpo', 5, undefined);
    expect(await job.shouldStop()).toBe(false);
    job.pause();
    let settled: boolean | undefined;
    const waiting = job.shouldStop().then((v) => { settled = v; });
    await new Promise((r) => setTimeout(r, 10));
    expect(settled).toBeUndefined();
    job.resume();
    await waiting;
    expect(settled).toBe(false);
    job.pause();
    const stopping = job.shouldStop();
    job.stop();
    expect(await stopping).toBe(true);
  });
});
