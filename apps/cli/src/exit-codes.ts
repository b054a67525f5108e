/**
 * Exit codes of the `parley` command (documented in docs/CLI.md).
 * Scripts depend on these numbers: never renumber, only add.
 */
export const EXIT_OK = 0;
/** Something failed at run time (I/O, bad input, an error from the daemon). */
export const EXIT_FAILURE = 1;
/** The command line itself is wrong: unknown command or flag, missing argument. */
export const EXIT_USAGE = 2;
/** The daemon is not running, or the peer could not be reached. */
export const EXIT_UNAVAILABLE = 3;
/** The contact's identity key changed and must be confirmed before sending. */
export const EXIT_IDENTITY_CHANGED = 4;
