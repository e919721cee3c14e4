#!/usr/bin/env bash
# cli_test.sh — end-to-end tests of the `digitlab` command line: exit codes and messages for bad
# arguments and bad files, `info` figures, and (when MNIST_DIR names the MNIST folder) a tiny
# training run whose file `eval` and `predict` accept, reproducibility by seed, resuming, Ctrl-C,
# divergence, and a small `sweep` with its CSV table and PNG chart.
#
#   tests/cli/cli_test.sh [path/to/digitlab]    (default: build/native/bin/digitlab)
#
# Prints one line per check and "N passed, N failed"; the exit code is 0 only if all passed.
set -u
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
bin="${1:-$root/build/native/bin/digitlab}"
if [ ! -x "$bin" ]; then
  echo "cli_test: no digitlab binary at $bin (build it: cmake --build --preset native --target digitlab)" >&2
  exit 2
fi
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

passed=0
failed=0
out=""
code=0
pass() { passed=$((passed + 1)); echo "ok    $1"; }
fail() { failed=$((failed + 1)); echo "FAIL  $1"; [ -n "${2:-}" ] && printf '      %s\n' "$2"; }

# run CMD...: runs digitlab with the arguments, keeps stdout+stderr in $out and the exit code in $code.
run() { out="$("$bin" "$@" 2>&1)"; code=$?; }
# expect NAME CODE PATTERN: the last run exited with CODE and its output matches the regex PATTERN.
expect() {
  local name="$1" want="$2" pattern="$3"
  if [ "$code" != "$want" ]; then
    fail "$name" "exit code $code, expected $want; output: $(echo "$out" | tail -n 3)"
  elif ! grep -Eq -- "$pattern" <<<"$out"; then
    fail "$name" "output does not match /$pattern/: $(echo "$out" | tail -n 3)"
  else
    pass "$name"
  fi
}
# tensors FILE: the tensor bytes of a safetensors file (everything after the 8-byte length and the
# JSON header), as a checksum. The header holds dates and timings; the tensors must not differ.
tensors() {
  local n
  n=$(od -An -t u8 -N 8 "$1" | tr -d ' ')
  tail -c +$((8 + n + 1)) "$1" | sha256sum | cut -d' ' -f1
}

# ---- usage errors (exit 2) -------------------------------------------------------------------
run;                                    expect "no command shows usage" 2 "usage: digitlab <command>"
run frobnicate;                         expect "unknown command" 2 "unknown command 'frobnicate'"
run help;                               expect "help lists the commands" 0 "^  train +train a network"
for c in eval predict info sweep activations probe embed ablate finetune pen; do
  grep -Eq "^  $c +[a-z]" <<<"$out" && pass "help lists '$c'" || fail "help lists '$c'" "no line for it: $(echo "$out" | head -n 12)"
done
run train --help;                       expect "train --help lists options with defaults" 0 "--epochs N +.*\(default 10\)"
run eval --help;                        expect "eval --help" 0 "--mistakes"
run train --lr abc;                     expect "non-numeric --lr" 2 "--lr expects a number, got 'abc'"
run train --lr -1;                      expect "negative --lr" 2 "--lr must be between"
run train --epochs 0;                   expect "zero epochs" 2 "--epochs must be between 1 and"
run train --bogus;                      expect "unknown option" 2 "unknown option '--bogus'"
run train -e 3;                         expect "single-dash option" 2 "unknown option '-e'"
run train --epochs;                     expect "option without its value" 2 "--epochs needs a value"
run train --optimizer adamw;            expect "unknown optimizer named" 2 "adamw"
run train --schedule wobbly;            expect "unknown schedule named" 2 "wobbly"
run train --momentum 0.5;               expect "momentum without sgd" 2 "--momentum applies to --optimizer sgd"
run train --augment --no-augment;       expect "contradicting flags" 2 "contradict"
run train "c32k5 zz9 f10";              expect "bad spec token is named" 2 "zz9"
run train "c32k5 p2 f12";               expect "spec must end in f10" 2 "f12"
run info;                               expect "info without argument" 2 "give a spec"
run predict;                            expect "predict without arguments" 2 "model file"
run sweep --help;                       expect "sweep --help" 0 "--presets A,B,\.\.\. +.*\(default softmax,mlp,conv1,R1,conv3,R2\)"
run sweep --presets softmax,R9;         expect "sweep with an unknown preset" 2 "unknown preset 'R9' in --presets \(presets: softmax, mlp, "
run sweep --presets softmax,,R1;        expect "sweep with an empty preset name" 2 "empty name"
run sweep --presets R1,R1;              expect "sweep with a preset twice" 2 "'R1' is listed twice"
run sweep R1;                           expect "sweep takes presets by option" 2 "unexpected argument 'R1'; name the presets with --presets"
run sweep --schedule plateau:0.5:3;     expect "sweep refuses the plateau schedule" 2 "plateau needs a validation split"

# ---- data and files (exit 1, or 2 when nothing was given) ---------------------------------------
out="$(env -u MNIST_DIR "$bin" train R1 --epochs 1 2>&1)"; code=$?
expect "no data folder given" 2 "MNIST_DIR"
run train R1 --epochs 1 --data "$tmp/no-such-folder"
expect "missing data folder" 1 "no-such-folder"
run info "$tmp/missing.safetensors";    expect "info on a missing file" 1 "does not exist"
run eval "$tmp/missing.safetensors";    expect "eval on a missing file" 1 "does not exist"
printf 'this is not a model' > "$tmp/garbage.safetensors"
run eval "$tmp/garbage.safetensors";    expect "eval on a garbage file" 1 "cannot load"
run predict "$tmp/garbage.safetensors" x.png; expect "predict with a garbage model" 1 "cannot load"

# ---- issue 12: hostile files and specs are refused, quickly and within a memory cap --------------
# Each check is named after the finding it covers. These runs get at most 4 GiB of address space
# (the CLI's budget is 2 GiB), so a regression fails the check instead of eating the machine.
run_limited() { out="$( (ulimit -v 4194304; "$bin" "$@") 2>&1)"; code=$?; }
meta() { node "$root/scripts/safetensors_meta.mjs" "$@"; }
# A 300-byte file whose spec asks for 13.7 billion parameters and that holds no tensor.
huge_spec="$(printf 'c1024k27 %.0s' $(seq 1 19))f10"
header="{\"__metadata__\":{\"format\":\"digitlab\",\"spec\":\"$huge_spec\"}}"
while [ $(( ${#header} % 8 )) -ne 0 ]; do header="$header "; done
{ printf "$(printf '\\x%02x' $(( ${#header} & 255 )) $(( ${#header} >> 8 )) 0 0 0 0 0 0)"; printf '%s' "$header"; } > "$tmp/huge_spec.safetensors"
run_limited info "$tmp/huge_spec.safetensors"
expect "finding 1: a 300-byte file with a 110 GB spec is refused before building" 1 "needs [0-9,]+ parameter values but the file holds 0"
run_limited predict "$tmp/huge_spec.safetensors" x.png
expect "finding 1: predict refuses it too" 1 "cannot load"
run_limited info "c620k10p23 c1k28p28 f10"
expect "finding 2: a spec whose im2col scratch is 17 GB is refused with its size" 2 "conv2.*im2col.*MiB"
# A 16384x16384 PNG (a few hundred KB of zeros) is refused from its header, before decoding.
node -e '
const zlib = require("zlib"), fs = require("fs");
const W = 16384, row = Buffer.alloc(W + 1);
const def = zlib.createDeflate({ level: 9 }), parts = [];
def.on("data", (d) => parts.push(d));
def.on("end", () => {
  const crcTable = new Int32Array(256).map((_, n) => { let c = n; for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1; return c; });
  const crc = (b) => { let c = -1; for (const x of b) c = crcTable[(c ^ x) & 255] ^ (c >>> 8); return (c ^ -1) >>> 0; };
  const chunk = (type, body) => { const len = Buffer.alloc(4); len.writeUInt32BE(body.length); const tb = Buffer.concat([Buffer.from(type), body]); const c = Buffer.alloc(4); c.writeUInt32BE(crc(tb)); return Buffer.concat([len, tb, c]); };
  const ihdr = Buffer.alloc(13); ihdr.writeUInt32BE(W, 0); ihdr.writeUInt32BE(W, 4); ihdr[8] = 8; ihdr[9] = 0;
  fs.writeFileSync(process.argv[1], Buffer.concat([Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]), chunk("IHDR", ihdr), chunk("IDAT", Buffer.concat(parts)), chunk("IEND", Buffer.alloc(0))]));
});
(function write(i) { while (i < W) { if (!def.write(row)) { def.once("drain", () => write(i + 1)); return; } i++; } def.end(); })(0);
' "$tmp/huge.png"
t0=$(date +%s)
run_limited predict "$root/assets/digitlab.safetensors" "$tmp/huge.png"
t1=$(date +%s)
expect "finding 8: a 16384x16384 PNG is refused from its header" 1 "huge.png' is 16384x16384 pixels; images of at most"
if [ $((t1 - t0)) -le 3 ]; then pass "finding 8: ... within 3 s ($((t1 - t0)) s)"; else fail "finding 8: the huge PNG took $((t1 - t0)) s"; fi
# A JPEG whose Huffman table has more than 256 codes (found by fuzz_image: stb_image 2.27 wrote past
# its tables) is refused before stb reads it.
run_limited predict "$root/assets/digitlab.safetensors" "$root/tests/fuzz/corpus/image/jpeg_dht_overflow.jpg"
expect "a JPEG with an oversized Huffman table is refused" 1 "jpeg_dht_overflow.jpg' as an image: its JPEG Huffman tables are damaged"
run_limited predict "$root/assets/digitlab.safetensors" "$root/tests/fuzz/corpus/image/jpeg_fill_bytes_dht.jpg"
expect "a JPEG whose SOI follows fill bytes is checked too" 1 "jpeg_fill_bytes_dht.jpg' as an image: its JPEG Huffman tables are damaged"

# ---- info ----------------------------------------------------------------------------------------
# R2 = c32k5 c32k5 p2 d.25 c64k3 c64k3 p2 d.25 f256 d.5 f10:
#   conv 32*1*25+32 = 832, 32*32*25+32 = 25,632, 64*32*9+64 = 18,496, 64*64*9+64 = 36,928;
#   dense 3136*256+256 = 803,072, 256*10+10 = 2,570; total 887,530.
run info R2
expect "info R2 total parameters" 0 "parameters +887,530"
expect "info R2 first conv layer" 0 "conv1 +conv +32x28x28 +832 "
expect "info R2 dense layer" 0 " 803,072 "
# MACs of R2: conv1 28*28*32*25 = 627,200; conv2 28*28*32*800 = 20,070,400; conv3 14*14*64*288 =
# 3,612,672; conv4 14*14*64*576 = 7,225,344; fc 3136*256 = 802,816; 256*10 = 2,560; the engine also
# counts one per pooling window input (32*28*28 = 25,088 and 64*14*14 = 12,544) -> 32,378,624.
expect "info R2 MACs" 0 "MACs/image +32,378,624"
run info "c8k5 p2 f10";                 expect "info on a spec" 0 "parameters +15,898"
run info --presets;                     expect "info --presets" 0 "R2 .*c32k5"

# ---- with MNIST ------------------------------------------------------------------------------------
if [ -z "${MNIST_DIR:-}" ] || [ ! -d "${MNIST_DIR:-}" ]; then
  echo "skip  training, eval, predict and sweep checks (MNIST_DIR is not set)"
else
  model="$tmp/tiny.safetensors"
  # Without augmentation and with small, fast steps, 47 steps of R1 reach about 80%.
  run train R1 --subset 2000 --epochs 1 --validation 500 --no-augment --batch 32 --lr 0.003 --out "$model"
  expect "tiny training run" 0 "test accuracy [0-9.]+% \([0-9]+/10000\)"
  expect "tiny training run validates" 0 "validation [0-9.]+% \([0-9]+/500\)"
  run info "$model"
  expect "info shows the file's metadata" 0 "test_accuracy +0\.[0-9]+"
  expect "info shows the training command" 0 "command +digitlab train R1 --subset 2000"

  run eval "$model" --mistakes 5 --grid "$tmp/grid.png"
  expect "eval on the trained file" 0 "test accuracy [0-9.]+% \([0-9]+/10000\)"
  acc=$(grep -Eo 'test accuracy [0-9]+' <<<"$out" | grep -Eo '[0-9]+$')
  if [ "${acc:-0}" -ge 70 ]; then pass "tiny model beats chance clearly (${acc}%)"; else fail "tiny model accuracy ${acc:-?}% < 70%"; fi
  expect "eval prints the confusion matrix" 0 "confusion matrix"
  expect "eval lists 5 mistakes" 0 "^ +5 +[0-9]+ +[0-9] +[0-9] +[0-9.]+%"
  if [ "$(head -c 8 "$tmp/grid.png" | od -An -t x1 | tr -d ' \n')" = "89504e470d0a1a0a" ]; then
    pass "eval --grid writes a PNG"
  else
    fail "eval --grid writes a PNG"
  fi

  # activations: the layer view's native reference (JSON of every layer's output for a test image).
  run activations "$model" --index 0 --layer 1
  expect "activations prints one layer as JSON" 0 '^\{"index":0,"label":7,.*"layers":\[\{"index":1,"name":"relu1","kind":"relu","shape":\[8,28,28\],"values":\['
  if node -e 'const j = JSON.parse(require("fs").readFileSync(0, "utf8")); const p = j.probabilities.reduce((a, b) => a + b, 0);
      process.exit(j.layers.length === 1 && j.layers[0].values.length === 8 * 28 * 28 && j.layers[0].values.every((v) => v >= 0) && Math.abs(p - 1) < 1e-5 ? 0 : 1)' \
      < <("$bin" activations "$model" --index 0 --layer 1 2>/dev/null); then
    pass "activations: valid JSON, ReLU output non-negative, probabilities sum to 1"
  else
    fail "activations: valid JSON, ReLU output non-negative, probabilities sum to 1"
  fi
  run activations "$model" --index 10000
  expect "activations: an index past the test set" 2 "test set has images 0\.\.9999"
  run activations "$model" --layer 99
  expect "activations: a layer the model does not have" 2 "the model has layers 0\.\."

  # probe / embed / ablate: the instruments of the Layers view, from the command line.
  run probe "$model" --images 500 --test-images 500 --epochs 3 --csv "$tmp/probe.csv" --plot "$tmp/probe.png"
  expect "probe prints a row per step" 0 "^ +0  input +input +784 "
  expect "probe reaches the output layer" 0 "^ +[0-9]+  fc1 +dense +10 "
  if [ "$(wc -l < "$tmp/probe.csv" 2>/dev/null)" = "$(( $(grep -c '^ *[0-9]\+  ' <<<"$out") + 1 ))" ] \
      && [ "$(head -c 8 "$tmp/probe.png" | od -An -t x1 | tr -d ' \n')" = "89504e470d0a1a0a" ]; then
    pass "probe --csv has a line per step and --plot writes a PNG"
  else
    fail "probe --csv has a line per step and --plot writes a PNG" "$(head -3 "$tmp/probe.csv" 2>/dev/null)"
  fi
  run probe "$model" --images 5
  expect "probe: too few images" 2 "--images must be between 10 and"
  run embed "$model" --step 3 --images 300 --png "$tmp/map.png" --csv "$tmp/map.csv"
  expect "embed maps a step" 0 "map of step 3 \(pool1, [0-9,]+ features\) .*: 300 test images, pca in"
  if [ "$(wc -l < "$tmp/map.csv" 2>/dev/null)" = 301 ]; then pass "embed --csv has a line per image"; else fail "embed --csv has a line per image"; fi
  run embed "$model" --step 99 --png "$tmp/map.png"
  expect "embed: a step the model does not have" 2 "there is no step 99"
  run embed "$model" --step 1 --method umap --png "$tmp/map.png"
  expect "embed: an unknown method" 2 "--method must be pca or tsne"
  run ablate "$model" --step 2
  expect "ablate: every channel of relu1 off is chance" 0 "test accuracy (([0-9]|1[0-2])\.[0-9]+%) with them off"
  run ablate "$model" --step 2 --channels 0,2-3
  expect "ablate: a list of channels" 0 "3 of 8 channels off"
  run ablate "$model" --step 2 --channels 9
  expect "ablate: a channel the step does not have" 2 "'9' is not a channel or range within 0..7"

  # finetune / pen: teaching a model a person's handwriting, and recorded pen digits per writer.
  run finetune "$model" --out "$tmp/taught.safetensors"
  expect "finetune: --digits is required" 2 "--digits DIR names the folder"
  run finetune "$model" --digits "$tmp/no-such-folder" --out "$tmp/taught.safetensors"
  expect "finetune: a folder that is not there" 1 "no-such-folder' is not a folder"
  run pen "$model"
  expect "pen: --pen is required" 2 "--pen FILE names the pen digits"
  printf '[{"label": 3, "writer": 1, "strokes": [[[1, 2], "x"]]}]' > "$tmp/bad_pen.json"
  run pen "$model" --pen "$tmp/bad_pen.json"
  expect "pen: a damaged entry is named" 1 "bad_pen.json: digit 0 has a point that is not \[x, y\]"
  if [ -n "${PEN_DIGITS:-}" ] && [ -f "$PEN_DIGITS" ]; then
    shipped="$root/assets/digitlab.safetensors"
    run pen "$shipped" --pen "$PEN_DIGITS" --writers 28 --export "$tmp/pen28" --csv "$tmp/pen.csv"
    expect "pen: one writer's accuracy" 0 "^ +28 +250 +[0-9.]+%"
    expect "pen: the drawn digits exported as an IDX pair" 0 "250 digits written to"
    run pen "$shipped" --pen "$PEN_DIGITS" --writers 99
    expect "pen: a writer the file does not have" 1 "has no digits of writers 99"
    run pen "$shipped" --pen "$PEN_DIGITS" --writers 9-3
    expect "pen: a backwards range" 2 "--writers expects an id or a range"
    run finetune "$shipped" --digits "$tmp/pen28" --out "$tmp/taught.safetensors" --steps 20
    expect "finetune: before/after on the newest 20% held out" 0 "held out +[0-9.]+% -> [0-9.]+% \([0-9]+ -> [0-9]+ of 50\)"
    expect "finetune: the MNIST forgetting check" 0 "MNIST test +[0-9.]+% -> [0-9.]+% \([-+][0-9.]+ points, 10,000 images\)"
    run eval "$tmp/taught.safetensors" --data "$MNIST_DIR"
    expect "finetune: the taught model is a model file eval reads" 0 "test accuracy"
    run finetune "$shipped" --digits "$tmp/pen28" --out "$tmp/taught.safetensors" --lr 2
    expect "finetune: a learning rate out of range" 2 "--lr must be between"
  fi

  # The first test image (a 7) as a PGM file, and its negative (dark ink on white).
  { printf 'P5\n28 28\n255\n'; gzip -dc "$MNIST_DIR/t10k-images-idx3-ubyte.gz" | tail -c +17 | head -c 784; } > "$tmp/seven.pgm"
  { printf 'P5\n28 28\n255\n'; tail -c 784 "$tmp/seven.pgm" | perl -0777 -pe '$_ = join "", map { chr(255 - ord) } split //'; } > "$tmp/seven_negative.pgm"
  run predict "$model" "$tmp/seven.pgm"
  expect "predict reads a PGM" 0 "seven.pgm: 7 \([0-9.]+%\)"
  expect "predict prints ten probabilities" 0 "0:[0-9.]+%.* 9:[0-9.]+%"
  run predict "$model" "$tmp/seven_negative.pgm" --json
  expect "predict --json, dark ink on white is inverted" 0 "\"digit\": 7"
  run predict "$model" "$tmp/seven.pgm" "$tmp/nothing.png"
  expect "predict with a missing image fails" 1 "nothing.png' does not exist"
  expect "predict still answers for the good image" 1 "seven.pgm: 7"
  printf 'P5\n28 28\n255\n' > "$tmp/short.pgm"
  run predict "$model" "$tmp/short.pgm"; expect "predict on a truncated image" 1 "short.pgm' is truncated"
  printf 'GIF89a' > "$tmp/bad.gif"
  run predict "$model" "$tmp/bad.gif";   expect "predict on a broken image" 1 "cannot read .*bad.gif"

  # Corrupted model files: truncated, and a header length that lies.
  head -c 2000 "$model" > "$tmp/truncated.safetensors"
  run eval "$tmp/truncated.safetensors"; expect "eval on a truncated model" 1 "cannot load"
  { printf '\xff\xff\xff\xff\x00\x00\x00\x00'; tail -c +9 "$model"; } > "$tmp/lying.safetensors"
  run eval "$tmp/lying.safetensors";     expect "eval on a lying header length" 1 "cannot load"

  # ---- issue 12 with MNIST: images, resume metadata, batch budget, command metadata, temporaries ----
  # Finding 8: a non-UTF-8 (Latin-1) file name in --json output; PGM maxval honoured or refused.
  latin1="$tmp/$(printf 'sev\xe9n.pgm')"
  cp "$tmp/seven.pgm" "$latin1"
  run predict "$model" "$latin1" --json
  expect "finding 8: predict --json with a Latin-1 file name" 0 '"digit": 7'
  { printf 'P5\n28 28\n15\n'; tail -c 784 "$tmp/seven.pgm" | perl -0777 -pe '$_ = join "", map { chr(int(ord($_) * 15 / 255 + 0.5)) } split //'; } > "$tmp/seven15.pgm"
  run predict "$model" "$tmp/seven15.pgm" --ascii
  expect "finding 8: PGM maxval 15 is read" 0 "seven15.pgm: 7 "
  if grep -q '@' <<<"$out"; then pass "finding 8: ... and scaled by maxval, not read as almost black (full ink in the input)"
  else fail "finding 8: PGM maxval 15 is scaled by maxval" "$out"; fi
  { printf 'P5\n28 28\n0\n'; head -c 784 /dev/zero; } > "$tmp/maxval0.pgm"
  run predict "$model" "$tmp/maxval0.pgm"
  expect "finding 8: PGM maxval 0 is refused" 1 "maxval 0"
  { printf 'P5\n2 2\n70000\n'; head -c 8 /dev/zero; } > "$tmp/maxval70000.pgm"
  run predict "$model" "$tmp/maxval70000.pgm"
  expect "finding 8: PGM maxval above 65535 is refused" 1 "maxval 70000"

  # Finding 4: a spec whose activations at --batch 1024 are 34 GB is refused before anything loads,
  # with the largest batch that fits.
  run_limited train "c1k1p28 c256k1p22 p16 f10" --batch 1024 --epochs 1 --out "$tmp/f4.safetensors"
  expect "finding 4: a batch the budget cannot hold is refused with the largest that fits" 2 "at batch 1024 .*a batch of at most [0-9]+ fits"

  # Finding 10: the command in the file records options, not the folders it was given.
  run train R1 --subset 300 --validation 100 --epochs 1 --data "$MNIST_DIR" --out "$tmp/paths.safetensors"
  cmd_line="$(meta "$tmp/paths.safetensors" | node -e 'console.log(JSON.parse(require("fs").readFileSync(0, "utf8")).command)')"
  if [ "$code" = 0 ] && [[ "$cmd_line" != *"$tmp"* && "$cmd_line" != *"$MNIST_DIR"* && "$cmd_line" == *"--data \$MNIST_DIR"* && "$cmd_line" == *"--out paths.safetensors"* ]]; then
    pass "finding 10: the command metadata holds no local path ($cmd_line)"
  else
    fail "finding 10: the command metadata holds no local path" "$cmd_line"
  fi

  # Finding 11: a stale temporary file of a run that died (a second Ctrl-C) is cleaned up.
  dead_pid=$(sh -c 'echo $$')
  printf 'half a checkpoint' > "$tmp/paths.safetensors.$dead_pid.tmp"
  run train --resume "$tmp/paths.safetensors" --epochs 2
  if [ "$code" = 0 ] && [ ! -e "$tmp/paths.safetensors.$dead_pid.tmp" ] && grep -q "stale temporary file" <<<"$out"; then
    pass "finding 11: a stale checkpoint temporary is removed, and said so"
  else
    fail "finding 11: a stale checkpoint temporary is removed" "exit $code; $(ls "$tmp" | grep '\.tmp' | tr '\n' ' '); $(echo "$out" | tail -n 2)"
  fi

  # Finding 3: resume metadata is typed and range-checked (no atoi): a negative or huge step is a message.
  for steps in -100 4294967196 12abc; do
    meta "$tmp/paths.safetensors" --set epochs=0 --set epoch_steps=$steps --out "$tmp/bad_steps.safetensors"
    run_limited train --resume "$tmp/bad_steps.safetensors" --epochs 1
    expect "finding 3: resume with epoch_steps '$steps' is a message" 1 "epoch_steps '$steps'"
  done
  meta "$tmp/paths.safetensors" --set batch=1e9 --out "$tmp/bad_batch.safetensors"
  run_limited train --resume "$tmp/bad_batch.safetensors" --epochs 3
  expect "finding 3: resume with a checkpoint batch of 1e9 names the checkpoint" 2 "checkpoint.*batch"

  # Same seed, same threads: identical tensors; another seed: different tensors.
  run train R1 --subset 600 --validation 100 --epochs 1 --seed 7 --out "$tmp/a.safetensors"
  run train R1 --subset 600 --validation 100 --epochs 1 --seed 7 --out "$tmp/b.safetensors"
  run train R1 --subset 600 --validation 100 --epochs 1 --seed 8 --out "$tmp/c.safetensors"
  if [ "$(tensors "$tmp/a.safetensors")" = "$(tensors "$tmp/b.safetensors")" ]; then
    pass "same seed gives identical tensors"
  else
    fail "same seed gives identical tensors"
  fi
  if [ "$(tensors "$tmp/a.safetensors")" != "$(tensors "$tmp/c.safetensors")" ]; then
    pass "another seed gives other tensors"
  else
    fail "another seed gives other tensors"
  fi

  # Resuming: one epoch, then resume to two = two epochs at once (same tensors).
  run train R1 --subset 600 --validation 100 --epochs 2 --seed 7 --out "$tmp/two.safetensors"
  cp "$tmp/a.safetensors" "$tmp/resumed.safetensors"
  run train --resume "$tmp/resumed.safetensors" --epochs 2
  expect "resume continues" 0 "resuming from .* after 1 epochs"
  if [ "$(tensors "$tmp/two.safetensors")" = "$(tensors "$tmp/resumed.safetensors")" ]; then
    pass "1 epoch + resume = 2 epochs, bit for bit"
  else
    fail "1 epoch + resume = 2 epochs, bit for bit"
  fi
  run train --resume "$tmp/resumed.safetensors" --epochs 2
  expect "resume of a finished run asks for more epochs" 2 "already trained 2 epochs"

  # Sweep: two presets on 1,000 images for one epoch (small, fast steps, as for the tiny run above).
  sweep_out="$tmp/sweep"
  run sweep --presets softmax,R1 --epochs 1 --subset 1000 --batch 32 --lr 0.003 \
      --csv "$tmp/sweep.csv" --plot "$tmp/sweep.png" --out-dir "$sweep_out"
  expect "sweep prints a line per preset and epoch" 0 "^R1 epoch 1/1: loss [0-9.]+, train [0-9.]+%, test [0-9.]+%"
  expect "sweep prints the table" 0 "^R1 +c8k5 p2 c16k5 p2 f10 +2 +11,274 +1,602,496 +[0-9.]+ +[0-9]+ +[0-9.]+%$"
  if [ -f "$tmp/sweep.csv" ] && [ "$(wc -l < "$tmp/sweep.csv")" -eq 3 ] &&
     head -n 1 "$tmp/sweep.csv" | grep -qx "preset,spec,hidden_layers,parameters,flops_per_image,train_seconds,images_per_second,test_accuracy,acc_epoch1"; then
    pass "sweep CSV has a header and one row per preset"
  else
    fail "sweep CSV has a header and one row per preset" "$(cat "$tmp/sweep.csv" 2>/dev/null)"
  fi
  # Each row: the preset in order, its hidden layers and parameters, a test accuracy above 50% equal
  # to the last epoch's.
  bad_rows=$(awk -F, 'NR == 2 && !($1 == "softmax" && $2 == "f10" && $3 == 0 && $4 == 7850) { print "row 1: " $0 }
                      NR == 3 && !($1 == "R1" && $3 == 2 && $4 == 11274 && $5 == 1602496) { print "row 2: " $0 }
                      NR > 1 && !($8 > 50 && $8 <= 100 && $8 == $9) { print "accuracy: " $0 }' "$tmp/sweep.csv" 2>&1)
  if [ -f "$tmp/sweep.csv" ] && [ -z "$bad_rows" ]; then pass "sweep CSV rows: presets, sizes, accuracies > 50%"; else fail "sweep CSV rows" "$bad_rows"; fi
  # The saved R1 model scores on the test set exactly what the CSV says.
  run eval "$sweep_out/R1.safetensors" --mistakes 0
  csv_acc=$(awk -F, '$1 == "R1" { print $8 }' "$tmp/sweep.csv")
  expect "sweep --out-dir model scores the CSV's accuracy" 0 "test accuracy ${csv_acc:-none}% "
  # The chart: a PNG of 900x560 (IHDR width and height, big-endian) that stb can read back.
  png_head=$(od -An -t x1 -N 24 "$tmp/sweep.png" 2>/dev/null | tr -d ' \n')
  if [ "${png_head:0:16}" = "89504e470d0a1a0a" ] && [ "${png_head:32:16}" = "0000038400000230" ]; then
    pass "sweep writes a 900x560 PNG"
  else
    fail "sweep writes a 900x560 PNG" "header: $png_head"
  fi
  run predict "$sweep_out/R1.safetensors" "$tmp/sweep.png"
  expect "the sweep chart decodes with stb" 0 "sweep.png: [0-9] \("
  # Ctrl-C during the second preset: exit 130, the first preset's row is kept.
  "$bin" sweep --presets softmax,R1 --subset 20000 --epochs 2 --csv "$tmp/int.csv" --plot "$tmp/int.png" \
      > "$tmp/sweep_int.out" 2> "$tmp/sweep_int.err" &
  pid=$!
  for _ in $(seq 1 600); do grep -q "^R1 epoch 1/2" "$tmp/sweep_int.err" 2>/dev/null && break; sleep 0.1; done
  kill -INT "$pid"
  wait "$pid"; code=$?
  out="$(cat "$tmp/sweep_int.err")"
  expect "Ctrl-C stops a sweep, keeping finished presets" 130 "interrupted in R1 epoch 1; 1 finished preset written to .*int.csv"
  if [ "$(cut -d, -f1 "$tmp/int.csv" 2>/dev/null | tr '\n' ' ')" = "preset softmax " ]; then
    pass "the interrupted sweep's CSV holds the finished preset"
  else
    fail "the interrupted sweep's CSV holds the finished preset" "$(cat "$tmp/int.csv" 2>/dev/null)"
  fi

  # Divergence: huge SGD steps on a deep MLP overflow the logits within a few steps.
  run train "f512 f512 f512 f10" --subset 1100 --validation 100 --epochs 1 --optimizer sgd --lr 100 --no-augment \
      --out "$tmp/diverged.safetensors"
  expect "divergence is reported" 1 "training diverged at epoch 1 step [0-9]+ \(.*\): lower the learning rate, e.g. --lr 10; no checkpoint"
  if [ ! -e "$tmp/diverged.safetensors" ]; then pass "a diverged run writes no file"; else fail "a diverged run writes no file"; fi

  # Ctrl-C: stop after the current step, leave a checkpoint that loads, exit 130.
  "$bin" train R1 --subset 20000 --validation 100 --epochs 3 --out "$tmp/int.safetensors" > "$tmp/int.out" 2> "$tmp/int.err" &
  pid=$!
  for _ in $(seq 1 300); do grep -q "epoch 1/3" "$tmp/int.err" 2>/dev/null && break; sleep 0.1; done
  kill -INT "$pid"
  wait "$pid"; code=$?
  out="$(cat "$tmp/int.err")"
  expect "Ctrl-C exits 130 with a checkpoint" 130 "interrupted .*checkpoint written to .*int.safetensors"
  run info "$tmp/int.safetensors"
  expect "the interrupted checkpoint loads" 0 "state +interrupted"
  # Mid-epoch, the checkpoint holds the run's position: resumed to the end of that epoch, it gives
  # the tensors of a run that was never stopped (the schedule is constant, so --epochs 1 is that run).
  if grep -q "interrupted at epoch 1 step" "$tmp/int.err"; then
    run train --resume "$tmp/int.safetensors" --epochs 1
    expect "a mid-epoch checkpoint resumes" 0 "resuming from .* after 0 epochs and [0-9]+ steps"
    run train R1 --subset 20000 --validation 100 --epochs 1 --out "$tmp/int_ref.safetensors"
    if [ "$(tensors "$tmp/int.safetensors")" = "$(tensors "$tmp/int_ref.safetensors")" ]; then
      pass "Ctrl-C mid-epoch + resume = an uninterrupted epoch, bit for bit"
    else
      fail "Ctrl-C mid-epoch + resume = an uninterrupted epoch, bit for bit"
    fi
  fi
fi

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
