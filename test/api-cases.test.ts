/**
 * The shared API cases (test/api-cases.ts) against `pqwire` itself; the React Native
 * package runs the same list against its adapter (packages/pqwire-react-native/test/api.test.ts).
 */
import { describe, it } from 'vitest';
import * as pqwire from '../ts/src/index';
import { API_CASES } from './api-cases';

describe('shared API cases: pqwire', () => {
  for (const c of API_CASES) it(c.name, () => c.run(pqwire));
});
