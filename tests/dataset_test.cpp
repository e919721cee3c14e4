// dataset_test.cpp — the IDX reader (malformed, lying and hostile headers; gzip, truncated gzip, a
// gzip bomb), MNIST loading (a handmade folder always; the real files when MNIST_DIR is set),
// split and subset.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "dataset.h"

#ifdef DIGITLAB_HAVE_ZLIB
#include <zlib.h>
#endif

namespace {

using dl::IdxArray;
using dl::Status;

// IDX bytes: magic 00 00 dtype rank, big-endian dims, then `data_bytes` bytes (i * 7 + 3).
std::vector<uint8_t> make_idx(const std::vector<uint32_t>& dims, size_t data_bytes, uint8_t dtype = 0x08) {
  std::vector<uint8_t> b = {0, 0, dtype, static_cast<uint8_t>(dims.size())};
  for (uint32_t d : dims) {
    b.push_back(static_cast<uint8_t>(d >> 24));
    b.push_back(static_cast<uint8_t>(d >> 16));
    b.push_back(static_cast<uint8_t>(d >> 8));
    b.push_back(static_cast<uint8_t>(d));
  }
  for (size_t i = 0; i < data_bytes; ++i) b.push_back(static_cast<uint8_t>(i * 7 + 3));
  return b;
}

Status parse(const std::vector<uint8_t>& b, IdxArray* out) { return dl::parse_idx(b.data(), b.size(), "x.idx", out); }

bool contains(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }

std::string temp_path(const std::string& name) { return testing::TempDir() + "digitlab_dataset_test_" + name; }

void write_file(const std::string& path, const std::vector<uint8_t>& bytes) {
  FILE* f = std::fopen(path.c_str(), "wb");
  ASSERT_NE(f, nullptr) << path;
  if (!bytes.empty()) { ASSERT_EQ(std::fwrite(bytes.data(), 1, bytes.size(), f), bytes.size()); }
  std::fclose(f);
}

// An error whose message names the file: every reader error must.
void expect_error(const std::vector<uint8_t>& b, const std::string& part) {
  IdxArray a;
  Status st = parse(b, &a);
  ASSERT_FALSE(st.ok()) << "expected an error containing '" << part << "'";
  EXPECT_TRUE(contains(st.message(), part)) << st.message();
  EXPECT_TRUE(contains(st.message(), "'x.idx'")) << st.message();
  EXPECT_TRUE(a.dims.empty());
  EXPECT_EQ(a.data.capacity(), 0u);  // nothing was allocated from the header's claims
}

TEST(Idx, ParsesAHandmadeImagesArray) {
  std::vector<uint8_t> b = make_idx({2, 3, 4}, 24);
  IdxArray a;
  ASSERT_TRUE(parse(b, &a).ok());
  EXPECT_EQ(a.dims, (std::vector<int>{2, 3, 4}));
  ASSERT_EQ(a.data.size(), 24u);
  for (size_t i = 0; i < 24; ++i) EXPECT_EQ(a.data[i], static_cast<uint8_t>(i * 7 + 3));
  // The header is big-endian: 0x00000803 for rank 3.
  EXPECT_EQ(b[2], 0x08);
  EXPECT_EQ(b[3], 3);
}

TEST(Idx, ParsesLabelsAndBigDimensionValues) {
  IdxArray a;
  ASSERT_TRUE(parse(make_idx({5}, 5), &a).ok());
  EXPECT_EQ(a.dims, (std::vector<int>{5}));
  // A dimension whose bytes are all used (0x00000103 = 259) checks the byte order.
  ASSERT_TRUE(parse(make_idx({259, 1}, 259), &a).ok());
  EXPECT_EQ(a.dims, (std::vector<int>{259, 1}));
}

TEST(Idx, EmptyArrayIsValidIdx) {
  IdxArray a;
  ASSERT_TRUE(parse(make_idx({0, 28, 28}, 0), &a).ok());
  EXPECT_EQ(a.dims, (std::vector<int>{0, 28, 28}));
  EXPECT_TRUE(a.data.empty());
}

TEST(Idx, RejectsEmptyAndTinyInput) {
  expect_error({}, "too short");
  expect_error({0, 0, 8}, "too short");
}

TEST(Idx, RejectsWrongMagic) {
  expect_error({'P', 'K', 3, 4, 0, 0, 0, 1, 9}, "not an IDX file");
  expect_error({0, 1, 8, 1, 0, 0, 0, 1, 9}, "not an IDX file");
  expect_error({0x1f, 0x8b, 8, 0, 0, 0}, "gzip");  // gzip handed to the raw parser: says decompress
}

TEST(Idx, RejectsOtherDtypesByName) {
  expect_error(make_idx({2}, 8, 0x0D), "0x0D (32-bit float)");
  expect_error(make_idx({2}, 2, 0x09), "0x09 (signed byte)");
  expect_error(make_idx({2}, 2, 0x42), "0x42");
}

TEST(Idx, RejectsRankZeroAndFive) {
  expect_error(make_idx({}, 0), "rank 0");
  expect_error(make_idx({1, 1, 1, 1, 1}, 1), "rank 5");
}

TEST(Idx, RejectsTruncatedHeader) {
  std::vector<uint8_t> b = make_idx({2, 28, 28}, 0);
  b.resize(10);  // 16-byte header cut at 10
  expect_error(b, "6 missing");
}

TEST(Idx, SaysHowManyBytesAreMissing) {
  expect_error(make_idx({2, 28, 28}, 1000), "568 bytes missing");
  expect_error(make_idx({10}, 9), "1 byte missing");
}

TEST(Idx, RejectsTrailingBytes) { expect_error(make_idx({2, 2}, 7), "3 bytes of trailing data"); }

TEST(Idx, HugeDimensionsNeverAllocate) {
  // 2^31 images of 28x28 with 10 bytes present: must fail on the sizes, not on an allocation.
  expect_error(make_idx({0x80000000u, 28, 28}, 10), "2147483648x28x28");
  expect_error(make_idx({0x80000000u}, 10), "2147483648");
  // The product overflows 64 bits: 2^16^4 = 2^64, and 0xFFFFFFFF^4.
  expect_error(make_idx({65536, 65536, 65536, 65536}, 10), "far more data");
  expect_error(make_idx({0xFFFFFFFFu, 0xFFFFFFFFu, 0xFFFFFFFFu, 0xFFFFFFFFu}, 10), "far more data");
  // A zero makes the product 0, but a dimension past int range is still refused.
  expect_error(make_idx({0, 0x80000000u}, 0), "larger than DigitLab supports");
}

TEST(Idx, ReadsRawFile) {
  const std::string path = temp_path("raw.idx");
  write_file(path, make_idx({3, 2}, 6));
  IdxArray a;
  Status st = dl::read_idx_file(path, &a);
  ASSERT_TRUE(st.ok()) << st.message();
  EXPECT_EQ(a.dims, (std::vector<int>{3, 2}));
  ASSERT_EQ(a.data.size(), 6u);
  EXPECT_EQ(a.data[5], static_cast<uint8_t>(5 * 7 + 3));
  std::remove(path.c_str());
}

TEST(Idx, FileErrorsNameThePath) {
  IdxArray a;
  Status st = dl::read_idx_file(temp_path("does-not-exist.idx"), &a);
  ASSERT_FALSE(st.ok());
  EXPECT_TRUE(contains(st.message(), "does-not-exist.idx")) << st.message();
  const std::string path = temp_path("short.idx");
  write_file(path, make_idx({4}, 3));
  st = dl::read_idx_file(path, &a);
  ASSERT_FALSE(st.ok());
  EXPECT_TRUE(contains(st.message(), path)) << st.message();
  EXPECT_TRUE(contains(st.message(), "1 byte missing")) << st.message();
  std::remove(path.c_str());
}

#ifdef DIGITLAB_HAVE_ZLIB
// gzip-wrapped deflate (windowBits 15 + 16), as the MNIST .gz files are.
std::vector<uint8_t> gzip(const std::vector<uint8_t>& raw) {
  z_stream zs{};
  EXPECT_EQ(deflateInit2(&zs, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY), Z_OK);
  std::vector<uint8_t> out(deflateBound(&zs, static_cast<uLong>(raw.size())) + 32);
  zs.next_in = const_cast<Bytef*>(raw.data());
  zs.avail_in = static_cast<uInt>(raw.size());
  zs.next_out = out.data();
  zs.avail_out = static_cast<uInt>(out.size());
  EXPECT_EQ(deflate(&zs, Z_FINISH), Z_STREAM_END);
  out.resize(zs.total_out);
  deflateEnd(&zs);
  return out;
}

TEST(Gzip, RoundTrip) {
  std::vector<uint8_t> raw = make_idx({7, 28, 28}, 7 * 784);
  std::vector<uint8_t> gz = gzip(raw), back;
  ASSERT_EQ(gz[0], 0x1f);
  Status st = dl::gunzip(gz.data(), gz.size(), raw.size(), &back);  // exactly at the limit is fine
  ASSERT_TRUE(st.ok()) << st.message();
  EXPECT_EQ(back, raw);
}

TEST(Gzip, ReadsGzippedIdxFile) {
  const std::string path = temp_path("images.idx.gz");
  std::vector<uint8_t> raw = make_idx({3, 28, 28}, 3 * 784);
  write_file(path, gzip(raw));
  IdxArray a;
  Status st = dl::read_idx_file(path, &a);
  ASSERT_TRUE(st.ok()) << st.message();
  EXPECT_EQ(a.dims, (std::vector<int>{3, 28, 28}));
  EXPECT_EQ(a.data, std::vector<uint8_t>(raw.begin() + 16, raw.end()));
  std::remove(path.c_str());
}

TEST(Gzip, TruncatedStreamIsAnError) {
  std::vector<uint8_t> gz = gzip(make_idx({50, 28, 28}, 50 * 784));
  for (size_t keep : {gz.size() - 1, gz.size() - 8, gz.size() / 2, size_t{12}}) {
    std::vector<uint8_t> cut(gz.begin(), gz.begin() + static_cast<std::ptrdiff_t>(keep)), out;
    Status st = dl::gunzip(cut.data(), cut.size(), 1 << 20, &out);
    ASSERT_FALSE(st.ok()) << "kept " << keep << " of " << gz.size();
    EXPECT_TRUE(contains(st.message(), "truncated")) << st.message();
  }
  // Through the file reader, the message names the file.
  const std::string path = temp_path("cut.idx.gz");
  write_file(path, std::vector<uint8_t>(gz.begin(), gz.begin() + static_cast<std::ptrdiff_t>(gz.size() / 2)));
  IdxArray a;
  Status st = dl::read_idx_file(path, &a);
  ASSERT_FALSE(st.ok());
  EXPECT_TRUE(contains(st.message(), path) && contains(st.message(), "truncated")) << st.message();
  std::remove(path.c_str());
}

TEST(Gzip, CorruptDataIsAnError) {
  std::vector<uint8_t> gz = gzip(make_idx({50, 28, 28}, 50 * 784)), out;
  for (size_t i = 20; i < 40; ++i) gz[i] ^= 0x5a;
  Status st = dl::gunzip(gz.data(), gz.size(), 1 << 20, &out);
  ASSERT_FALSE(st.ok());
  EXPECT_TRUE(contains(st.message(), "corrupt")) << st.message();
}

TEST(Gzip, BombStopsAtTheLimit) {
  // 8 MiB of zeros compress to a few KiB; a 1 MiB limit must stop it.
  std::vector<uint8_t> zeros(size_t{8} << 20, 0);
  std::vector<uint8_t> gz = gzip(zeros), out;
  ASSERT_LT(gz.size(), 64u * 1024);
  Status st = dl::gunzip(gz.data(), gz.size(), size_t{1} << 20, &out);
  ASSERT_FALSE(st.ok());
  EXPECT_TRUE(contains(st.message(), "more than 1048576 bytes")) << st.message();
  EXPECT_TRUE(out.empty());
  // One byte under the real size is still too much; the real size is fine.
  std::vector<uint8_t> small(1000, 7), gz2 = gzip(small);
  EXPECT_FALSE(dl::gunzip(gz2.data(), gz2.size(), 999, &out).ok());
  EXPECT_TRUE(dl::gunzip(gz2.data(), gz2.size(), 1000, &out).ok());
  EXPECT_EQ(out, small);
}

TEST(Gzip, ConcatenatedMembersAndTrailingGarbage) {
  std::vector<uint8_t> a = {1, 2, 3}, b = {4, 5}, out;
  std::vector<uint8_t> gz = gzip(a), gzb = gzip(b);
  gz.insert(gz.end(), gzb.begin(), gzb.end());
  ASSERT_TRUE(dl::gunzip(gz.data(), gz.size(), 100, &out).ok());
  EXPECT_EQ(out, (std::vector<uint8_t>{1, 2, 3, 4, 5}));
  gz.push_back(0x42);
  Status st = dl::gunzip(gz.data(), gz.size(), 100, &out);
  ASSERT_FALSE(st.ok());
  EXPECT_TRUE(contains(st.message(), "1 byte of trailing garbage")) << st.message();
}

TEST(Gzip, NotGzipIsAnError) {
  std::vector<uint8_t> raw = make_idx({2}, 2), out;
  EXPECT_FALSE(dl::gunzip(raw.data(), raw.size(), 100, &out).ok());
}
#else
TEST(Gzip, WithoutZlibSaysDecompressFirst) {
  const uint8_t gz[] = {0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3};
  std::vector<uint8_t> out;
  Status st = dl::gunzip(gz, sizeof gz, 100, &out);
  ASSERT_FALSE(st.ok());
  EXPECT_TRUE(contains(st.message(), "zlib") && contains(st.message(), "decompress")) << st.message();
}
#endif

// --- MNIST loading ---------------------------------------------------------------------------

std::string make_dir(const std::string& name) {
  const std::string dir = temp_path(name);
  ::mkdir(dir.c_str(), 0755);
  return dir;
}

TEST(Mnist, MissingFolderMentionsMnistDir) {
  dl::Dataset d;
  Status st = dl::load_mnist(temp_path("no-such-folder"), "train", &d);
  ASSERT_FALSE(st.ok());
  EXPECT_TRUE(contains(st.message(), "MNIST_DIR")) << st.message();
  EXPECT_TRUE(contains(st.message(), "no-such-folder")) << st.message();
  EXPECT_EQ(d.count, 0);
}

TEST(Mnist, MissingFileIsNamed) {
  const std::string dir = make_dir("empty-mnist");
  dl::Dataset d;
  Status st = dl::load_mnist(dir, "train", &d);
  ASSERT_FALSE(st.ok());
  EXPECT_TRUE(contains(st.message(), "'train-images-idx3-ubyte.gz' not found")) << st.message();
  EXPECT_TRUE(contains(st.message(), "MNIST_DIR")) << st.message();
  st = dl::load_mnist(dir, "test", &d);
  ASSERT_FALSE(st.ok());
  EXPECT_TRUE(contains(st.message(), "'t10k-images-idx3-ubyte.gz' not found")) << st.message();
  st = dl::load_mnist(dir, "validation", &d);
  ASSERT_FALSE(st.ok());
  EXPECT_TRUE(contains(st.message(), "\"train\"")) << st.message();
}

TEST(Mnist, LoadsAHandmadeFolder) {
  const std::string dir = make_dir("tiny-mnist");
  std::vector<uint8_t> images = make_idx({3, 28, 28}, 0);
  for (int i = 0; i < 3 * 784; ++i) images.push_back(static_cast<uint8_t>(i % 256));
  write_file(dir + "/t10k-images-idx3-ubyte", images);
  write_file(dir + "/t10k-labels-idx1-ubyte", {0, 0, 8, 1, 0, 0, 0, 3, 7, 2, 9});
  dl::Dataset d;
  Status st = dl::load_mnist(dir, "test", &d);
  ASSERT_TRUE(st.ok()) << st.message();
  ASSERT_EQ(d.count, 3);
  ASSERT_EQ(d.images.size(), 3u * 784);
  EXPECT_EQ(d.labels, (std::vector<uint8_t>{7, 2, 9}));
  EXPECT_FLOAT_EQ(d.image(1)[0], static_cast<float>(784 % 256) / 255.0f);
  EXPECT_FLOAT_EQ(d.image(0)[255], 1.0f);

  // A label past 9, and a count mismatch, are refused and leave *out as it was.
  write_file(dir + "/t10k-labels-idx1-ubyte", {0, 0, 8, 1, 0, 0, 0, 3, 7, 12, 9});
  st = dl::load_mnist(dir, "test", &d);
  ASSERT_FALSE(st.ok());
  EXPECT_TRUE(contains(st.message(), "label 1 is 12")) << st.message();
  EXPECT_EQ(d.count, 3);
  write_file(dir + "/t10k-labels-idx1-ubyte", {0, 0, 8, 1, 0, 0, 0, 2, 7, 2});
  st = dl::load_mnist(dir, "test", &d);
  ASSERT_FALSE(st.ok());
  EXPECT_TRUE(contains(st.message(), "3 images but 2 labels")) << st.message();
  // Images and labels swapped.
  write_file(dir + "/t10k-labels-idx1-ubyte", images);
  st = dl::load_mnist(dir, "test", &d);
  ASSERT_FALSE(st.ok());
  EXPECT_TRUE(contains(st.message(), "labels array is 3x28x28")) << st.message();
  std::remove((dir + "/t10k-images-idx3-ubyte").c_str());
  std::remove((dir + "/t10k-labels-idx1-ubyte").c_str());
}

TEST(Mnist, MakeDatasetRefusesEmptyAndWrongShapes) {
  IdxArray images, labels;
  images.dims = {0, 28, 28};
  labels.dims = {0};
  dl::Dataset d;
  Status st = dl::make_dataset(images, labels, "tiny", &d);
  ASSERT_FALSE(st.ok());
  EXPECT_TRUE(contains(st.message(), "empty")) << st.message();
  images.dims = {1, 28, 27};
  images.data.assign(28 * 27, 0);
  labels.dims = {1};
  labels.data = {1};
  st = dl::make_dataset(images, labels, "tiny", &d);
  ASSERT_FALSE(st.ok());
  EXPECT_TRUE(contains(st.message(), "1x28x27")) << st.message();
}

const char* mnist_dir() { return std::getenv("MNIST_DIR"); }

TEST(Mnist, RealTrainingSet) {
  if (!mnist_dir()) GTEST_SKIP() << "MNIST_DIR not set";
  dl::Dataset d;
  Status st = dl::load_mnist(mnist_dir(), "train", &d);
  ASSERT_TRUE(st.ok()) << st.message();
  ASSERT_EQ(d.count, 60000);
  ASSERT_EQ(d.images.size(), 60000u * 784);
  EXPECT_EQ(d.labels[0], 5);
  int hist[10] = {};
  for (uint8_t l : d.labels) ++hist[l];
  const int expected[10] = {5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949};
  for (int k = 0; k < 10; ++k) EXPECT_EQ(hist[k], expected[k]) << "digit " << k;
  float lo = 1, hi = 0;
  for (float v : d.images) {
    lo = std::min(lo, v);
    hi = std::max(hi, v);
  }
  EXPECT_EQ(lo, 0.0f);
  EXPECT_EQ(hi, 1.0f);
}

TEST(Mnist, RealTestSet) {
  if (!mnist_dir()) GTEST_SKIP() << "MNIST_DIR not set";
  dl::Dataset d;
  Status st = dl::load_mnist(mnist_dir(), "test", &d);
  ASSERT_TRUE(st.ok()) << st.message();
  ASSERT_EQ(d.count, 10000);
  EXPECT_EQ(d.labels[0], 7);
  EXPECT_EQ(d.labels[1], 2);
}

// --- split and subset ------------------------------------------------------------------------

dl::Dataset numbered(int n) {  // image i is filled with i / 1000, label i % 10
  dl::Dataset d;
  d.count = n;
  d.images.resize(static_cast<size_t>(n) * 784);
  d.labels.resize(n);
  for (int i = 0; i < n; ++i) {
    std::fill(d.images.begin() + i * 784, d.images.begin() + (i + 1) * 784, i / 1000.0f);
    d.labels[i] = static_cast<uint8_t>(i % 10);
  }
  return d;
}
int id_of(const dl::Dataset& d, int i) { return static_cast<int>(d.image(i)[783] * 1000.0f + 0.5f); }

TEST(Split, WithoutShuffleTakesTheLastImages) {
  dl::Dataset all = numbered(10), train, val;
  dl::split_dataset(all, 3, 0, &train, &val);
  ASSERT_EQ(train.count, 7);
  ASSERT_EQ(val.count, 3);
  for (int i = 0; i < 7; ++i) EXPECT_EQ(id_of(train, i), i);
  for (int i = 0; i < 3; ++i) EXPECT_EQ(id_of(val, i), 7 + i);
  EXPECT_EQ(val.labels, (std::vector<uint8_t>{7, 8, 9}));
}

TEST(Split, ShuffleIsAPermutationAndReproducible) {
  dl::Dataset all = numbered(200), t1, v1, t2, v2, t3, v3;
  dl::split_dataset(all, 50, 7, &t1, &v1);
  dl::split_dataset(all, 50, 7, &t2, &v2);
  dl::split_dataset(all, 50, 8, &t3, &v3);
  ASSERT_EQ(t1.count, 150);
  ASSERT_EQ(v1.count, 50);
  std::vector<int> seen(200, 0);
  bool moved = false;
  for (int i = 0; i < 150; ++i) {
    ++seen[id_of(t1, i)];
    moved |= id_of(t1, i) != i;
  }
  for (int i = 0; i < 50; ++i) ++seen[id_of(v1, i)];
  for (int c : seen) EXPECT_EQ(c, 1);
  EXPECT_TRUE(moved);
  for (int i = 0; i < 150; ++i) {
    EXPECT_EQ(t1.labels[i], id_of(t1, i) % 10);  // labels travel with their images
    EXPECT_EQ(id_of(t1, i), id_of(t2, i));
  }
  EXPECT_NE(t1.images, t3.images);
}

TEST(Split, ClampsAndAliases) {
  dl::Dataset all = numbered(5), train, val;
  dl::split_dataset(all, 99, 0, &train, &val);
  EXPECT_EQ(train.count, 0);
  EXPECT_EQ(val.count, 5);
  dl::split_dataset(all, -1, 0, &train, &val);
  EXPECT_EQ(train.count, 5);
  EXPECT_EQ(val.count, 0);
  dl::split_dataset(all, 2, 0, &all, &val);  // train aliases the source
  EXPECT_EQ(all.count, 3);
  EXPECT_EQ(id_of(val, 1), 4);
}

TEST(Subset, TakesTheFirstImages) {
  dl::Dataset d = numbered(10);
  dl::Dataset s = dl::subset(d, 4);
  ASSERT_EQ(s.count, 4);
  EXPECT_EQ(s.images.size(), 4u * 784);
  EXPECT_EQ(id_of(s, 3), 3);
  EXPECT_EQ(s.labels, (std::vector<uint8_t>{0, 1, 2, 3}));
  EXPECT_EQ(dl::subset(d, 50).count, 10);
  EXPECT_EQ(dl::subset(d, 0).count, 0);
}

}  // namespace
