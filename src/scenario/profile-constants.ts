/**
 * Every constant of a cost profile as a physical quantity: its unit, the
 * range it can physically take on real hardware (documented, with where
 * the figure comes from), and whether `modstorm calibrate` may move it.
 * Fixed constants are known from the kernel's or udevd's code or from
 * hardware facts; free ones are fitted, only within their range.
 *
 * A profile field without an entry here is a test failure
 * (test/scenario/profile.test.ts): a cost nobody can explain is a knob.
 */
export interface ProfileConstant {
  /** Where it sits in a profile: `kernel.read.perByteNs`, `udev.rulesNs`, `init.modules.*`. */
  readonly path: string;
  readonly unit: 'ns' | 'ns/byte' | 'ns/CPU' | 'bytes' | 'factor' | 'count' | 'Hz' | 'flag';
  /** The documented range; calibrate keeps a free constant inside it. */
  readonly min: number;
  readonly max: number;
  /** Whether calibrate may move it. */
  readonly free: boolean;
  /** What it is, and the source of its value or range. */
  readonly source: string;
}

const US = 1_000;
const MS = 1_000_000;
const S = 1_000_000_000;

export const PROFILE_CONSTANTS: readonly ProfileConstant[] = [
  // ---- kernel: the load path (kernel/module/main.c) ----
  {
    path: 'kernel.read.fixedNs',
    unit: 'ns',
    min: 1 * US,
    max: 200 * US,
    free: false,
    source: 'kernel_read_file() (fs/kernel_read_file.c): fstat, vmalloc of the buffer, the first page-cache lookups',
  },
  {
    path: 'kernel.read.perByteNs',
    unit: 'ns/byte',
    min: 0.05,
    max: 5,
    free: false,
    source:
      'copying a cached file into a fresh vmalloc area: 0.2–1 GB/s per core with its page faults on real hardware (0.2–1 ns/byte), several times slower under emulation',
  },
  {
    path: 'kernel.decompress.fixedNs',
    unit: 'ns',
    min: 10 * US,
    max: 1 * MS,
    free: false,
    source: 'module_decompress() setup (kernel/module/decompress.c)',
  },
  {
    path: 'kernel.decompress.perByteNs',
    unit: 'ns/byte',
    min: 1,
    max: 50,
    free: false,
    source: 'xz/zstd decompression speed of one core: 50–500 MB/s of output',
  },
  { path: 'kernel.decompressedSizeFactor', unit: 'factor', min: 1, max: 10, free: false, source: 'xz/zstd ratio of a .ko file: 2–4' },
  {
    path: 'kernel.checkSignature.fixedNs',
    unit: 'ns',
    min: 100,
    max: 5 * MS,
    free: false,
    source:
      'module_sig_check() and elf_validity_check(): for an unsigned module (CONFIG_MODULE_SIG without enforcement) only a memcmp of the "~Module signature appended~" marker plus the section-header walk (µs); a signed one adds the RSA verify (~1 ms, more under emulation)',
  },
  {
    path: 'kernel.checkSignature.perByteNs',
    unit: 'ns/byte',
    min: 0,
    max: 200,
    free: false,
    source: 'hashing a signed module (SHA-256/512, ~2 ns/byte natively, ~100 under QEMU emulation); 0 for an unsigned one',
  },
  ...(['earlyChecks', 'layout', 'addUnformed', 'resolveSymbols', 'formation'] as const).flatMap((stage): ProfileConstant[] => [
    {
      path: `kernel.${stage}.fixedNs`,
      unit: 'ns',
      min: 0,
      max: 1 * MS,
      free: false,
      source: `load_module() stage ${stage}: microseconds of CPU; 0 keeps it a pure scheduling point (the CPU pool runs slices to their end)`,
    },
    {
      path: `kernel.${stage}.perByteNs`,
      unit: 'ns/byte',
      min: 0,
      max: 5,
      free: false,
      source: `load_module() stage ${stage}: per image byte (the copy into place for layout)`,
    },
  ]),
  { path: 'kernel.initOnCpu', unit: 'flag', min: 0, max: 1, free: false, source: 'whether init() holds a CPU; inits mostly sleep' },
  // module_mutex, grace periods and teardown (kernel/module/main.c, kernel/rcu/tree.c, mm/vmalloc.c)
  {
    path: 'kernel.moduleMutexNs',
    unit: 'ns',
    min: 200,
    max: 20 * US,
    free: true,
    source:
      'one module_mutex acquisition with a hand-over: waking the sleeping waiter and switching to it (mutex_unlock() → wake_up_q(), a context switch: 1–5 µs on a loaded server, more across sockets)',
  },
  {
    path: 'kernel.recheckNs',
    unit: 'ns',
    min: 100,
    max: 5 * US,
    free: false,
    source: 'one re-check under module_mutex: find_module_all() walking a list of ~150 modules (0.5–2 µs)',
  },
  { path: 'kernel.hz', unit: 'Hz', min: 100, max: 1000, free: false, source: 'CONFIG_HZ: 250 on openSUSE and Debian kernels (one jiffy = 4 ms)' },
  {
    path: 'kernel.rcuGraceExtraNs',
    unit: 'ns',
    min: 100 * US,
    max: 60 * MS,
    free: true,
    source:
      'what a synchronize_rcu() takes beyond the first force-quiescent-state scan (1 + (HZ > 250) + (HZ > 500) + nr_cpu_ids / 256 jiffies, kernel/rcu/tree.c): waiting out the grace period already in progress and further FQS rounds of the same length while CPUs are busy: from a fraction of a jiffy to several rounds (≤ 60 ms at HZ=250)',
  },
  {
    path: 'kernel.teardownNs',
    unit: 'ns',
    min: 10 * US,
    max: 2 * MS,
    free: false,
    source: 'the GOING notifier chain, klp_module_going(), ftrace_release_mod() and mod_sysfs_teardown() of one module (tens to hundreds of µs)',
  },
  {
    path: 'kernel.regionFreeNs',
    unit: 'ns',
    min: 1 * US,
    max: 100 * US,
    free: false,
    source: 'vfree() of one VM_FLUSH_RESET_PERMS region before its TLB flush: resetting the direct map, purging lazily freed areas under vmap_purge_lock (mm/vmalloc.c)',
  },
  {
    path: 'kernel.tlbFlushNsPerCpu',
    unit: 'ns/CPU',
    min: 20,
    max: 20 * US,
    free: true,
    source:
      "flush_tlb_kernel_range()'s IPI broadcast, per CPU of the machine: sending and waiting for each CPU's acknowledgement (≈0.1–1 µs per CPU natively; several µs per vCPU under emulation, where every IPI is a VM exit)",
  },
  {
    path: 'kernel.moduleMemoryRegions',
    unit: 'count',
    min: 1,
    max: 7,
    free: false,
    source: 'memory regions of one module from 6.4 (struct module_memory, ac3b43283923): 3–7, 5 for a typical driver; 2 before 6.4',
  },
  {
    path: 'kernel.gracePeriodNs',
    unit: 'ns',
    min: 0,
    max: 1 * S,
    free: false,
    source: "a fixed grace period instead of Tree RCU's formula (the model checker's 0); absent in a machine's profile",
  },
  {
    path: 'kernel.unloadNs',
    unit: 'ns',
    min: 1 * MS,
    max: 150 * MS,
    free: false,
    source: 'delete_module(): the module\'s exit() and the GOING notifiers, before free_module() (whose grace period and frees are modelled on their own)',
  },
  { path: 'kernel.symbolWaitNs', unit: 'ns', min: 30 * S, max: 30 * S, free: false, source: 'resolve_symbol_wait(): 30 * HZ (kernel/module/main.c)' },
  {
    path: 'kernel.moduleAreaBytes',
    unit: 'bytes',
    min: 0,
    max: 2 ** 40,
    free: false,
    source: 'x86-64 MODULES_VADDR..MODULES_END: 1 GiB, 1008 MiB with KASLR (Documentation/arch/x86/x86_64/mm.rst)',
  },
  { path: 'kernel.layoutFactor', unit: 'factor', min: 0.1, max: 4, free: false, source: 'final image size / file size (sections dropped, alignment)' },
  { path: 'kernel.pageBytes', unit: 'bytes', min: 4096, max: 65536, free: false, source: 'PAGE_SIZE: 4 KiB on x86-64' },

  // ---- udevd (systemd 252: src/udev/udevd.c, udev-event.c, udev-builtin-kmod.c) ----
  {
    path: 'udev.forkNs',
    unit: 'ns',
    min: 100 * US,
    max: 5 * MS,
    free: true,
    source: "the manager forks a worker: fork() of a ~10 MB udevd (page tables copied), the child's setup (0.2–2 ms on a server)",
  },
  {
    path: 'udev.dispatchNs',
    unit: 'ns',
    min: 5 * US,
    max: 2 * MS,
    free: true,
    source:
      "the manager's work per event: receive from the netlink socket, queue, devpath checks, send to the worker; with debug logging on, each event logs several lines to the journal (10 µs–1 ms)",
  },
  {
    path: 'udev.rulesNs',
    unit: 'ns',
    min: 200 * US,
    max: 30 * MS,
    free: true,
    source:
      "a worker's rules processing per event: sysfs attribute reads and matching of ~100 rules files; with udev's debug logging on (as on the 288-CPU machine) every rule applied is logged, which costs milliseconds per event",
  },
  {
    path: 'udev.kmodLookupNs',
    unit: 'ns',
    min: 5 * US,
    max: 1 * MS,
    free: false,
    source: 'kmod_module_new_from_lookup(): lookups in the mmapped modules.alias.bin and friends (tens of µs)',
  },
  {
    path: 'udev.kmodModuleNs',
    unit: 'ns',
    min: 5 * US,
    max: 1 * MS,
    free: false,
    source: 'kmod per module considered: open the .ko, read /sys/module/NAME/initstate (tens of µs)',
  },
  {
    path: 'udev.journalNs',
    unit: 'ns',
    min: 0,
    max: 20 * MS,
    free: true,
    source:
      "systemd-journald taking one event's log lines from a worker; journald is one thread, so in a storm the workers queue for it. ~0 at udev's default log level; with udev.log_level=debug (as on the 288-CPU machine, whose figures are debug-log timestamps) systemd 252 logs every rule applied, every property and each builtin, 50–200 lines an event, at 10k–100k journal entries/s: 0.5–20 ms",
  },

  // ---- module inits ----
  { path: 'init.defaultNs', unit: 'ns', min: 10 * US, max: 100 * MS, free: false, source: 'a typical init: register a driver or algorithm (≈1 ms)' },
  {
    path: 'init.cpufreqBusyNs',
    unit: 'ns',
    min: 100,
    max: 100 * US,
    free: false,
    source: 'acpi_cpufreq_init() / pcc_cpufreq_init() with a driver registered: cpufreq_get_current_driver() and return -EEXIST (a few µs)',
  },
  { path: 'init.pccProbeNs', unit: 'ns', min: 10 * US, max: 10 * MS, free: false, source: 'pcc_cpufreq_init(): evaluating the ACPI PCCH method before -ENODEV' },
  {
    path: 'init.acpiCpufreqPerCpuNs',
    unit: 'ns',
    min: 1 * US,
    max: 1 * MS,
    free: false,
    source: 'acpi_cpufreq registering: one policy (_PSS, _PCT evaluation) per CPU',
  },
  {
    path: 'init.modules.*',
    unit: 'ns',
    min: 0,
    max: 1 * S,
    free: false,
    source:
      'successful inits of the CPU-feature modules: orders of magnitude from what each does on a multi-socket Intel server (per-CPU VMX setup for kvm_intel, uncore PCI discovery, algorithm self-tests)',
  },
];

const byPath = new Map(PROFILE_CONSTANTS.map((c) => [c.path, c]));

/** The entry documenting `path` (a module's init time is documented by `init.modules.*`). */
export function profileConstant(path: string): ProfileConstant | undefined {
  return byPath.get(path) ?? (path.startsWith('init.modules.') ? byPath.get('init.modules.*') : undefined);
}
