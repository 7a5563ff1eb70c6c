// Global setup of the 'chromium' project. It runs in the vitest process — that is, in Node — and
// trains the twenty-step fixture there, then provides the result to the page, where
// twenty-steps.page.test.ts runs the same fixture in Chromium and compares the two digests.
import type { TestProject } from 'vitest/node';
import * as strand from '../../src/index.ts';
import { twentySteps, type TwentyStepsResult } from '../runtimes/twenty-steps.ts';

declare module 'vitest' {
  interface ProvidedContext {
    /** The twenty-step fixture's result computed in Node, for the Chromium test to compare with. */
    nodeTwentySteps: TwentyStepsResult & { runtime: string };
  }
}

/** Computes Node's twenty-step digest once per run and provides it as `nodeTwentySteps`. */
export default async function setup(project: TestProject): Promise<void> {
  const result = await twentySteps(strand);
  project.provide('nodeTwentySteps', { ...result, runtime: `Node ${process.versions.node}` });
}
