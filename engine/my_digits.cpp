// my_digits.cpp — the collection of a person's digits, its storage bytes and the IDX pair (my_digits.h).
#include "my_digits.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <filesystem>

namespace dl {

namespace {

constexpr char kMagic[4] = {'D', 'L', 'M', 'D'};
constexpr uint32_t kVersion = 1;

void put_u32(std::vector<uint8_t>* b, uint32_t v) {
  for (int i = 3; i >= 0; --i) b->push_back(static_cast<uint8_t>(v >> (8 * i)));  // big-endian, as IDX
}
void put_u16(std::vector<uint8_t>* b, uint32_t v) {
  b->push_back(static_cast<uint8_t>(v >> 8));
  b->push_back(static_cast<uint8_t>(v));
}
void put_f32(std::vector<uint8_t>* b, float f) {
  uint32_t v;
  std::memcpy(&v, &f, 4);
  put_u32(b, v);
}

// Reads big-endian values from bytes, refusing to read past the end.
struct Reader {
  const uint8_t* p;
  size_t left;
  bool u32(uint32_t* v) {
    if (left < 4) return false;
    *v = (uint32_t{p[0]} << 24) | (uint32_t{p[1]} << 16) | (uint32_t{p[2]} << 8) | p[3];
    p += 4, left -= 4;
    return true;
  }
  bool u16(uint32_t* v) {
    if (left < 2) return false;
    *v = (uint32_t{p[0]} << 8) | p[1];
    p += 2, left -= 2;
    return true;
  }
  bool u8(uint8_t* v) {
    if (left < 1) return false;
    *v = *p++, --left;
    return true;
  }
  bool f32(float* f) {
    uint32_t v;
    if (!u32(&v)) return false;
    std::memcpy(f, &v, 4);
    return std::isfinite(*f);
  }
  bool bytes(uint8_t* dst, size_t n) {
    if (left < n) return false;
    std::memcpy(dst, p, n);
    p += n, left -= n;
    return true;
  }
};

Status check_strokes(const std::vector<PenStroke>& strokes) {
  if (strokes.size() > static_cast<size_t>(kMyDigitStrokesMax))
    return Status::Error("a drawing has more than " + std::to_string(kMyDigitStrokesMax) + " strokes");
  size_t points = 0;
  for (const PenStroke& s : strokes) {
    points += s.size();
    for (const PenPoint& p : s)
      if (!std::isfinite(p.x) || !std::isfinite(p.y)) return Status::Error("a stroke has a point that is not finite");
  }
  if (points > static_cast<size_t>(kMyDigitPointsMax))
    return Status::Error("a drawing has more than " + std::to_string(kMyDigitPointsMax) + " points");
  return Status::Ok();
}

std::string full_text() {
  return "your digits are full (" + std::to_string(kMyDigitsMax) + "): delete some or clear them first";
}

}  // namespace

int MyDigits::count_of(int label) const {
  return static_cast<int>(std::count(labels_.begin(), labels_.end(), static_cast<uint8_t>(label)));
}

Status MyDigits::add(int label, const float* input28, const std::vector<PenStroke>& strokes) {
  if (label < 0 || label > 9) return Status::Error("a digit's label must be 0-9, not " + std::to_string(label));
  if (count() >= kMyDigitsMax) return Status::Error(full_text());
  for (int i = 0; i < kImageSize; ++i)
    if (!std::isfinite(input28[i])) return Status::Error("the drawing's input is not finite");
  if (Status s = check_strokes(strokes); !s) return s;
  labels_.push_back(static_cast<uint8_t>(label));
  for (int i = 0; i < kImageSize; ++i)
    images_.push_back(static_cast<uint8_t>(std::lround(255.0f * std::clamp(input28[i], 0.0f, 1.0f))));
  strokes_.push_back(strokes);
  return Status::Ok();
}

Status MyDigits::remove(int i) {
  if (i < 0 || i >= count())
    return Status::Error("there is no digit " + std::to_string(i) + " (you have " + std::to_string(count()) + ")");
  labels_.erase(labels_.begin() + i);
  images_.erase(images_.begin() + static_cast<size_t>(i) * kImageSize,
                images_.begin() + static_cast<size_t>(i + 1) * kImageSize);
  strokes_.erase(strokes_.begin() + i);
  return Status::Ok();
}

void MyDigits::clear() {
  labels_.clear();
  images_.clear();
  strokes_.clear();
}

Dataset MyDigits::dataset() const { return dataset(0, count()); }

Dataset MyDigits::dataset(int first, int n) const {
  first = std::clamp(first, 0, count());
  n = std::clamp(n, 0, count() - first);
  Dataset d;
  d.count = n;
  d.labels.assign(labels_.begin() + first, labels_.begin() + first + n);
  d.images.resize(static_cast<size_t>(n) * kImageSize);
  const uint8_t* src = images_.data() + static_cast<size_t>(first) * kImageSize;
  for (size_t i = 0; i < d.images.size(); ++i) d.images[i] = src[i] / 255.0f;
  return d;
}

std::vector<uint8_t> write_idx(const std::vector<int>& dims, const uint8_t* data) {
  std::vector<uint8_t> out = {0, 0, 0x08, static_cast<uint8_t>(dims.size())};
  size_t n = 1;
  for (int d : dims) {
    put_u32(&out, static_cast<uint32_t>(d));
    n *= static_cast<size_t>(d);
  }
  out.insert(out.end(), data, data + n);
  return out;
}

std::vector<uint8_t> MyDigits::idx_images() const { return write_idx({count(), 28, 28}, images_.data()); }
std::vector<uint8_t> MyDigits::idx_labels() const { return write_idx({count()}, labels_.data()); }

Status MyDigits::append_idx(const IdxArray& images, const IdxArray& labels, const std::string& what) {
  if (images.dims.size() != 3 || images.dims[1] != 28 || images.dims[2] != 28)
    return Status::Error(what + ": the images file must hold (n, 28, 28) images");
  if (labels.dims.size() != 1 || labels.dims[0] != images.dims[0])
    return Status::Error(what + ": the labels file must hold one label per image (" + std::to_string(images.dims[0]) +
                         ")");
  const int n = images.dims[0];
  if (n > kMyDigitsMax - count()) return Status::Error(what + ": " + std::to_string(n) + " digits would pass the limit of " +
                                                       std::to_string(kMyDigitsMax) + " (you have " +
                                                       std::to_string(count()) + ")");
  for (int i = 0; i < n; ++i)
    if (labels.data[i] > 9) return Status::Error(what + ": label " + std::to_string(i) + " is over 9");
  labels_.insert(labels_.end(), labels.data.begin(), labels.data.begin() + n);
  images_.insert(images_.end(), images.data.begin(), images.data.begin() + static_cast<size_t>(n) * kImageSize);
  strokes_.resize(labels_.size());  // imported digits come without strokes
  return Status::Ok();
}

// Layout, big-endian: "DLMD", u32 version, u32 count; per digit: u8 label, 784 bytes of input,
// u16 strokes; per stroke: u16 points, then x, y as float32 bits.
std::vector<uint8_t> MyDigits::serialize() const {
  std::vector<uint8_t> b(kMagic, kMagic + 4);
  put_u32(&b, kVersion);
  put_u32(&b, static_cast<uint32_t>(count()));
  for (int i = 0; i < count(); ++i) {
    b.push_back(labels_[i]);
    b.insert(b.end(), image(i), image(i) + kImageSize);
    put_u16(&b, static_cast<uint32_t>(strokes_[i].size()));
    for (const PenStroke& s : strokes_[i]) {
      put_u16(&b, static_cast<uint32_t>(s.size()));
      for (const PenPoint& p : s) {
        put_f32(&b, p.x);
        put_f32(&b, p.y);
      }
    }
  }
  return b;
}

Status MyDigits::deserialize(const uint8_t* bytes, size_t size) {
  const std::string bad = "the stored digits are damaged";
  Reader r{bytes, size};
  uint8_t magic[4];
  uint32_t version = 0, n = 0;
  if (!r.bytes(magic, 4) || std::memcmp(magic, kMagic, 4) != 0) return Status::Error(bad + " (not DigitLab's format)");
  if (!r.u32(&version) || version != kVersion)
    return Status::Error(bad + " (version " + std::to_string(version) + ", this page reads " +
                         std::to_string(kVersion) + ")");
  if (!r.u32(&n) || n > static_cast<uint32_t>(kMyDigitsMax))
    return Status::Error(bad + " (more than " + std::to_string(kMyDigitsMax) + " digits)");
  // Each digit takes at least 787 bytes: a count larger than the bytes allow is refused before
  // anything is reserved for it.
  if (static_cast<uint64_t>(n) * (kImageSize + 3) > r.left) return Status::Error(bad + " (cut short)");
  MyDigits d;
  d.labels_.resize(n);
  d.images_.resize(static_cast<size_t>(n) * kImageSize);
  d.strokes_.resize(n);
  for (uint32_t i = 0; i < n; ++i) {
    uint32_t strokes = 0;
    if (!r.u8(&d.labels_[i]) || d.labels_[i] > 9 || !r.bytes(&d.images_[static_cast<size_t>(i) * kImageSize], kImageSize) ||
        !r.u16(&strokes) || strokes > static_cast<uint32_t>(kMyDigitStrokesMax))
      return Status::Error(bad + " (digit " + std::to_string(i) + ")");
    uint32_t total = 0;
    for (uint32_t s = 0; s < strokes; ++s) {
      uint32_t points = 0;
      if (!r.u16(&points) || (total += points) > static_cast<uint32_t>(kMyDigitPointsMax) ||
          static_cast<uint64_t>(points) * 8 > r.left)
        return Status::Error(bad + " (digit " + std::to_string(i) + "'s strokes)");
      PenStroke stroke(points);
      for (PenPoint& p : stroke)
        if (!r.f32(&p.x) || !r.f32(&p.y)) return Status::Error(bad + " (digit " + std::to_string(i) + "'s points)");
      d.strokes_[i].push_back(std::move(stroke));
    }
  }
  if (r.left != 0) return Status::Error(bad + " (" + std::to_string(r.left) + " bytes too many)");
  *this = std::move(d);
  return Status::Ok();
}

Status load_digits_dir(const std::string& dir, Dataset* out) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (!fs::is_directory(dir, ec))
    return Status::Error("'" + dir + "' is not a folder (give the folder with the exported my-digits-*-ubyte.gz pair)");
  std::vector<std::string> images, labels;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    const std::string name = it->path().filename().string();
    std::string base = name;
    if (base.size() > 3 && base.compare(base.size() - 3, 3, ".gz") == 0) base.resize(base.size() - 3);
    auto ends = [&](const char* suffix) {
      const size_t n = std::strlen(suffix);
      return base.size() >= n && base.compare(base.size() - n, n, suffix) == 0;
    };
    if (ends("images-idx3-ubyte")) images.push_back(name);
    if (ends("labels-idx1-ubyte")) labels.push_back(name);
  }
  if (ec) return Status::Error("cannot list '" + dir + "': " + ec.message());
  if (images.size() != 1 || labels.size() != 1)
    return Status::Error("'" + dir + "' must hold exactly one *images-idx3-ubyte[.gz] and one *labels-idx1-ubyte[.gz] file (found " +
                         std::to_string(images.size()) + " and " + std::to_string(labels.size()) + ")");
  IdxArray im, lb;
  if (Status s = read_idx_file(dir + "/" + images[0], &im); !s) return s;
  if (Status s = read_idx_file(dir + "/" + labels[0], &lb); !s) return s;
  Dataset d;
  if (Status s = make_dataset(im, lb, dir, &d); !s) return s;
  *out = std::move(d);
  return Status::Ok();
}

}  // namespace dl
