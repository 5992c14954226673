/**
 * The module list (`modules` in kernel/module/main.c): one entry per module
 * from add_unformed_module() until it is freed, with its state, its place
 * in the module area and its users. Also the two views userspace reads:
 * /sys/module/NAME/initstate and /proc/modules.
 */
import { moduleAddress } from './module-area.js';
import type { Initstate, ModuleFile, ModuleState } from './types.js';

export class Module {
  /** Changed through Kernel.setState() only, which tells the table (`ModuleTable.stateChanged`). */
  state: ModuleState = 'UNFORMED';
  /** Modules using this one (its `source_list`): they hold a reference each. */
  readonly holders = new Set<Module>();
  /** Modules this one uses (its `target_list`). */
  readonly uses = new Set<Module>();
  /** The reference module_unload_init() takes for the time of init; dropped once init ends. */
  initReference = false;
  /** In the module list (from add_unformed_module() until free_module() unlinks it). */
  listed = false;

  constructor(
    readonly file: ModuleFile,
    /** Bytes of its final image in the module area. */
    readonly imageBytes: number,
    /** Its image's offset in the module area. */
    readonly areaOffset: number,
    readonly args: string,
  ) {}

  get name(): string {
    return this.file.name;
  }

  /** module_refcount(): references held by others. */
  get refcount(): number {
    return this.holders.size + (this.initReference ? 1 : 0);
  }
}

const INITSTATE: Record<ModuleState, Initstate | undefined> = {
  UNFORMED: undefined,
  COMING: 'coming',
  LIVE: 'live',
  GOING: 'going',
};

const PROC_STATE: Record<Exclude<ModuleState, 'UNFORMED'>, string> = {
  COMING: 'Loading',
  LIVE: 'Live',
  GOING: 'Unloading',
};

export class ModuleTable {
  readonly #byName = new Map<string, Module>();
  /** Bumped by every change a lookup could see: a module added or removed, a state changed (`stateChanged`). */
  #version = 0;
  /** One shared `settledOutOf` condition per name and states (see there). */
  readonly #settled = new Map<string, () => boolean>();

  /** Says that a listed module's state changed: the table's answers may differ from now on. */
  stateChanged(): void {
    this.#version++;
  }

  /**
   * finished_loading() for a kernel's idea of "finished": true when no
   * module named `name` is listed, or it is in none of `states`. One
   * function per name and states, shared by every waiter, that walks the
   * list only when the table has changed since it last did: a herd of
   * thousands evaluates it at every wake-up.
   */
  settledOutOf(name: string, states: readonly ModuleState[]): () => boolean {
    const key = `${name}\0${states.join(',')}`;
    let cond = this.#settled.get(key);
    if (cond === undefined) {
      let seen = -1;
      let settled = false;
      cond = () => {
        if (seen !== this.#version) {
          seen = this.#version;
          const mod = this.#byName.get(name);
          settled = mod === undefined || !states.includes(mod.state);
        }
        return settled;
      };
      this.#settled.set(key, cond);
    }
    return cond;
  }

  /** find_module_all(name, …, true): any state, UNFORMED included. */
  find(name: string): Module | undefined {
    return this.#byName.get(name);
  }

  /** Adds `mod` (UNFORMED). A policy let two loads of one name through if this throws. */
  add(mod: Module): void {
    if (this.#byName.has(mod.name)) throw new Error(`kernel: module ${mod.name} is already in the module list`);
    this.#byName.set(mod.name, mod);
    this.#version++;
  }

  remove(mod: Module): void {
    if (this.#byName.get(mod.name) === mod) {
      this.#byName.delete(mod.name);
      this.#version++;
    }
  }

  /** Modules in list order: the kernel adds at the head, so the newest comes first. */
  list(): Module[] {
    return [...this.#byName.values()].reverse();
  }

  get size(): number {
    return this.#byName.size;
  }

  /** find_symbol(): the module exporting `symbol`, skipping UNFORMED ones as the kernel does. */
  exporterOf(symbol: string): Module | undefined {
    for (const mod of this.#byName.values()) {
      if (mod.state !== 'UNFORMED' && mod.file.exports.includes(symbol)) return mod;
    }
    return undefined;
  }

  /** /sys/module/NAME/initstate, or undefined when there is no such directory. */
  initstate(name: string): Initstate | undefined {
    const mod = this.#byName.get(name);
    return mod === undefined ? undefined : INITSTATE[mod.state];
  }

  /** /proc/modules: `name size refcount deps state address`, newest first, UNFORMED ones hidden. */
  procModules(): string {
    let out = '';
    for (const mod of this.list()) {
      if (mod.state === 'UNFORMED') continue;
      const deps = mod.holders.size === 0 ? '-' : [...mod.holders].map((h) => `${h.name},`).join('');
      out += `${mod.name} ${mod.imageBytes} ${mod.refcount} ${deps} ${PROC_STATE[mod.state]} ${moduleAddress(mod.areaOffset)}\n`;
    }
    return out;
  }
}
