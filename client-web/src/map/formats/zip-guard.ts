// A look at a zip file's central directory before anything inflates it: an
// XLSX of a few megabytes may declare gigabytes of sheets (a "zip bomb").
// This trusts the sizes the directory declares; it stops the careless bomb
// and the absurd file, not one that lies about its sizes (see the report in
// docs/formats.md "Limits of an import").
import { fail } from "./checks";

/** Declared uncompressed bytes and entries an XLSX may hold. */
export const MAX_UNZIPPED_BYTES = 256 * 1024 * 1024;
export const MAX_ZIP_ENTRIES = 10_000;

const END_OF_DIRECTORY = 0x06054b50;
const DIRECTORY_ENTRY = 0x02014b50;

function endOfDirectory(view: DataView): number {
  // The record is 22 bytes plus a comment of at most 65,535.
  const stop = Math.max(0, view.byteLength - 22 - 65_535);
  for (let at = view.byteLength - 22; at >= stop; at--) {
    if (view.getUint32(at, true) === END_OF_DIRECTORY) return at;
  }
  return fail("XLSX", "not an XLSX file (no zip directory)");
}

export function checkZip(bytes: Uint8Array): void {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (view.byteLength < 22) fail("XLSX", "not an XLSX file (too short)");
  const end = endOfDirectory(view);
  const entries = view.getUint16(end + 10, true);
  if (entries > MAX_ZIP_ENTRIES) fail("XLSX", `more than ${MAX_ZIP_ENTRIES} parts`);
  let at = view.getUint32(end + 16, true);
  let total = 0;
  for (let i = 0; i < entries; i++) {
    if (at + 46 > view.byteLength || view.getUint32(at, true) !== DIRECTORY_ENTRY)
      fail("XLSX", "the zip directory is damaged");
    total += view.getUint32(at + 24, true);
    if (total > MAX_UNZIPPED_BYTES) fail("XLSX", "the sheets would unpack to more than 256 MB");
    at +=
      46 +
      view.getUint16(at + 28, true) +
      view.getUint16(at + 30, true) +
      view.getUint16(at + 32, true);
  }
}
