// my_digits.h — a person's own digits: each drawing's 28x28 input (as bytes, as in MNIST) with the
// label the person gave it, and its strokes. The page keeps them in the browser (IndexedDB) as
// serialize() bytes, exports and imports them as the MNIST IDX pair, and fine-tunes on them
// (finetune.h); the CLI reads an exported pair from a folder (load_digits_dir).
//
// Every way in is hostile input: serialized bytes and IDX pairs are checked entry by entry against
// the limits below before anything is allocated, and a failed import leaves the collection as it was.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "dataset.h"
#include "status.h"
#include "strokes.h"

namespace dl {

// At most this many digits in one collection (a class of 30 drawing 30 each is 900), and this many
// stroke points per digit (a drawn digit has a few hundred: the pad keeps samples 0.3% apart).
constexpr int kMyDigitsMax = 2000;
constexpr int kMyDigitStrokesMax = 64;
constexpr int kMyDigitPointsMax = 2048;
// The largest serialize() can be: header, then per digit label + input + stroke count, a point count
// per stroke and 8 bytes per point (35 MB). The page reads stored bytes up to this and no more.
constexpr size_t kMyDigitsMaxBytes =
    12 + size_t{kMyDigitsMax} * (1 + kImageSize + 2 + 2 * kMyDigitStrokesMax + 8 * size_t{kMyDigitPointsMax});

class MyDigits {
 public:
  int count() const { return static_cast<int>(labels_.size()); }
  int label(int i) const { return labels_[i]; }
  const uint8_t* image(int i) const { return images_.data() + static_cast<size_t>(i) * kImageSize; }  // (784)
  const std::vector<PenStroke>& strokes(int i) const { return strokes_[i]; }
  int count_of(int label) const;  // how many have this label

  // Adds a drawing: input28 (784, [0, 1], stored rounded to bytes) and its strokes (may be empty:
  // an imported digit has none). Refused past kMyDigitsMax, for a label outside 0..9, non-finite
  // input, or strokes over the limits (nothing changes).
  Status add(int label, const float* input28, const std::vector<PenStroke>& strokes);
  Status remove(int i);  // the i-th in the order they were added
  void clear();

  // The digits as a dataset (pixel / 255, the order they were added), all or [first, first + n).
  Dataset dataset() const;
  Dataset dataset(int first, int n) const;

  // The MNIST IDX pair: images (n, 28, 28) type 0x08 and labels (n), uncompressed.
  std::vector<uint8_t> idx_images() const;
  std::vector<uint8_t> idx_labels() const;
  // Appends the digits of an IDX pair (parsed by parse_idx): refused as a whole when the arrays are
  // not a matching (n, 28, 28) / (n) pair, a label is over 9, or the total would pass kMyDigitsMax.
  Status append_idx(const IdxArray& images, const IdxArray& labels, const std::string& what);

  // Everything (inputs, labels, strokes) as bytes for the browser's storage, and back. deserialize
  // checks the magic, version, every count against the bytes present and the limits; on an error
  // *this is unchanged.
  std::vector<uint8_t> serialize() const;
  Status deserialize(const uint8_t* bytes, size_t size);

 private:
  std::vector<uint8_t> labels_;                // (n)
  std::vector<uint8_t> images_;                // (n, 784), ink = 255
  std::vector<std::vector<PenStroke>> strokes_;  // (n) strokes per digit, pad units
};

// Writes an IDX array of unsigned bytes (type 0x08) with the given dimensions.
std::vector<uint8_t> write_idx(const std::vector<int>& dims, const uint8_t* data);

// The IDX pair a folder holds: exactly one file matching *images-idx3-ubyte (or .gz) and one
// *labels-idx1-ubyte (or .gz) with the same prefix, as MyDigits exports them ("my-digits-...") or
// MNIST names them. Messages say what is missing or which files are ambiguous.
Status load_digits_dir(const std::string& dir, Dataset* out);

}  // namespace dl
