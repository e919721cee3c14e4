// dataset.h — MNIST-style datasets in memory, the IDX file reader, train/validation split and
// augmentation (random rotation, zoom and shift like Keras's ImageDataGenerator in the original
// project), reproducible by seed.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "rng.h"
#include "shape.h"
#include "status.h"

namespace dl {

struct Dataset {
  int count = 0;
  std::vector<float> images;    // (count, 784), pixel / 255 in [0, 1]
  std::vector<uint8_t> labels;  // (count), 0..9
  const float* image(int i) const { return images.data() + static_cast<size_t>(i) * kImageSize; }
};

// A parsed IDX array: unsigned bytes only (the MNIST type 0x08), dims as in the header.
struct IdxArray {
  std::vector<int> dims;
  std::vector<uint8_t> data;
};

// Parses IDX bytes (already decompressed). Checks magic, dtype, rank, every dimension against the
// bytes present (no allocation larger than the input), and rejects trailing or missing bytes.
// A dimension of 0 is valid IDX (an empty array); make_dataset refuses an empty dataset.
// `what` names the source in messages (a file name).
Status parse_idx(const uint8_t* bytes, size_t size, const std::string& what, IdxArray* out);
// Reads an IDX file, gzipped (by magic bytes 1f 8b) or raw. Gzip needs zlib (DIGITLAB_HAVE_ZLIB);
// without it the browser page can decompress with DecompressionStream and call parse_idx.
// Files over 100 MiB and gzip data that inflates past 64 MiB are refused (MNIST's largest file is
// 47,040,016 bytes).
Status read_idx_file(const std::string& path, IdxArray* out);
// Decompresses gzip data (one or more members). At most max_output bytes are ever allocated or
// produced: more is an error (a decompression bomb stops at the limit). Builds without zlib
// (DIGITLAB_HAVE_ZLIB undefined) return an error asking for the decompressed file.
Status gunzip(const uint8_t* bytes, size_t size, size_t max_output, std::vector<uint8_t>* out);

// Builds a dataset from an images array (n, 28, 28) and a labels array (n).
Status make_dataset(const IdxArray& images, const IdxArray& labels, const std::string& what, Dataset* out);
// Loads "train" (60,000) or "test" (10,000) from a directory with the four canonical files, gzipped
// or not: <prefix>-images-idx3-ubyte.gz, then without .gz (also the "<prefix>-images.idx3-ubyte"
// spelling some mirrors use), same for labels; prefix "train" or "t10k". Messages say which file
// is missing or wrong and how to get it (they mention MNIST_DIR). *out changes only on success.
Status load_mnist(const std::string& dir, const std::string& split, Dataset* out);

// Splits off the last `validation` images (clamped to [0, count]) into *val, the rest into *train.
// shuffle_seed != 0 shuffles the order first (dl::Rng, the same on every platform); 0 keeps the
// file order. train or val may be &all.
void split_dataset(const Dataset& all, int validation, uint64_t shuffle_seed, Dataset* train, Dataset* val);
// The first n images (or all if n >= count).
Dataset subset(const Dataset& d, int n);

struct AugmentConfig {
  float rotation_deg = 10.0f;  // uniform in [-r, r]; positive turns the digit clockwise on screen
  float zoom = 0.10f;          // scale uniform in [1 - z, 1 + z], drawn per axis as Keras does
  float shift = 0.10f;         // translation uniform in [-s, s] of the image side, each axis
};
// Writes an augmented copy of a 28x28 image (bilinear, zero outside). dst != src.
// One affine per image about the image centre: p' = c + R(angle) * diag(zoom_x, zoom_y) * (p - c)
// + (shift_x, shift_y) * 28, sampled by inverse mapping. Each call takes exactly five uniform
// draws from rng, in this order: angle, zoom_x, zoom_y, shift_x, shift_y (also when the config
// has zeros), so runs stay aligned and reproducible. The config (0, 0, 0) copies the image exactly.
void augment_image(const float* src, float* dst, const AugmentConfig& cfg, Rng& rng);
// Augments B images of a batch: src, dst (B, 784); the same as augment_image on each in turn.
void augment_batch(const float* src, float* dst, int B, const AugmentConfig& cfg, Rng& rng);

}  // namespace dl
