// Bit-identical across runtimes: the twenty-step fixture trained in this Chromium page must give
// the same weight digest (FNV-1a over every f32 bit pattern) as the same fixture trained in Node
// by this run's global setup (node-digest.global.ts), with the same seed and the same build.
import { expect, inject, it } from 'vitest';
import * as strand from '../../src/index.ts';
import { twentySteps } from '../runtimes/twenty-steps.ts';

it('runs in a real browser page', () => {
  expect(typeof window).toBe('object');
  expect(navigator.userAgent).toMatch(/Chrome\//);
});

it('gives bit-identical weights after 20 training steps in Chromium and in Node', async () => {
  const node = inject('nodeTwentySteps');
  expect(node.runtime).toMatch(/^Node /);
  expect(node.digest).toMatch(/^[0-9a-f]{8}$/);
  const page = await twentySteps(strand);
  expect(page.losses).toHaveLength(20);
  expect(page.losses[19]).toBeLessThan(page.losses[0]);
  expect(page.losses).toEqual(node.losses);
  expect(page.digest).toBe(node.digest);
});
