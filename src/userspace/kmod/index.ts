/**
 * kmod in userspace: the depmod indexes and modprobe.d configuration, the
 * lookup that turns a modalias into module names, and modprobe's probe
 * order, all as kmod 30 does them.
 */
export { AliasIndex, type AliasEntry } from './alias-index.js';
export { fnmatch } from './fnmatch.js';
export {
  configFiles,
  emptyConfig,
  mergeConfigs,
  parseModprobeConfig,
  readModprobeConfig,
  type ConfigAlias,
  type ConfigCommand,
  type ConfigOptions,
  type ConfigSoftdep,
  type ModprobeConfig,
} from './modprobe-config.js';
export { compressionOf, compressionOfPath, decompressModule, isCompressedModulePath, type Compression } from './compression.js';
export { insertCall, KMOD_KERNEL_DECOMPRESS_FROM, type InsertCall, type InsertSetup } from './insert.js';
export { parseModinfo, readModinfo, readModuleImage, type Modinfo, type ModinfoField } from './modinfo.js';
export { hexString, modinfoFields, modinfoText, type ModinfoTextOptions } from './modinfo-text.js';
export { moduleSignature, type ModuleSignature } from './signature.js';
export {
  INDEX_FILES,
  ModuleIndex,
  indexFromTexts,
  loadModulesDir,
  type FoundModule,
  type IndexSources,
  type LoadOptions,
  type LookupResult,
  type LookupSource,
} from './module-index.js';
export { parseAliasFile, readAliasFile, type AliasLine } from './modules-alias.js';
export { parseModulesBuiltin, readModulesBuiltin, type BuiltinLine } from './modules-builtin.js';
export { parseModulesDep, readModulesDep, type DepLine } from './modules-dep.js';
export { moduleName, normalizeAlias } from './names.js';
export {
  probe,
  probeList,
  type KernelPort,
  type ProbeAction,
  type ProbeOptions,
  type ProbeResult,
  type ProbeStep,
} from './probe.js';
export type { Errno, Initstate, SyscallResult } from './types.js';
