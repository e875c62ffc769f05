/**
 * One read per event, shared by every subscriber in the process: when N clients subscribe to the
 * same order, the event at cursor C re-reads the order once (evicting the entity cache first, so the
 * read is SAP's current state even when another replica took the webhook) and all N get that value.
 * Keys are `<tenant>\u0000<cursor>`; the newest `max` keys are remembered; a failed read is
 * forgotten so the next subscriber tries again.
 */
export interface FreshReads {
  once<T>(tenant: string, cursor: string, read: () => Promise<T>): Promise<T>;
}

export function createFreshReads(max = 1_000): FreshReads {
  const memo = new Map<string, Promise<unknown>>();
  return {
    once<T>(tenant: string, cursor: string, read: () => Promise<T>): Promise<T> {
      const key = `${tenant}\u0000${cursor}`;
      const known = memo.get(key);
      if (known) return known as Promise<T>;
      const p = read();
      memo.set(key, p);
      p.catch(() => memo.delete(key));
      while (memo.size > max) {
        const oldest = memo.keys().next();
        if (oldest.done) break;
        memo.delete(oldest.value);
      }
      return p;
    },
  };
}
