import { join } from 'node:path';
import type { Store } from '@parley/core';
import { type StoreHarness, storeCompliance } from '@parley/core/testing';
import { openSqliteStore } from '../src/index.ts';
import { tempDir } from './helpers.ts';

storeCompliance('sqlite', (): StoreHarness => {
  let dir: ReturnType<typeof tempDir> | undefined;
  let store: Store | undefined;
  // A directory the store must create, to exercise that path too.
  const path = (): string => join(dir?.path ?? '', 'data', 'parley.db');
  return {
    open: () => {
      dir = tempDir();
      store = openSqliteStore(path());
      return store;
    },
    reopen: () => {
      store?.close();
      store = openSqliteStore(path());
      return store;
    },
    cleanup: () => {
      store?.close();
      dir?.remove();
    },
  };
});
