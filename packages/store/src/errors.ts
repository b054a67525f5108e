/**
 * Errors of `@parley/store`, each with a stable `code`. The errors of the
 * Store contract itself (StoreConflictError, StoreClosedError) come from
 * `@parley/core`.
 */

/** The database was written by a newer Parley (its schema version is higher than this code knows). */
export class StoreVersionError extends Error {
  readonly code = 'store-version' as const;
  readonly found: number;
  readonly supported: number;
  constructor(path: string, found: number, supported: number) {
    super(
      `the database ${path} has schema version ${found}, but this Parley supports up to ${supported}; ` +
        'upgrade Parley to open it (it was not modified)',
    );
    this.name = 'StoreVersionError';
    this.found = found;
    this.supported = supported;
  }
}

/** SQLite could not be put in the mode durability depends on (e.g. WAL on a filesystem without shared memory). */
export class StoreSetupError extends Error {
  readonly code = 'store-setup' as const;
  constructor(message: string) {
    super(message);
    this.name = 'StoreSetupError';
  }
}

/** The database could not be decrypted: the key is wrong, or the file is encrypted and no key was given (or it is damaged). */
export class StoreKeyError extends Error {
  readonly code = 'store-key' as const;
  constructor(path: string) {
    super(
      `the database ${path} cannot be read with this key (wrong key, or the file is damaged); nothing was changed`,
    );
    this.name = 'StoreKeyError';
  }
}
