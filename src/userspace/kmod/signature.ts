/**
 * The signature appended to a signed module, read as kmod 30's
 * libkmod/libkmod-signature.c kmod_module_signature_info() reads it (built
 * with libcrypto, as Debian's, Fedora's and Ubuntu's kmod are):
 *
 *   [ module ][ signer's name ][ key id ][ signature ][ struct module_signature ][ "~Module signature appended~\n" ]
 *
 * For a PKCS#7 signature (what scripts/sign-file writes) the signer, key id
 * and hash come from the PKCS#7 SignedData's first SignerInfo: the issuer's
 * commonName, the serial number and the digest algorithm. The DER is read
 * with @peculiar/asn1-cms.
 */
import { createRequire } from 'node:module';
import type { SignedData } from '@peculiar/asn1-cms';
import type { Name } from '@peculiar/asn1-x509';

// The ASN.1 packages take a tenth of a second to load and only a PKCS#7 signature needs them: loaded then, not by every command.
const require = createRequire(import.meta.url);
let asn1: { schema: typeof import('@peculiar/asn1-schema'); cms: typeof import('@peculiar/asn1-cms') } | undefined;
function asn1Packages(): NonNullable<typeof asn1> {
  return (asn1 ??= {
    schema: require('@peculiar/asn1-schema') as typeof import('@peculiar/asn1-schema'),
    cms: require('@peculiar/asn1-cms') as typeof import('@peculiar/asn1-cms'),
  });
}

export interface ModuleSignature {
  /** `PGP`, `X509` or `PKCS#7` (struct module_signature's id_type). */
  readonly idType: string;
  readonly signer: string;
  readonly keyId: Uint8Array;
  /** `sha256` and the like, as OpenSSL's OBJ_obj2txt names it; a dotted OID when it has no name. */
  readonly hashAlgo: string;
  readonly signature: Uint8Array;
}

const SIG_MAGIC = Buffer.from('~Module signature appended~\n', 'latin1');
const MODULE_SIGNATURE_SIZE = 12;
/** enum pkey_algo, pkey_hash_algo and pkey_id_type of the kernel's 3.7 sources, as kmod copies them. */
const PKEY_ALGO_COUNT = 2;
const PKEY_HASH_ALGO = ['md4', 'md5', 'sha1', 'rmd160', 'sha256', 'sha384', 'sha512', 'sha224', 'sm3'];
const PKEY_ID_TYPE = ['PGP', 'X509', 'PKCS#7'];
const PKEY_ID_PKCS7 = 2;

/** OpenSSL's short names (crypto/objects/objects.txt) for the digests a module may be signed with. */
const DIGEST_NAMES: Readonly<Record<string, string>> = {
  '1.2.840.113549.2.5': 'md5',
  '1.3.14.3.2.26': 'sha1',
  '2.16.840.1.101.3.4.2.1': 'sha256',
  '2.16.840.1.101.3.4.2.2': 'sha384',
  '2.16.840.1.101.3.4.2.3': 'sha512',
  '2.16.840.1.101.3.4.2.4': 'sha224',
  '2.16.840.1.101.3.4.2.8': 'sha3-256',
  '2.16.840.1.101.3.4.2.9': 'sha3-384',
  '2.16.840.1.101.3.4.2.10': 'sha3-512',
  '1.2.156.10197.1.401': 'SM3',
};
const COMMON_NAME = '2.5.4.3';

/** The module's signature, or undefined when it has none kmod would show (unsigned, or malformed). */
export function moduleSignature(image: Uint8Array): ModuleSignature | undefined {
  const buf = Buffer.from(image.buffer, image.byteOffset, image.byteLength);
  let size = buf.length - SIG_MAGIC.length;
  if (size < 0 || !buf.subarray(size).equals(SIG_MAGIC)) return undefined;
  size -= MODULE_SIGNATURE_SIZE;
  if (size < 0) return undefined;
  const algo = buf[size]!;
  const hash = buf[size + 1]!;
  const idType = buf[size + 2]!;
  const signerLen = buf[size + 3]!;
  const keyIdLen = buf[size + 4]!;
  const sigLen = buf.readUInt32BE(size + 8);
  if (algo >= PKEY_ALGO_COUNT || hash >= PKEY_HASH_ALGO.length || idType >= PKEY_ID_TYPE.length) return undefined;
  if (sigLen === 0 || size < sigLen + signerLen + keyIdLen) return undefined;
  const sigAt = size - sigLen;
  if (idType === PKEY_ID_PKCS7) return pkcs7Signature(buf.subarray(sigAt, size));
  // fill_default(): the three fields sit before the signature, in the order signer, key id.
  const keyAt = sigAt - keyIdLen;
  return {
    idType: PKEY_ID_TYPE[idType]!,
    signer: buf.toString('latin1', keyAt - signerLen, keyAt),
    keyId: buf.subarray(keyAt, sigAt),
    hashAlgo: PKEY_HASH_ALGO[hash]!,
    signature: buf.subarray(sigAt, size),
  };
}

function pkcs7Signature(der: Buffer): ModuleSignature | undefined {
  const { schema, cms } = asn1Packages();
  let signed: SignedData;
  try {
    signed = schema.AsnConvert.parse(schema.AsnConvert.parse(der, cms.ContentInfo).content, cms.SignedData);
  } catch {
    return undefined; // d2i_PKCS7_bio() failed: kmod shows no signature fields
  }
  const info = signed.signerInfos[0];
  const issuerAndSerial = info?.sid.issuerAndSerialNumber;
  if (info === undefined || issuerAndSerial === undefined) return undefined;
  const oid = info.digestAlgorithm.algorithm;
  return {
    idType: PKEY_ID_TYPE[PKEY_ID_PKCS7]!,
    signer: issuerCommonName(issuerAndSerial.issuer),
    keyId: unsignedBytes(new Uint8Array(issuerAndSerial.serialNumber)),
    hashAlgo: DIGEST_NAMES[oid] ?? oid,
    signature: new Uint8Array(info.signature.buffer),
  };
}

/**
 * x509_name_to_str(): the first commonName; with none, the loop ends on the
 * last entry and kmod shows that entry's value (an empty name shows nothing).
 */
function issuerCommonName(name: Name): string {
  const entries = name.flatMap((rdn) => [...rdn]);
  const entry = entries.find((e) => e.type === COMMON_NAME) ?? entries.at(-1);
  return entry === undefined ? '' : entry.value.toString();
}

/** BN_bn2bin(ASN1_INTEGER_to_BN()): the magnitude without leading zero bytes. */
function unsignedBytes(der: Uint8Array): Uint8Array {
  let i = 0;
  while (i < der.length && der[i] === 0) i++;
  return der.subarray(i);
}
