/**
 * Device paths (`/devices/system/cpu/cpu3`) and the relation udevd uses to
 * order events: two events conflict when their devpaths are the same or one
 * is an ancestor of the other. Siblings never conflict.
 */

/** The proper ancestors of a devpath, nearest first: `/a/b/c` → `/a/b`, `/a`. */
export function ancestors(devpath: string): string[] {
  const out: string[] = [];
  for (let i = devpath.lastIndexOf('/'); i > 0; i = devpath.lastIndexOf('/', i - 1)) {
    out.push(devpath.slice(0, i));
  }
  return out;
}

/** Whether `a` is `b`, or a parent/child (at any depth) of `b`. */
export function devpathsConflict(a: string, b: string): boolean {
  if (a === b) return true;
  const [short, long] = a.length < b.length ? [a, b] : [b, a];
  return long.startsWith(short) && long.charCodeAt(short.length) === 47; // '/'
}
