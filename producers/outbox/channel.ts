/** The LISTEN/NOTIFY channel an enqueue signals on commit, so relays publish at once instead of at the next poll. */
export const OUTBOX_CHANNEL = 'sluice_outbox';
