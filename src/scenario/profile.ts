/**
 * A cost profile: what one machine's kernel, udevd and module inits cost,
 * as physical quantities (see profile-constants.ts for each one's unit,
 * documented range and source). Profiles are files, YAML or JSON:
 *
 * ```yaml
 * name: server-288
 * machine: 288 CPUs, ... (what the figures were measured or calibrated on)
 * kernel: { read: { fixedNs: 10000, perByteNs: 0.3 }, teardownNs: 100000, ... }
 * udev: { forkNs: 500000, rulesNs: 1500000, ... }
 * init: { defaultNs: 1000000, cpufreqBusyNs: 5000, modules: { kvm_intel: 30000000 } }
 * ```
 *
 * Two are shipped in data/profiles/: `server-288` (the default of run,
 * compare and sweep, calibrated on the 288-CPU server by `modstorm
 * calibrate`) and `qemu-8vcpu` (burst's default: Debian's 6.1 kernel in an
 * 8-vCPU QEMU guest). A user's file may give any subset; what it leaves out
 * comes from the default profile.
 */
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Document, isMap, isNode } from 'yaml';
import { z } from 'zod';
import { UserError } from '../errors.js';
import { costOverridesSchema, costProfileSchema, resolveCosts, type CostOverrides, type CostProfile } from '../kernel/index.js';
import { UDEV_COST_NAMES, type UdevCosts } from '../userspace/udev/index.js';
import { parseScenarioText, type ScenarioFile } from './load.js';
import { profileConstant, type ProfileConstant } from './profile-constants.js';
import { problemError, schemaProblems, type ScenarioOrigin } from './problems.js';

/** What module inits cost on the machine (their results are the machine's behaviour, not costs: behaviour.ts). */
export interface InitTimes {
  /** A module without an entry in `modules`, ns. */
  readonly defaultNs: number;
  /** acpi_cpufreq / pcc_cpufreq with a cpufreq driver already registered: the check that returns -EEXIST at once, ns. */
  readonly cpufreqBusyNs: number;
  /** pcc_cpufreq without a driver: evaluating the ACPI PCCH method before -ENODEV, ns. */
  readonly pccProbeNs: number;
  /** acpi_cpufreq without a driver: registering one policy, per CPU, ns. */
  readonly acpiCpufreqPerCpuNs: number;
  /** Successful inits by module name, ns. */
  readonly modules: Readonly<Record<string, number>>;
}

export interface Profile {
  readonly name: string;
  /** The machine the figures describe (measured or calibrated on). */
  readonly machine: string;
  /** How the figures were obtained (for a calibrated profile: the command and its target). */
  readonly calibration: string | undefined;
  readonly kernel: CostProfile;
  readonly udev: UdevCosts;
  readonly init: InitTimes;
}

/** The profiles shipped in data/profiles/, by name. */
export const SHIPPED_PROFILES = ['server-288', 'qemu-8vcpu'] as const;
export type ShippedProfile = (typeof SHIPPED_PROFILES)[number];
export const DEFAULT_PROFILE: ShippedProfile = 'server-288';
export const BURST_PROFILE: ShippedProfile = 'qemu-8vcpu';

/** data/profiles, two levels above this file in src/scenario/ and in dist/scenario/ alike. */
export const PROFILES_DIR = fileURLToPath(new URL('../../data/profiles/', import.meta.url));

const wholeNs = z
  .number({ error: 'must be a whole number of ns ≥ 0' })
  .int({ error: 'must be a whole number of ns ≥ 0' })
  .min(0, { error: 'must be a whole number of ns ≥ 0' });
const text = (what: string) => z.string({ error: `must be ${what}` }).min(1, { error: `must be ${what}` });
const moduleName = z.string().regex(/^[A-Za-z0-9_-]+$/, { error: 'must be a module name (letters, digits, _ and -)' });

/** udevd's costs: every one a whole number of ns; unknown names are refused with the known ones. */
export const udevCostsSchema = z.strictObject(
  Object.fromEntries(UDEV_COST_NAMES.map((k) => [k, wholeNs])) as Record<keyof UdevCosts, typeof wholeNs>,
  {
    error: (issue: { code?: string }) =>
      issue.code === 'unrecognized_keys'
        ? `unknown udev cost; known: ${UDEV_COST_NAMES.join(', ')}`
        : 'must map udev cost names to whole numbers of ns',
  },
);

const initFields = {
  defaultNs: wholeNs,
  cpufreqBusyNs: wholeNs,
  pccProbeNs: wholeNs,
  acpiCpufreqPerCpuNs: wholeNs,
  modules: z.record(moduleName, wholeNs, { error: 'must map module names to init times in ns' }),
};
const initSchema = z.strictObject(initFields, { error: 'must be { defaultNs, cpufreqBusyNs, pccProbeNs, acpiCpufreqPerCpuNs, modules }' });

const header = {
  name: text('a profile name'),
  machine: text('a description of the machine'),
  calibration: text('a note on how the figures were obtained').optional(),
};

/** A complete profile (the shipped ones, and what `calibrate` writes). */
export const profileSchema = z.strictObject({ ...header, kernel: costProfileSchema, udev: udevCostsSchema, init: initSchema });

/** A user's profile file: every part optional, taken from the base profile where missing. */
export const profileOverridesSchema = z.strictObject({
  ...header,
  name: header.name.optional(),
  machine: header.machine.optional(),
  kernel: costOverridesSchema.optional(),
  udev: udevCostsSchema.partial().optional(),
  init: initSchema.partial().optional(),
});

/** Validates a profile file's content; without `base` it must be complete. */
export function resolveProfile(input: unknown, origin: ScenarioOrigin, base?: Profile): Profile {
  if (base === undefined) {
    const parsed = profileSchema.safeParse(input);
    if (!parsed.success) throw problemError(schemaProblems(parsed.error.issues), origin, 'profile');
    const p = parsed.data;
    return freezeProfile({ ...p, calibration: p.calibration, kernel: resolveCosts({}, p.kernel) });
  }
  const parsed = profileOverridesSchema.safeParse(input);
  if (!parsed.success) throw problemError(schemaProblems(parsed.error.issues), origin, 'profile');
  const p = parsed.data;
  return freezeProfile({
    name: p.name ?? origin.file ?? 'custom',
    machine: p.machine ?? `${base.machine} (with the changes of ${origin.file ?? 'a custom profile'})`,
    calibration: p.calibration,
    kernel: resolveCosts((p.kernel ?? {}) as CostOverrides, base.kernel),
    udev: { ...base.udev, ...p.udev },
    init: { ...base.init, ...p.init, modules: { ...base.init.modules, ...p.init?.modules } },
  });
}

function freezeProfile(p: Profile): Profile {
  return Object.freeze({ ...p, udev: Object.freeze({ ...p.udev }), init: Object.freeze({ ...p.init }) });
}

const shipped = new Map<string, Profile>();

/** A shipped profile by name, read once per process. */
export function shippedProfile(name: ShippedProfile): Profile {
  let p = shipped.get(name);
  if (p === undefined) {
    const file = `${PROFILES_DIR}${name}.yaml`;
    const { input, origin } = parseScenarioText(readFileSync(file, 'utf8'), file);
    shipped.set(name, (p = resolveProfile(input, origin)));
  }
  return p;
}

export function isShippedProfile(name: string): name is ShippedProfile {
  return (SHIPPED_PROFILES as readonly string[]).includes(name);
}

/**
 * `--profile NAME|FILE`: a shipped profile by name, or a file whose missing
 * fields come from `base` (default: the default profile).
 */
export function loadProfile(nameOrFile: string, base: Profile = shippedProfile(DEFAULT_PROFILE)): Profile {
  if (isShippedProfile(nameOrFile)) return shippedProfile(nameOrFile);
  const file = readProfileFile(nameOrFile);
  return resolveProfile(file.input, file.origin, base);
}

function readProfileFile(path: string): ScenarioFile {
  if (!existsSync(path)) {
    throw new UserError(`profile: ${path} is neither a file nor a shipped profile (${SHIPPED_PROFILES.join(', ')})`);
  }
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new UserError(`${path}: cannot read the profile (${(error as NodeJS.ErrnoException).code ?? String(error)})`);
  }
  return parseScenarioText(text, path);
}

/** A profile as the YAML file `calibrate` writes and data/profiles/ holds: each constant with its unit and range. */
export function profileToYaml(profile: Profile): string {
  const plain = {
    name: profile.name,
    machine: profile.machine,
    ...(profile.calibration === undefined ? {} : { calibration: profile.calibration }),
    kernel: profile.kernel,
    udev: profile.udev,
    init: profile.init,
  };
  const doc = new Document(plain, { aliasDuplicateObjects: false });
  doc.commentBefore =
    ' modstorm cost profile. Times in ns. After each constant: its unit, its documented range\n' +
    ' (src/scenario/profile-constants.ts says where each comes from) and whether calibrate fits it.';
  for (const [path] of profileLeaves(profile)) {
    const keys = path.split('.');
    if (keys[1] === 'modules') continue;
    const stage = keys.length === 3;
    const node = doc.getIn(stage ? keys.slice(0, -1) : keys, true);
    if (!isNode(node) || (stage && keys[2] !== 'fixedNs')) continue;
    if (stage && isMap(node)) node.flow = true;
    const parts = stage ? [`${keys[0]}.${keys[1]}.fixedNs`, `${keys[0]}.${keys[1]}.perByteNs`] : [path];
    node.comment = ` ${parts.map((p) => describeConstant(profileConstant(p))).join('; ')}`;
  }
  const modules = doc.getIn(['init', 'modules'], true);
  if (isNode(modules)) modules.commentBefore = ` ${describeConstant(profileConstant('init.modules.*'))}`;
  return doc.toString({ lineWidth: 0 });
}

function describeConstant(c: ProfileConstant | undefined): string {
  if (c === undefined) return 'undocumented';
  if (c.unit === 'flag') return 'true/false';
  const range = c.min === c.max ? `fixed at ${formatQuantity(c.min, c.unit)}` : `${formatQuantity(c.min, c.unit)} to ${formatQuantity(c.max, c.unit)}`;
  return `${c.unit}, ${range}${c.free ? ', fitted' : ''}`;
}

/** 150000000 ns → "150 ms", 1056964608 bytes → "1008 MiB": ranges a person can read. */
export function formatQuantity(value: number, unit: ProfileConstant['unit']): string {
  const scales: [number, string][] =
    unit === 'ns'
      ? [[1e9, 's'], [1e6, 'ms'], [1e3, 'µs'], [1, 'ns']]
      : unit === 'bytes'
        ? [[2 ** 40, 'TiB'], [2 ** 30, 'GiB'], [2 ** 20, 'MiB'], [2 ** 10, 'KiB'], [1, 'B']]
        : [[1, '']];
  const [scale, suffix] = scales.find(([s]) => Math.abs(value) >= s) ?? (scales.at(-1) as [number, string]);
  return `${Number((value / scale).toPrecision(4))}${suffix === '' ? '' : ` ${suffix}`}`;
}

/** Every numeric or boolean leaf of a profile by its path, in profile order. */
export function profileLeaves(profile: Profile): [path: string, value: number | boolean][] {
  const out: [string, number | boolean][] = [];
  const walk = (prefix: string, o: object): void => {
    for (const [k, v] of Object.entries(o)) {
      const path = `${prefix}.${k}`;
      if (typeof v === 'number' || typeof v === 'boolean') out.push([path, v]);
      else if (typeof v === 'object' && v !== null) walk(path, v as object);
    }
  };
  walk('kernel', profile.kernel);
  walk('udev', profile.udev);
  walk('init', profile.init);
  return out;
}

/** The value at `path` (a numeric leaf). */
export function profileValue(profile: Profile, path: string): number {
  let at: unknown = profile;
  for (const k of path.split('.')) at = (at as Record<string, unknown>)[k];
  if (typeof at !== 'number') throw new Error(`profile: ${path} is not a number`);
  return at;
}

/** A copy of `profile` with the numeric leaves in `values` replaced. */
export function withValues(profile: Profile, values: ReadonlyMap<string, number>): Profile {
  const copy = structuredClone(profile) as unknown as Record<string, unknown>;
  for (const [path, value] of values) {
    const keys = path.split('.');
    let at = copy;
    for (const k of keys.slice(0, -1)) at = at[k] as Record<string, unknown>;
    at[keys.at(-1) as string] = value;
  }
  return copy as unknown as Profile;
}
