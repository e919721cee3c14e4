// dataset.cpp — the IDX reader (raw or gzipped), MNIST loading, train/validation split and the
// per-image random affine augmentation. See dataset.h.
//
// Safety of the reader: an IDX header claims dimensions; nothing here allocates from those
// claims. Every size is checked against the bytes actually present (with overflow checks) before
// a single byte is copied, and gzip output is capped (a "gzip bomb" stops at the cap).
#include "dataset.h"

#include <sys/stat.h>

#include <algorithm>
#include <cassert>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cctype>
#include <cstring>
#include <limits>
#include <utility>

#ifdef DIGITLAB_HAVE_ZLIB
#include <zlib.h>
#endif

namespace dl {

namespace {

constexpr size_t kMaxFileBytes = size_t{100} << 20;  // a file on disk, raw or gzipped: 100 MiB
// Decompressed IDX data: 64 MiB, well above MNIST's largest file (train images, 47,040,016 bytes).
constexpr size_t kMaxIdxBytes = size_t{64} << 20;

std::string quoted(const std::string& what) { return "'" + what + "'"; }
// Every message is one sentence a person can act on.
Status error(std::string message) {
  if (!message.empty() && message.back() != '.') message += '.';
  return Status::Error(std::move(message));
}
std::string bytes_str(uint64_t n) { return std::to_string(n) + (n == 1 ? " byte" : " bytes"); }

std::string dims_str(const std::vector<uint32_t>& dims) {
  std::string s;
  for (size_t i = 0; i < dims.size(); ++i) s += (i ? "x" : "") + std::to_string(dims[i]);
  return s;
}

const char* idx_type_name(uint8_t t) {
  switch (t) {
    case 0x08: return "unsigned byte";
    case 0x09: return "signed byte";
    case 0x0B: return "16-bit integer";
    case 0x0C: return "32-bit integer";
    case 0x0D: return "32-bit float";
    case 0x0E: return "64-bit float";
    default: return "unknown";
  }
}

// Validates an IDX header against the whole buffer. On success *header is the header length and
// *dims the dimensions; the data is bytes[header, size). Allocates only dims (at most 4 ints).
Status check_idx(const uint8_t* bytes, size_t size, const std::string& what, std::vector<int>* dims, size_t* header) {
  if (size < 4) {
    return error(quoted(what) + " is too short to be an IDX file (" + std::to_string(size) +
                 " bytes, not even the 4-byte magic number): check that it is an MNIST file and download it again");
  }
  if (bytes[0] == 0x1f && bytes[1] == 0x8b) {
    return error(quoted(what) + " is gzip-compressed data, not raw IDX: decompress it first (gunzip)");
  }
  if (bytes[0] != 0 || bytes[1] != 0) {
    char magic[16];
    std::snprintf(magic, sizeof magic, "%02x %02x %02x %02x", bytes[0], bytes[1], bytes[2], bytes[3]);
    return error(quoted(what) + " is not an IDX file (it starts with bytes " + magic +
                 "; an IDX file starts with 00 00 08): check that it is one of the MNIST files");
  }
  const uint8_t dtype = bytes[2];
  if (dtype != 0x08) {
    char code[8];
    std::snprintf(code, sizeof code, "0x%02X", dtype);
    return error(quoted(what) + " holds IDX data of type " + code + " (" + idx_type_name(dtype) +
                 "), but DigitLab reads only unsigned bytes (type 0x08, as in MNIST)");
  }
  const int rank = bytes[3];
  if (rank < 1 || rank > 4) {
    return error(quoted(what) + " declares an IDX array of rank " + std::to_string(rank) +
                 ", but DigitLab reads ranks 1 to 4 (MNIST images have rank 3, labels rank 1)");
  }
  const size_t hdr = 4 + 4 * static_cast<size_t>(rank);
  if (size < hdr) {
    return error(quoted(what) + " is truncated inside its header (" + std::to_string(size) + " of " +
                 std::to_string(hdr) + " header bytes, " + std::to_string(hdr - size) + " missing): download it again");
  }
  std::vector<uint32_t> d(rank);
  for (int i = 0; i < rank; ++i) {
    const uint8_t* p = bytes + 4 + 4 * i;
    d[i] = (uint32_t{p[0]} << 24) | (uint32_t{p[1]} << 16) | (uint32_t{p[2]} << 8) | uint32_t{p[3]};
  }
  // Product of the dimensions with overflow checks. A dimension past int range, or a product
  // past 64 bits, cannot describe any input we could hold: refuse before comparing sizes.
  const size_t present = size - hdr;
  bool huge_dim = false, zero_dim = false, overflow = false;
  uint64_t expected = 1;
  for (uint32_t v : d) {
    huge_dim |= v > static_cast<uint32_t>(std::numeric_limits<int>::max());
    zero_dim |= v == 0;
    if (v != 0 && expected > std::numeric_limits<uint64_t>::max() / v) overflow = true;
    if (!overflow) expected *= v;
  }
  if (zero_dim) expected = 0;
  if (!zero_dim && (huge_dim || overflow)) {
    return error(quoted(what) + " declares dimensions " + dims_str(d) + ", far more data than its " +
                 std::to_string(present) + " data bytes: the header is corrupt; download the file again");
  }
  if (huge_dim) {
    return error(quoted(what) + " declares dimensions " + dims_str(d) +
                 ", one of them larger than DigitLab supports: the header is corrupt; download the file again");
  }
  if (expected > present) {
    return error(quoted(what) + " is truncated: its header declares " + dims_str(d) + " = " + std::to_string(expected) +
                 " data bytes but only " + std::to_string(present) + " are present (" + bytes_str(expected - present) +
                 " missing); download it again");
  }
  if (expected < present) {
    return error(quoted(what) + " has " + bytes_str(present - expected) + " of trailing data after the " +
                 std::to_string(expected) + " data bytes its header declares (" + dims_str(d) +
                 "): it is corrupt or not the file it claims to be; download it again");
  }
  dims->assign(d.begin(), d.end());
  *header = hdr;
  return Status::Ok();
}

bool is_gzip(const uint8_t* bytes, size_t size) { return size >= 2 && bytes[0] == 0x1f && bytes[1] == 0x8b; }

bool file_exists(const std::string& path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode);
}

bool dir_exists(const std::string& path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

std::string join_path(const std::string& dir, const std::string& name) {
  if (dir.empty()) return name;
  return dir.back() == '/' ? dir + name : dir + "/" + name;
}

// Reads a whole file (at most kMaxFileBytes) into *out.
Status read_file(const std::string& path, std::vector<uint8_t>* out) {
  FILE* f = std::fopen(path.c_str(), "rb");
  if (!f) return error("Cannot open " + quoted(path) + ": " + std::strerror(errno) + ".");
  std::vector<uint8_t> buf;
  Status st;
  if (std::fseek(f, 0, SEEK_END) != 0) {
    st = error("Cannot read " + quoted(path) + ": it is not a regular file (cannot seek).");
  } else {
    long n = std::ftell(f);
    if (n < 0) {
      st = error("Cannot read " + quoted(path) + ": " + std::strerror(errno) + ".");
    } else if (static_cast<unsigned long>(n) > kMaxFileBytes) {
      st = error(quoted(path) + " is " + std::to_string(n >> 20) + " MiB, more than the " +
                 std::to_string(kMaxFileBytes >> 20) + " MiB DigitLab reads: it is not an MNIST file");
    } else {
      std::rewind(f);
      buf.resize(static_cast<size_t>(n));
      if (n > 0 && std::fread(buf.data(), 1, buf.size(), f) != buf.size()) {
        st = error("Cannot read " + quoted(path) + ": reading stopped early (" +
                   (std::ferror(f) ? std::string(std::strerror(errno)) : std::string("file changed while reading")) +
                   ").");
      }
    }
  }
  std::fclose(f);
  if (st.ok()) out->swap(buf);
  return st;
}

}  // namespace

Status parse_idx(const uint8_t* bytes, size_t size, const std::string& what, IdxArray* out) {
  std::vector<int> dims;
  size_t header = 0;
  Status st = check_idx(bytes, size, what, &dims, &header);
  if (!st.ok()) return st;
  out->dims = std::move(dims);
  out->data.assign(bytes + header, bytes + size);  // size - header bytes, verified above
  return Status::Ok();
}

Status gunzip(const uint8_t* bytes, size_t size, size_t max_output, std::vector<uint8_t>* out) {
#ifdef DIGITLAB_HAVE_ZLIB
  if (!is_gzip(bytes, size)) { return error("The data is not gzip-compressed (no 1f 8b magic bytes at its start)."); }
  z_stream zs;
  std::memset(&zs, 0, sizeof zs);
  if (inflateInit2(&zs, 15 + 16) != Z_OK) {  // 15 = 32 KiB window, +16 = gzip wrapper only
    return error("Cannot start gzip decompression (zlib could not initialise; out of memory?).");
  }
  // Output grows geometrically, starting from a guess, up to max_output + 1 bytes: the allocation
  // follows what the stream really produces, not what it claims, and one byte past the limit
  // proves the data is too large (a decompression bomb stops there).
  const size_t cap = max_output == std::numeric_limits<size_t>::max() ? max_output : max_output + 1;
  const size_t guess = size <= cap / 4 ? size * 4 : cap;
  std::vector<uint8_t> buf(std::min(cap, std::max<size_t>(guess, 4096)));
  size_t produced = 0, consumed = 0;
  Status st;
  const auto corrupt = [&zs]() {
    return error(std::string("The gzip data is corrupt (zlib: ") + (zs.msg ? zs.msg : "data error") +
                 "): download the file again.");
  };
  for (;;) {
    if (produced == buf.size()) {
      if (buf.size() >= cap) break;  // reported below as too large
      buf.resize(buf.size() > cap / 2 ? cap : buf.size() * 2);
    }
    // zlib counts in uInt (32 bits): at most 1 GiB per call.
    const size_t in_chunk = std::min<size_t>(size - consumed, size_t{1} << 30);
    const size_t out_chunk = std::min<size_t>(buf.size() - produced, size_t{1} << 30);
    zs.next_in = const_cast<Bytef*>(bytes + consumed);
    zs.avail_in = static_cast<uInt>(in_chunk);
    zs.next_out = buf.data() + produced;
    zs.avail_out = static_cast<uInt>(out_chunk);
    const int r = inflate(&zs, Z_NO_FLUSH);
    consumed += in_chunk - zs.avail_in;
    produced += out_chunk - zs.avail_out;
    if (produced > max_output) break;
    if (r == Z_STREAM_END) {
      // Another gzip member may follow (concatenated .gz files are valid gzip).
      if (consumed < size && is_gzip(bytes + consumed, size - consumed)) {
        inflateReset(&zs);
        continue;
      }
      if (consumed < size) {
        st = error("The gzip data has " + bytes_str(size - consumed) +
                   " of trailing garbage after its end: the file is corrupt; download it again.");
      }
      break;
    }
    if (r != Z_OK && r != Z_BUF_ERROR) {
      st = corrupt();
      break;
    }
    if (zs.avail_out != 0) {
      // Room left for output but the stream did not end: the input ran out.
      if (consumed == size) {
        st = error("The gzip data is truncated (the compressed stream ends early): download the file again.");
      } else {
        st = corrupt();  // no progress with input and output available: cannot happen with a sane zlib
      }
      break;
    }
  }
  if (st.ok() && produced > max_output) {
    st = error("The gzip data decompresses to more than " + std::to_string(max_output) +
               " bytes, the limit: it is not an MNIST file (or it is a decompression bomb).");
  }
  inflateEnd(&zs);
  if (!st.ok()) return st;
  buf.resize(produced);
  buf.shrink_to_fit();
  out->swap(buf);
  return Status::Ok();
#else
  (void)bytes;
  (void)size;
  (void)max_output;
  (void)out;
  return error(
      "This build of DigitLab has no zlib, so it cannot read gzip data: "
      "decompress the file first (gunzip FILE.gz) and use the raw IDX file.");
#endif
}

Status read_idx_file(const std::string& path, IdxArray* out) {
  std::vector<uint8_t> bytes;
  Status st = read_file(path, &bytes);
  if (!st.ok()) return st;
  if (is_gzip(bytes.data(), bytes.size())) {
    std::vector<uint8_t> raw;
    st = gunzip(bytes.data(), bytes.size(), kMaxIdxBytes, &raw);
    if (!st.ok()) {
      std::string m = st.message();
      if (!m.empty()) m[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(m[0])));
      return error("Cannot read " + quoted(path) + ": " + m);
    }
    bytes.swap(raw);
  }
  // Parse in place: move the buffer into the array and drop the header (no second copy of a
  // 47 MB file).
  std::vector<int> dims;
  size_t header = 0;
  st = check_idx(bytes.data(), bytes.size(), path, &dims, &header);
  if (!st.ok()) return st;
  bytes.erase(bytes.begin(), bytes.begin() + static_cast<std::ptrdiff_t>(header));
  out->dims = std::move(dims);
  out->data = std::move(bytes);
  return Status::Ok();
}

Status make_dataset(const IdxArray& images, const IdxArray& labels, const std::string& what, Dataset* out) {
  auto shape_of = [](const IdxArray& a) {
    std::string s;
    for (size_t i = 0; i < a.dims.size(); ++i) s += (i ? "x" : "") + std::to_string(a.dims[i]);
    return s.empty() ? std::string("(no dimensions)") : s;
  };
  if (images.dims.size() != 3 || images.dims[1] != kImageSide || images.dims[2] != kImageSide) {
    return error(what + ": the images array is " + shape_of(images) +
                 ", but MNIST images must be count x 28 x 28: use the MNIST images file (idx3-ubyte)");
  }
  if (labels.dims.size() != 1) {
    return error(what + ": the labels array is " + shape_of(labels) +
                 ", but MNIST labels must be a flat list (rank 1): use the MNIST labels file (idx1-ubyte)");
  }
  const int n = images.dims[0];
  if (labels.dims[0] != n) {
    return error(what + ": there are " + std::to_string(n) + " images but " + std::to_string(labels.dims[0]) +
                 " labels: the images and labels files must come from the same set (train or t10k)");
  }
  if (n == 0) return error(what + ": the dataset is empty (0 images): use the full MNIST files");
  assert(images.data.size() == static_cast<size_t>(n) * kImageSize && labels.data.size() == static_cast<size_t>(n));
  for (int i = 0; i < n; ++i) {
    if (labels.data[i] >= kClasses) {
      return error(what + ": label " + std::to_string(i) + " is " + std::to_string(labels.data[i]) +
                   ", but MNIST labels are digits 0 to 9: the labels file is corrupt or not MNIST");
    }
  }
  Dataset d;
  d.count = n;
  d.images.resize(static_cast<size_t>(n) * kImageSize);  // (n, 784)
  const float inv = 1.0f / 255.0f;
  for (size_t i = 0; i < d.images.size(); ++i) d.images[i] = static_cast<float>(images.data[i]) * inv;
  d.labels = labels.data;  // (n)
  *out = std::move(d);
  return Status::Ok();
}

Status load_mnist(const std::string& dir, const std::string& split, Dataset* out) {
  const char* hint = ": set MNIST_DIR to a folder with the four MNIST files (see README, 'Getting MNIST')";
  if (split != "train" && split != "test") {
    return error("Unknown MNIST split '" + split + "': use \"train\" (60,000 images) or \"test\" (10,000 images).");
  }
  if (dir.empty()) return error(std::string("No MNIST folder given") + hint);
  if (!dir_exists(dir)) return error("MNIST folder " + quoted(dir) + " not found" + hint);
  const std::string prefix = split == "train" ? "train" : "t10k";
  // The canonical names, gzipped or not; the dotted variant is how some mirrors name them.
  auto find = [&](const std::string& kind, std::string* path) -> Status {
    const std::string base = prefix + "-" + kind;  // e.g. train-images-idx3-ubyte
    std::string dotted = base;
    dotted[dotted.find("-idx")] = '.';  // train-images.idx3-ubyte
    for (const std::string& name : {base + ".gz", base, dotted + ".gz", dotted}) {
      if (file_exists(join_path(dir, name))) {
        *path = join_path(dir, name);
        return Status::Ok();
      }
    }
    return error("MNIST file '" + base + ".gz' not found in " + quoted(dir) + hint);
  };
  std::string images_path, labels_path;
  Status st = find("images-idx3-ubyte", &images_path);
  if (!st.ok()) return st;
  st = find("labels-idx1-ubyte", &labels_path);
  if (!st.ok()) return st;

  IdxArray images, labels;
  st = read_idx_file(images_path, &images);
  if (!st.ok()) return st;
  st = read_idx_file(labels_path, &labels);
  if (!st.ok()) return st;
  return make_dataset(images, labels,
                      "MNIST " + split + " set (" + quoted(images_path) + ", " + quoted(labels_path) + ")", out);
}

void split_dataset(const Dataset& all, int validation, uint64_t shuffle_seed, Dataset* train, Dataset* val) {
  const int n = all.count;
  const int nv = std::max(0, std::min(validation, n));
  std::vector<int> order(n);  // (n) source index of each position
  for (int i = 0; i < n; ++i) order[i] = i;
  if (shuffle_seed != 0) {
    Rng rng(shuffle_seed);
    rng.shuffle(order.begin(), order.end());
  }
  auto take = [&](int first, int count) {
    Dataset d;
    d.count = count;
    d.images.resize(static_cast<size_t>(count) * kImageSize);  // (count, 784)
    d.labels.resize(count);                                    // (count)
    for (int i = 0; i < count; ++i) {
      const int src = order[first + i];
      std::memcpy(d.images.data() + static_cast<size_t>(i) * kImageSize, all.image(src), kImageSize * sizeof(float));
      d.labels[i] = all.labels[src];
    }
    return d;
  };
  // Build both before writing either: train or val may alias `all`.
  Dataset t = take(0, n - nv);
  Dataset v = take(n - nv, nv);
  *train = std::move(t);
  *val = std::move(v);
}

Dataset subset(const Dataset& d, int n) {
  const int m = std::max(0, std::min(n, d.count));
  Dataset s;
  s.count = m;
  s.images.assign(d.images.begin(), d.images.begin() + static_cast<std::ptrdiff_t>(m) * kImageSize);  // (m, 784)
  s.labels.assign(d.labels.begin(), d.labels.begin() + m);                                            // (m)
  return s;
}

// Augmentation. One random affine per image, drawn as Keras's ImageDataGenerator does (rotation
// angle, then per-axis zoom, then per-axis shift), composed into one 2x3 matrix that maps an
// output pixel centre to a source position (inverse mapping), then bilinear sampling with zeros
// outside. Coordinates are continuous with pixel centres at i + 0.5, so the rotation and zoom are
// about the true image centre (14, 14) and the identity maps every pixel exactly onto itself.
void augment_image(const float* src, float* dst, const AugmentConfig& cfg, Rng& rng) {
  assert(src != dst && "augment_image cannot work in place");
  constexpr int S = kImageSide;
  assert(cfg.zoom >= 0.0f && cfg.zoom < 1.0f && "AugmentConfig::zoom must be in [0, 1)");
  // Five draws per image, always, in this order (so a config with zeros keeps the stream aligned).
  const float deg = rng.uniform(-cfg.rotation_deg, cfg.rotation_deg);
  const float zx = rng.uniform(1.0f - cfg.zoom, 1.0f + cfg.zoom);
  const float zy = rng.uniform(1.0f - cfg.zoom, 1.0f + cfg.zoom);
  const float tx = rng.uniform(-cfg.shift, cfg.shift) * S;  // content moves by +tx pixels (right)
  const float ty = rng.uniform(-cfg.shift, cfg.shift) * S;  // content moves by +ty pixels (down)
  // Forward map of the content: p' = c + R Z (p - c) + t, with R = [[cs, -sn], [sn, cs]] (y points
  // down, so a positive angle turns the digit clockwise on screen) and Z = diag(zx, zy) (zoom > 1
  // enlarges). Sampling needs the inverse, p = c + Z^-1 R^T (p' - c - t), at each output pixel
  // centre p' = (x + 0.5, y + 0.5); the bilinear taps then live in index space (p - 0.5).
  // The trigonometry runs in double so that libm differences do not reach the float result.
  const double th = static_cast<double>(deg) * (3.14159265358979323846 / 180.0);
  const float cs = static_cast<float>(std::cos(th)), sn = static_cast<float>(std::sin(th));
  const float a00 = cs / zx, a01 = sn / zx;   // Z^-1 R^T, row 0
  const float a10 = -sn / zy, a11 = cs / zy;  // row 1
  const float c = 0.5f * S;
  const float ox = c + tx, oy = c + ty;  // p' - c - t = (x + 0.5 - ox, y + 0.5 - oy)
  for (int y = 0; y < S; ++y) {
    const float py = (y + 0.5f) - oy;
    float sx = c + a00 * (0.5f - ox) + a01 * py - 0.5f;  // source index position of (0, y)
    float sy = c + a10 * (0.5f - ox) + a11 * py - 0.5f;
    float* out = dst + y * S;
    for (int x = 0; x < S; ++x, sx += a00, sy += a10) {
      const float fx0 = std::floor(sx), fy0 = std::floor(sy);
      const int x0 = static_cast<int>(fx0), y0 = static_cast<int>(fy0);
      const float fx = sx - fx0, fy = sy - fy0;
      float v;
      if (x0 >= 0 && y0 >= 0 && x0 + 1 < S && y0 + 1 < S) {
        const float* p = src + y0 * S + x0;
        v = (1 - fy) * ((1 - fx) * p[0] + fx * p[1]) + fy * ((1 - fx) * p[S] + fx * p[S + 1]);
      } else if (x0 < -1 || y0 < -1 || x0 >= S || y0 >= S) {
        v = 0.0f;
      } else {  // on the border: taps outside the image read zero
        auto at = [&](int yy, int xx) { return (xx >= 0 && yy >= 0 && xx < S && yy < S) ? src[yy * S + xx] : 0.0f; };
        v = (1 - fy) * ((1 - fx) * at(y0, x0) + fx * at(y0, x0 + 1)) +
            fy * ((1 - fx) * at(y0 + 1, x0) + fx * at(y0 + 1, x0 + 1));
      }
      out[x] = v;
    }
  }
}

void augment_batch(const float* src, float* dst, int B, const AugmentConfig& cfg, Rng& rng) {
  for (int b = 0; b < B; ++b)
    augment_image(src + static_cast<size_t>(b) * kImageSize, dst + static_cast<size_t>(b) * kImageSize, cfg, rng);
}

}  // namespace dl
