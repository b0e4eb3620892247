// Where the BFCL v4 data lives for tests: ../shared/bfcl beside the repository (as in CI's clone),
// or BFCL_DIR when set.
import { fileURLToPath } from 'node:url';
import { resolve } from 'node:path';

export const BFCL_DIR = process.env.BFCL_DIR ?? resolve(fileURLToPath(new URL('.', import.meta.url)), '../../shared/bfcl');
