import { describe, expect, it } from 'vitest';
import { runDemo } from '../../examples/demo/index.js';
import { demoStream } from '../../examples/demo/stream.js';

describe('npm run demo', () => {
  it('replays a deterministic stream of 300+ English and Turkish interactions with every story in it', () => {
    const scenes = demoStream();
    expect(scenes.length).toBeGreaterThanOrEqual(300);
    expect(demoStream().map((scene) => scene.nativeId)).toEqual(scenes.map((scene) => scene.nativeId));
    const stories = new Set(scenes.map((scene) => scene.story));
    for (const story of ['guitar-crisis', 'two-networks', 'advocate', 'purchase', 'idea', 'spam'] as const) expect(stories.has(story), story).toBe(true);
    expect(new Set(scenes.map((scene) => scene.network)).size).toBeGreaterThanOrEqual(4);
    expect(scenes.some((scene) => /[çğışöüİ]/.test(scene.text))).toBe(true);
  });

  it('stores every scene through the webhook path and prints the report', async () => {
    const { report, scenes, statuses } = await runDemo({ quiet: true });
    expect(statuses).toEqual({ 200: scenes.length });
    expect(report.interactions).toBe(scenes.length);
    expect(report.deadLetters).toBe(0);
    expect(report.byDirection.peer).toBeGreaterThan(0);
  });
});
