/** The version of the `parley` command, kept in step with apps/cli/package.json. */
export const VERSION = '0.1.0';
