/** Kafka's version-range grammar: "3", "0-5", "2+", "none". */

/** Highest version a message can have (versions are int16). */
export const MAX_VERSION = 0x7fff;

export interface VersionRange {
  min: number;
  /** Inclusive; MAX_VERSION for open ranges ("2+"). */
  max: number;
}

export const NO_VERSIONS: VersionRange = { min: 1, max: 0 };

export function parseVersions(text: string | undefined, what: string): VersionRange {
  if (text === undefined) return NO_VERSIONS;
  const t = text.trim();
  if (t === 'none') return NO_VERSIONS;
  let m = /^(\d+)\+$/.exec(t);
  if (m) return { min: Number(m[1]), max: MAX_VERSION };
  m = /^(\d+)-(\d+)$/.exec(t);
  if (m) return { min: Number(m[1]), max: Number(m[2]) };
  m = /^(\d+)$/.exec(t);
  if (m) return { min: Number(m[1]), max: Number(m[1]) };
  throw new Error(`${what}: bad version range ${JSON.stringify(text)}`);
}

export function isEmpty(r: VersionRange): boolean {
  return r.min > r.max;
}

export function intersect(a: VersionRange, b: VersionRange): VersionRange {
  return { min: Math.max(a.min, b.min), max: Math.min(a.max, b.max) };
}

export function contains(outer: VersionRange, inner: VersionRange): boolean {
  return isEmpty(inner) || (outer.min <= inner.min && inner.max <= outer.max);
}

/**
 * A JavaScript condition on `v` that is true exactly for the versions of `r`, given that `v` is
 * already known to lie in `within`. Returns 'true' or 'false' when the answer is fixed.
 */
export function versionCondition(r: VersionRange, within: VersionRange, v = 'v'): string {
  const eff = intersect(r, within);
  if (isEmpty(eff)) return 'false';
  const needMin = eff.min > within.min;
  const needMax = eff.max < within.max;
  if (!needMin && !needMax) return 'true';
  if (needMin && needMax) return eff.min === eff.max ? `${v} === ${eff.min}` : `(${v} >= ${eff.min} && ${v} <= ${eff.max})`;
  return needMin ? `${v} >= ${eff.min}` : `${v} <= ${eff.max}`;
}

export function formatRange(r: VersionRange): string {
  if (isEmpty(r)) return 'none';
  if (r.max === MAX_VERSION) return `${r.min}+`;
  return r.min === r.max ? `${r.min}` : `${r.min}-${r.max}`;
}
