/**
 * Exit codes of the `parley` command (documented in docs/CLI.md).
 * Scripts depend on these numbers: never renumber, only add.
 */
export const EXIT_OK = 0;
/** Something failed at run time (I/O, network, daemon error). */
export const EXIT_FAILURE = 1;
/** The command line itself is wrong: unknown command or flag, missing argument. */
export const EXIT_USAGE = 2;
