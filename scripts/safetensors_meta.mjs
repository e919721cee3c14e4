#!/usr/bin/env node
// safetensors_meta.mjs — reads or rewrites the __metadata__ of a safetensors file, keeping every
// tensor byte for byte (only the JSON header changes, re-padded with spaces to a multiple of 8, in
// the layout DigitLab and the Python package write: __metadata__ first with its keys in order,
// then the tensors as they were).
//
//   node scripts/safetensors_meta.mjs FILE                          prints __metadata__ as JSON
//   node scripts/safetensors_meta.mjs FILE [--set KEY=VALUE]... [--delete KEY]... --out OUT
//
// Used to take local paths out of the shipped model's "command" (issue 12, finding 10) and by
// tests/cli/cli_test.sh to make checkpoints with hostile metadata. No dependencies beyond Node.
import { readFileSync, writeFileSync } from 'node:fs';

function usage(message) {
  if (message) console.error(`safetensors_meta: ${message}`);
  console.error('usage: node scripts/safetensors_meta.mjs FILE [--set KEY=VALUE]... [--delete KEY]... [--out OUT]');
  process.exit(2);
}

const args = process.argv.slice(2);
if (args.length === 0 || args[0].startsWith('--')) usage('give a safetensors file first');
const file = args[0];
const sets = [];
const deletes = [];
let out = null;
for (let i = 1; i < args.length; i++) {
  const a = args[i];
  const value = () => { if (i + 1 >= args.length) usage(`${a} needs a value`); return args[++i]; };
  if (a === '--set') {
    const kv = value();
    const eq = kv.indexOf('=');
    if (eq <= 0) usage(`--set expects KEY=VALUE, got '${kv}'`);
    sets.push([kv.slice(0, eq), kv.slice(eq + 1)]);
  } else if (a === '--delete') deletes.push(value());
  else if (a === '--out') out = value();
  else usage(`unknown argument '${a}'`);
}

const bytes = readFileSync(file);
if (bytes.length < 8) usage(`${file} is too short for a safetensors file`);
const n = Number(bytes.readBigUInt64LE(0));
if (n > bytes.length - 8) usage(`${file}: the header length ${n} is beyond the end of the file`);
const header = JSON.parse(bytes.subarray(8, 8 + n).toString('utf8'));
const data = bytes.subarray(8 + n);
const meta = header.__metadata__ || {};

if (!out) {
  if (sets.length || deletes.length) usage('--set and --delete need --out');
  console.log(JSON.stringify(meta, null, 2));
  process.exit(0);
}

for (const [k, v] of sets) meta[k] = v;
for (const k of deletes) delete meta[k];
const sortedMeta = {};
for (const k of Object.keys(meta).sort()) sortedMeta[k] = meta[k];
const rebuilt = Object.keys(sortedMeta).length ? { __metadata__: sortedMeta } : {};
for (const [k, v] of Object.entries(header)) if (k !== '__metadata__') rebuilt[k] = v;
let text = JSON.stringify(rebuilt);
text += ' '.repeat((8 - (Buffer.byteLength(text) % 8)) % 8);
const head = Buffer.alloc(8);
head.writeBigUInt64LE(BigInt(Buffer.byteLength(text)));
writeFileSync(out, Buffer.concat([head, Buffer.from(text, 'utf8'), data]));
