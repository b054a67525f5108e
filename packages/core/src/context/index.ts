/**
 * Ctx: what every part of the messenger shares (dependencies, events, limits, settings).
 * Imports base … views, no feature.
 */
export type { Ctx, Limits, MessengerEvents, Settings } from './context.ts';
