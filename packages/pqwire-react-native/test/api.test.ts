/**
 * The shared API cases (test/api-cases.ts at the repository root, also run against
 * `pqwire`) against this package's adapter, on the C ABI through the Node shim of the
 * JSI module.
 */
import { describe, it } from 'vitest';
import * as rn from '../src/index';
import { API_CASES, type Api } from '../../../test/api-cases';

describe('shared API cases: pqwire-react-native', () => {
  for (const c of API_CASES) it(c.name, () => c.run(rn as unknown as Api));
});
