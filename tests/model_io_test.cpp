// model_io_test.cpp — the safetensors reader and writer, and models and optimizer state through it.
//
// The reference for the byte layout is the format as the Python `safetensors` package writes it:
// u64 little-endian header length, compact JSON with __metadata__ first and the tensors in name
// order, spaces up to a multiple of 8, then the F32 data. Files are built by hand here from that
// description, independently of serialize_safetensors.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "model.h"
#include "model_io.h"
#include "optimizer.h"
#include "rng.h"

namespace dl {
namespace {

// ---- building files by hand -------------------------------------------------------------------

std::vector<uint8_t> le64(uint64_t n) {
  std::vector<uint8_t> b(8);
  for (int i = 0; i < 8; ++i) b[i] = static_cast<uint8_t>(n >> (8 * i));
  return b;
}

// header JSON (padded with spaces to a multiple of 8 when pad is set) + raw data bytes.
std::vector<uint8_t> make_file(std::string header, const std::vector<float>& data, bool pad = true) {
  if (pad) header.append((8 - header.size() % 8) % 8, ' ');
  std::vector<uint8_t> out = le64(header.size());
  out.insert(out.end(), header.begin(), header.end());
  const size_t at = out.size();
  out.resize(at + 4 * data.size());
  if (!data.empty()) std::memcpy(out.data() + at, data.data(), 4 * data.size());
  return out;
}

// A header with one tensor "t" from its raw JSON entry, followed by `floats` zeros.
std::vector<uint8_t> one_tensor(const std::string& entry, size_t floats) {
  return make_file("{\"t\":" + entry + "}", std::vector<float>(floats, 0.0f));
}

Status parse(const std::vector<uint8_t>& bytes, SafeTensorsFile* out) {
  return parse_safetensors(bytes.data(), bytes.size(), out);
}

// Parses bytes that must be refused; checks the message contains `word` and that the output file
// was not touched.
void expect_refused(const std::vector<uint8_t>& bytes, const std::string& word) {
  SafeTensorsFile out;
  out.metadata["sentinel"] = "kept";
  Status s = parse(bytes, &out);
  ASSERT_FALSE(s.ok()) << "accepted a file that should be refused for '" << word << "'";
  EXPECT_NE(s.message().find(word), std::string::npos) << "message: " << s.message();
  EXPECT_EQ(out.metadata.size(), 1u);
  EXPECT_EQ(out.metadata["sentinel"], "kept");
  EXPECT_TRUE(out.tensors.empty());
}

// ---- the generic format -----------------------------------------------------------------------

TEST(SafeTensors, ParsesAFileAsThePythonPackageWritesIt) {
  // What `safetensors.torch.save_file({"b": torch.arange(3.), "a": torch.ones(2, 2)},
  // metadata={"format": "pt"})` writes: metadata first, tensors sorted by name, compact JSON.
  const std::string header =
      "{\"__metadata__\":{\"format\":\"pt\"},"
      "\"a\":{\"dtype\":\"F32\",\"shape\":[2,2],\"data_offsets\":[0,16]},"
      "\"b\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[16,28]}}";
  const std::vector<uint8_t> bytes = make_file(header, {1, 1, 1, 1, 0, 1, 2});
  ASSERT_EQ((bytes.size() - 28) % 8, 0u);
  ASSERT_EQ(bytes[8 + header.size()], ' ');  // the padding is there (header.size() % 8 != 0)

  SafeTensorsFile f;
  Status s = parse(bytes, &f);
  ASSERT_TRUE(s.ok()) << s.message();
  ASSERT_EQ(f.metadata.size(), 1u);
  EXPECT_EQ(f.metadata.at("format"), "pt");
  ASSERT_EQ(f.tensors.size(), 2u);
  EXPECT_EQ(f.tensors.at("a").shape, (std::vector<int64_t>{2, 2}));
  EXPECT_EQ(f.tensors.at("a").data, (std::vector<float>{1, 1, 1, 1}));
  EXPECT_EQ(f.tensors.at("b").shape, (std::vector<int64_t>{3}));
  EXPECT_EQ(f.tensors.at("b").data, (std::vector<float>{0, 1, 2}));

  // ... and the writer produces exactly these bytes for the same content.
  EXPECT_EQ(serialize_safetensors(f), bytes);
}

TEST(SafeTensors, WriterLayoutFollowsTheFormat) {
  SafeTensorsFile f;
  f.tensors["z"] = SafeTensor{{2}, {5.0f, -6.5f}};
  f.tensors["y"] = SafeTensor{{1, 1}, {3.25f}};
  const std::vector<uint8_t> b = serialize_safetensors(f);
  uint64_t n = 0;
  for (int i = 7; i >= 0; --i) n = (n << 8) | b[i];
  ASSERT_EQ((8 + n) % 8, 0u) << "the data area must start 8-byte aligned";
  ASSERT_EQ(b.size(), 8 + n + 12);
  const std::string header(b.begin() + 8, b.begin() + 8 + static_cast<long>(n));
  const std::string expected =
      "{\"y\":{\"dtype\":\"F32\",\"shape\":[1,1],\"data_offsets\":[0,4]},"
      "\"z\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]}}";
  EXPECT_EQ(header.substr(0, expected.size()), expected);
  EXPECT_EQ(header.find_first_not_of(' ', expected.size()), std::string::npos) << "padding must be spaces";
  // Little-endian F32 in name order: 3.25 = 0x40500000.
  EXPECT_EQ(b[8 + n + 0], 0x00);
  EXPECT_EQ(b[8 + n + 3], 0x40);
  EXPECT_EQ(b[8 + n + 2], 0x50);
  float z1;
  std::memcpy(&z1, b.data() + 8 + n + 8, 4);
  EXPECT_EQ(z1, -6.5f);
}

TEST(SafeTensors, RoundTripWithMetadata) {
  SafeTensorsFile f;
  f.metadata["spec"] = "c8k3 p2 f10";
  f.metadata["note"] = "quotes \" and \\ and \xC3\xA9 and a\nnewline";
  f.metadata["empty"] = "";
  Rng rng(3);
  f.tensors["conv1.weight"].shape = {8, 1, 3, 3};
  for (int i = 0; i < 72; ++i) f.tensors["conv1.weight"].data.push_back(rng.normal());
  f.tensors["conv1.bias"] = SafeTensor{{8}, std::vector<float>(8, 0.5f)};
  f.tensors["scalar"] = SafeTensor{{}, {42.0f}};  // rank 0: one element
  f.tensors["nothing"] = SafeTensor{{0, 7}, {}};  // zero elements
  const std::vector<uint8_t> bytes = serialize_safetensors(f);

  SafeTensorsFile g;
  Status s = parse(bytes, &g);
  ASSERT_TRUE(s.ok()) << s.message();
  EXPECT_EQ(g.metadata, f.metadata);
  ASSERT_EQ(g.tensors.size(), f.tensors.size());
  for (const auto& kv : f.tensors) {
    ASSERT_TRUE(g.tensors.count(kv.first)) << kv.first;
    EXPECT_EQ(g.tensors.at(kv.first).shape, kv.second.shape) << kv.first;
    EXPECT_EQ(g.tensors.at(kv.first).data, kv.second.data) << kv.first;
  }
  EXPECT_EQ(serialize_safetensors(g), bytes);
}

TEST(SafeTensors, EmptyFileWithoutTensorsRoundTrips) {
  const std::vector<uint8_t> bytes = serialize_safetensors(SafeTensorsFile{});
  EXPECT_EQ(bytes, make_file("{}", {}));
  SafeTensorsFile g;
  ASSERT_TRUE(parse(bytes, &g).ok());
  EXPECT_TRUE(g.tensors.empty());
  EXPECT_TRUE(g.metadata.empty());
}

TEST(SafeTensors, AcceptsUnpaddedHeadersAndOffsetsInAnyKeyOrder) {
  // Other writers may not pad, and JSON object order carries no meaning.
  const std::string header =
      "{\"b\":{\"data_offsets\":[8,12],\"shape\":[1],\"dtype\":\"F32\"},"
      "\"a\":{\"shape\":[2],\"dtype\":\"F32\",\"data_offsets\":[0,8]}}";
  SafeTensorsFile f;
  Status s = parse(make_file(header, {1, 2, 3}, /*pad=*/false), &f);
  ASSERT_TRUE(s.ok()) << s.message();
  EXPECT_EQ(f.tensors.at("a").data, (std::vector<float>{1, 2}));
  EXPECT_EQ(f.tensors.at("b").data, (std::vector<float>{3}));
}

TEST(SafeTensors, RefusesShortFilesAndBadHeaderLengths) {
  for (size_t n = 0; n < 8; ++n) expect_refused(std::vector<uint8_t>(n, 0), "truncated");
  // Header length beyond the file.
  std::vector<uint8_t> b = make_file("{}", {});
  b[0] = 200;
  expect_refused(b, "truncated");
  // Header length 2^63 and 2^64 - 1: refused from the length alone, nothing allocated.
  std::vector<uint8_t> huge = le64(uint64_t{1} << 63);
  huge.insert(huge.end(), {'{', '}'});
  expect_refused(huge, "limit");
  expect_refused(le64(~uint64_t{0}), "limit");
  // Just above the 100 MB limit, though the file is short.
  expect_refused(le64(100000001), "limit");
}

TEST(SafeTensors, RefusesHeadersThatAreNotAnObjectOfTensors) {
  expect_refused(make_file("{\"t\":", {}), "JSON");
  expect_refused(make_file("not json at all", {}), "JSON");
  expect_refused(make_file("{\"a\":1} trailing", {}), "JSON");
  expect_refused(make_file("{\"t\":\"\xff\xfe\"}", {}), "JSON");  // invalid UTF-8
  expect_refused(make_file("[1,2,3]", {}), "object");
  expect_refused(make_file("\"str\"", {}), "object");
  expect_refused(make_file("{\"t\":[0,4]}", {}), "object");
  expect_refused(make_file("{\"t\":{\"dtype\":\"F32\",\"shape\":[[[[1]]]],\"data_offsets\":[0,4]}}", {0}), "nests");
  expect_refused(make_file("{\"t\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},"
                           "\"t\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}",
                           {0, 0}),
                 "twice");
}

TEST(SafeTensors, RefusesDeepNestingWithoutRecursing) {
  std::string deep(200000, '[');
  deep += std::string(200000, ']');
  expect_refused(make_file("{\"t\":" + deep + "}", {}), "nests");
}

TEST(SafeTensors, RefusesBadMetadata) {
  expect_refused(make_file("{\"__metadata__\":{\"spec\":5}}", {}), "metadata");
  expect_refused(make_file("{\"__metadata__\":{\"spec\":[\"f10\"]}}", {}), "metadata");
  expect_refused(make_file("{\"__metadata__\":\"f10\"}", {}), "metadata");
}

TEST(SafeTensors, RefusesMissingOrMistypedFields) {
  expect_refused(one_tensor("{\"shape\":[1],\"data_offsets\":[0,4]}", 1), "dtype");
  expect_refused(one_tensor("{\"dtype\":\"F32\",\"data_offsets\":[0,4]}", 1), "shape");
  expect_refused(one_tensor("{\"dtype\":\"F32\",\"shape\":[1]}", 1), "data_offsets");
  expect_refused(one_tensor("{\"dtype\":32,\"shape\":[1],\"data_offsets\":[0,4]}", 1), "dtype");
  expect_refused(one_tensor("{\"dtype\":\"F32\",\"shape\":\"1\",\"data_offsets\":[0,4]}", 1), "shape");
  expect_refused(one_tensor("{\"dtype\":\"F32\",\"shape\":[1.5],\"data_offsets\":[0,4]}", 1), "shape");
  expect_refused(one_tensor("{\"dtype\":\"F32\",\"shape\":[\"1\"],\"data_offsets\":[0,4]}", 1), "shape");
  expect_refused(one_tensor("{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0]}", 1), "data_offsets");
  expect_refused(one_tensor("{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4,8]}", 1), "data_offsets");
  expect_refused(one_tensor("{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,\"4\"]}", 1), "data_offsets");
  expect_refused(one_tensor("{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[-4,0]}", 1), "data_offsets");
  expect_refused(one_tensor("{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":{\"b\":0}}", 1), "data_offsets");
}

TEST(SafeTensors, RefusesOtherDtypesNamingThem) {
  SafeTensorsFile f;
  Status s = parse(make_file("{\"fc.weight\":{\"dtype\":\"F16\",\"shape\":[2],\"data_offsets\":[0,4]}}", {0}), &f);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.message(), "tensor 'fc.weight' has dtype F16; DigitLab reads F32 only");
  expect_refused(one_tensor("{\"dtype\":\"F64\",\"shape\":[1],\"data_offsets\":[0,8]}", 2), "F64");
  expect_refused(one_tensor("{\"dtype\":\"f32\",\"shape\":[1],\"data_offsets\":[0,4]}", 1), "dtype");
}

TEST(SafeTensors, RefusesBadShapesWithoutAllocating) {
  expect_refused(one_tensor("{\"dtype\":\"F32\",\"shape\":[-1],\"data_offsets\":[0,4]}", 1), "negative");
  expect_refused(one_tensor("{\"dtype\":\"F32\",\"shape\":[2,-2],\"data_offsets\":[0,4]}", 1), "negative");
  // 2^64 elements: the product overflows 64 bits.
  expect_refused(one_tensor("{\"dtype\":\"F32\",\"shape\":[4294967296,4294967296],\"data_offsets\":[0,4]}", 1),
                 "overflow");
  // 2^62 elements: the byte count overflows.
  expect_refused(one_tensor("{\"dtype\":\"F32\",\"shape\":[4611686018427387904],\"data_offsets\":[0,4]}", 1),
                 "overflow");
  // Larger than int64 and larger than uint64.
  expect_refused(one_tensor("{\"dtype\":\"F32\",\"shape\":[18446744073709551615],\"data_offsets\":[0,4]}", 1), "large");
  expect_refused(one_tensor("{\"dtype\":\"F32\",\"shape\":[1e30],\"data_offsets\":[0,4]}", 1), "shape");
  // A plausible but huge shape that does not match its offsets.
  expect_refused(one_tensor("{\"dtype\":\"F32\",\"shape\":[65536,65536],\"data_offsets\":[0,4]}", 1), "span");
}

TEST(SafeTensors, AcceptsZeroDimensionsEvenNextToHugeOnes) {
  SafeTensorsFile f;
  Status s = parse(one_tensor("{\"dtype\":\"F32\",\"shape\":[0,4294967296,4294967296],\"data_offsets\":[0,0]}", 0), &f);
  ASSERT_TRUE(s.ok()) << s.message();
  EXPECT_TRUE(f.tensors.at("t").data.empty());
}

TEST(SafeTensors, RefusesBadOffsets) {
  expect_refused(one_tensor("{\"dtype\":\"F32\",\"shape\":[0],\"data_offsets\":[4,0]}", 1), "begin is after its end");
  expect_refused(one_tensor("{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}", 1), "data_offsets");
  expect_refused(one_tensor("{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}", 1), "beyond the data area");
  expect_refused(one_tensor("{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[18446744073709551612,"
                            "18446744073709551615]}",
                            1),
                 "data_offsets");
  // Size disagrees with the shape: 3 floats declared, 2 floats of offsets.
  expect_refused(one_tensor("{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[0,8]}", 3), "span");
}

TEST(SafeTensors, RefusesOverlapsGapsAndUncoveredBytes) {
  const std::string a = "\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":";
  const std::string b = "\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":";
  expect_refused(make_file("{" + a + "[0,8]}," + b + "[4,12]}}", {0, 0, 0}), "overlap");
  expect_refused(make_file("{" + a + "[0,8]}," + b + "[0,8]}}", {0, 0}), "overlap");
  expect_refused(make_file("{" + a + "[0,8]}," + b + "[12,20]}}", {0, 0, 0, 0, 0}), "unused");
  expect_refused(make_file("{" + a + "[4,12]}}", {0, 0, 0}), "unused");
  expect_refused(make_file("{" + a + "[0,8]}}", {0, 0, 0}), "after the last tensor");
  expect_refused(make_file("{}", {0}), "after the last tensor");
  // The same tensors, tiling the data area, are fine.
  SafeTensorsFile f;
  EXPECT_TRUE(parse(make_file("{" + a + "[8,16]}," + b + "[0,8]}}", {1, 2, 3, 4}), &f).ok());
  EXPECT_EQ(f.tensors.at("a").data, (std::vector<float>{3, 4}));
}

TEST(SafeTensors, RefusesEveryTruncation) {
  SafeTensorsFile f;
  f.metadata["spec"] = "f10";
  f.tensors["w"] = SafeTensor{{10, 20}, std::vector<float>(200, 0.25f)};
  f.tensors["b"] = SafeTensor{{10}, std::vector<float>(10, -1.0f)};
  const std::vector<uint8_t> bytes = serialize_safetensors(f);
  for (size_t n = 0; n < bytes.size(); ++n) {
    SafeTensorsFile g;
    ASSERT_FALSE(parse_safetensors(bytes.data(), n, &g).ok()) << "accepted " << n << " of " << bytes.size() << " bytes";
  }
}

// ---- models -----------------------------------------------------------------------------------

constexpr const char* kSpec = "c4k3b p2 f8b d.5 f10";

Model build(const std::string& spec, uint64_t seed) {
  Model m;
  Status s = Model::build(spec, seed, &m);
  EXPECT_TRUE(s.ok()) << s.message();
  return m;
}

// A model whose buffers (BatchNorm running statistics) are not at their defaults, so that a round
// trip that forgot them would show.
Model trained_looking_model(uint64_t seed) {
  Model m = build(kSpec, seed);
  Rng rng(seed + 100);
  for (float& b : m.buffers()) b = 0.5f + rng.uniform();
  return m;
}

std::vector<float> random_images(int B, uint64_t seed) {
  Rng rng(seed);
  std::vector<float> x(static_cast<size_t>(B) * kImageSize);  // (B, 784)
  for (float& v : x) v = rng.uniform();
  return x;
}

std::vector<float> logits_of(Model& m, const std::vector<float>& images, int B) {
  const float* out = m.forward(images.data(), B, /*train=*/false);
  return std::vector<float>(out, out + static_cast<size_t>(B) * kClasses);
}

std::vector<uint8_t> file_bytes(const SafeTensorsFile& f) { return serialize_safetensors(f); }

SafeTensorsFile parsed(const std::vector<uint8_t>& bytes) {
  SafeTensorsFile f;
  Status s = parse_safetensors(bytes.data(), bytes.size(), &f);
  EXPECT_TRUE(s.ok()) << s.message();
  return f;
}

// Loads bytes that must be refused into a model that must stay exactly as it was.
void expect_load_refused(const std::vector<uint8_t>& bytes, const std::string& word) {
  Model target = build("c2k3 f10", 9);
  const std::vector<float> params = target.params(), buffers = target.buffers();
  const std::string spec = target.spec();
  std::map<std::string, std::string> meta{{"sentinel", "kept"}};
  Status s = load_model_bytes(bytes.data(), bytes.size(), &target, &meta);
  ASSERT_FALSE(s.ok()) << "accepted a model file that should be refused for '" << word << "'";
  EXPECT_NE(s.message().find(word), std::string::npos) << "message: " << s.message();
  EXPECT_EQ(target.spec(), spec);
  EXPECT_EQ(target.params(), params);
  EXPECT_EQ(target.buffers(), buffers);
  EXPECT_EQ(meta.size(), 1u);
}

TEST(ModelFile, RoundTripKeepsParamsBuffersAndLogits) {
  Model a = trained_looking_model(1);
  const std::vector<uint8_t> bytes = save_model_bytes(a, {{"epochs", "3"}, {"test_accuracy", "0.9912"}});

  Model b = build("f10", 2);  // a different architecture: the file's spec replaces it
  std::map<std::string, std::string> meta;
  Status s = load_model_bytes(bytes.data(), bytes.size(), &b, &meta);
  ASSERT_TRUE(s.ok()) << s.message();
  EXPECT_EQ(b.spec(), a.spec());
  EXPECT_EQ(b.params(), a.params());
  EXPECT_EQ(b.buffers(), a.buffers());
  EXPECT_EQ(meta.at("format"), "digitlab");
  EXPECT_EQ(meta.at("spec"), a.spec());
  EXPECT_EQ(meta.at("epochs"), "3");
  EXPECT_EQ(meta.at("test_accuracy"), "0.9912");

  const int B = 5;
  const std::vector<float> x = random_images(B, 7);
  EXPECT_EQ(logits_of(b, x, B), logits_of(a, x, B));

  // The same model saves to the same bytes (deterministic writer).
  EXPECT_EQ(save_model_bytes(b, {{"epochs", "3"}, {"test_accuracy", "0.9912"}}), bytes);
}

TEST(ModelFile, TensorsAreNamedAndShapedAsTheModelSays) {
  Model a = trained_looking_model(1);
  SafeTensorsFile f = parsed(save_model_bytes(a, {}));
  EXPECT_EQ(f.tensors.size(), a.param_tensors().size() + a.buffer_tensors().size());
  for (const TensorInfo& t : a.param_tensors()) {
    ASSERT_TRUE(f.tensors.count(t.name)) << t.name;
    EXPECT_EQ(f.tensors.at(t.name).shape, std::vector<int64_t>(t.shape.begin(), t.shape.end())) << t.name;
    EXPECT_EQ(f.tensors.at(t.name).data,
              std::vector<float>(a.params().begin() + static_cast<long>(t.offset),
                                 a.params().begin() + static_cast<long>(t.offset + t.count)));
  }
  for (const TensorInfo& t : a.buffer_tensors()) ASSERT_TRUE(f.tensors.count(t.name)) << t.name;
  // The extra metadata cannot override the format and the spec.
  f = parsed(save_model_bytes(a, {{"spec", "f10"}, {"format", "other"}}));
  EXPECT_EQ(f.metadata.at("spec"), a.spec());
  EXPECT_EQ(f.metadata.at("format"), "digitlab");
}

TEST(ModelFile, RefusesWrongShapesAndSpecMismatchLeavingTheModelUntouched) {
  Model a = trained_looking_model(1);
  const std::vector<uint8_t> good = save_model_bytes(a, {});
  ASSERT_GE(a.param_tensors().size(), 2u);
  const std::string name = a.param_tensors()[0].name;  // conv1.weight, (4, 1, 3, 3)

  // One tensor with another shape of the same size.
  SafeTensorsFile f = parsed(good);
  f.tensors[name].shape = {1, 4, 3, 3};
  expect_load_refused(file_bytes(f), name);
  expect_load_refused(file_bytes(f), "[1, 4, 3, 3]");
  expect_load_refused(file_bytes(f), "[4, 1, 3, 3]");

  // The spec says another architecture than the tensors.
  f = parsed(good);
  f.metadata["spec"] = "c8k3b p2 f8b d.5 f10";
  expect_load_refused(file_bytes(f), "shape");

  // A missing tensor, an unknown one, a spec that does not parse, no spec at all.
  f = parsed(good);
  f.tensors.erase(a.buffer_tensors()[0].name);
  expect_load_refused(file_bytes(f), a.buffer_tensors()[0].name);
  f = parsed(good);
  f.tensors["fc9.weight"] = SafeTensor{{1}, {0.0f}};
  expect_load_refused(file_bytes(f), "fc9.weight");
  f = parsed(good);
  f.metadata["spec"] = "c4k3b p2 zz f10";
  expect_load_refused(file_bytes(f), "spec");
  f = parsed(good);
  f.metadata.erase("spec");
  expect_load_refused(file_bytes(f), "no DigitLab architecture spec");

  // Non-finite weights.
  f = parsed(good);
  f.tensors[name].data[3] = std::nanf("");
  expect_load_refused(file_bytes(f), "NaN");

  // And the untouched original still loads.
  Model b;
  EXPECT_TRUE(load_model_bytes(good.data(), good.size(), &b).ok());
}

TEST(ModelFile, RefusesTruncatedFiles) {
  const std::vector<uint8_t> good = save_model_bytes(trained_looking_model(1), {});
  int tried = 0;
  for (size_t n = 0; n < good.size(); n += 97, ++tried) {
    std::vector<uint8_t> cut(good.begin(), good.begin() + static_cast<long>(n));
    expect_load_refused(cut, "");
  }
  EXPECT_GT(tried, 10);
}

TEST(ModelFile, OptimizerStateRoundTrip) {
  Model a = trained_looking_model(1);
  OptimizerConfig cfg;
  cfg.kind = OptimizerConfig::Adam;
  Optimizer opt(cfg, a.params().size(), a.param_tensors());
  ASSERT_EQ(opt.m().size(), a.params().size());
  ASSERT_EQ(opt.v().size(), a.params().size());
  Rng rng(5);
  for (float& x : opt.m()) x = rng.normal();
  for (float& x : opt.v()) x = rng.uniform();
  opt.set_steps(1234);

  const std::vector<uint8_t> bytes = save_model_bytes(a, {}, &opt);
  SafeTensorsFile f = parsed(bytes);
  EXPECT_EQ(f.metadata.at("optimizer_steps"), "1234");
  EXPECT_TRUE(f.tensors.count("optimizer.m." + a.param_tensors()[0].name));
  EXPECT_TRUE(f.tensors.count("optimizer.v." + a.param_tensors()[0].name));

  // The weights load on their own (optimizer tensors are not "unknown")...
  Model b;
  ASSERT_TRUE(model_from_safetensors(f, &b).ok());
  EXPECT_EQ(b.params(), a.params());
  // ... and the optimizer resumes where it was.
  Optimizer resumed(cfg, b.params().size(), b.param_tensors());
  Status s = load_optimizer_state(f, b, &resumed);
  ASSERT_TRUE(s.ok()) << s.message();
  EXPECT_EQ(resumed.m(), opt.m());
  EXPECT_EQ(resumed.v(), opt.v());
  EXPECT_EQ(resumed.steps(), 1234);
}

TEST(ModelFile, OptimizerStateRefusalsLeaveTheOptimizerUntouched) {
  Model a = trained_looking_model(1);
  OptimizerConfig adam;
  adam.kind = OptimizerConfig::Adam;
  Optimizer opt(adam, a.params().size(), a.param_tensors());
  for (float& x : opt.m()) x = 0.25f;
  opt.set_steps(10);
  const SafeTensorsFile with = parsed(save_model_bytes(a, {}, &opt));
  const SafeTensorsFile without = parsed(save_model_bytes(a, {}));

  auto expect_refused_opt = [&](const SafeTensorsFile& f, OptimizerConfig::Kind kind, const std::string& word) {
    OptimizerConfig cfg;
    cfg.kind = kind;
    Optimizer target(cfg, a.params().size(), a.param_tensors());
    const std::vector<float> m = target.m(), v = target.v();
    const int64_t steps = target.steps();
    Status s = load_optimizer_state(f, a, &target);
    ASSERT_FALSE(s.ok());
    EXPECT_NE(s.message().find(word), std::string::npos) << "message: " << s.message();
    EXPECT_EQ(target.m(), m);
    EXPECT_EQ(target.v(), v);
    EXPECT_EQ(target.steps(), steps);
  };
  expect_refused_opt(without, OptimizerConfig::Adam, "no optimizer state");
  expect_refused_opt(with, OptimizerConfig::SGD, "optimizer");
  SafeTensorsFile f = with;
  f.tensors.erase("optimizer.v." + a.param_tensors().back().name);
  expect_refused_opt(f, OptimizerConfig::Adam, "optimizer.v." + a.param_tensors().back().name);
  f = with;
  f.metadata["optimizer_steps"] = "-3";
  expect_refused_opt(f, OptimizerConfig::Adam, "optimizer_steps");
  f = with;
  f.metadata["optimizer_steps"] = "12x";
  expect_refused_opt(f, OptimizerConfig::Adam, "optimizer_steps");
}

// ---- files ------------------------------------------------------------------------------------

std::string temp_path(const std::string& name) { return ::testing::TempDir() + "digitlab_model_io_" + name; }

TEST(ModelFile, SaveAndLoadThroughTheFileSystem) {
  Model a = trained_looking_model(4);
  const std::string path = temp_path("roundtrip.safetensors");
  std::remove(path.c_str());
  Status s = save_model_file(path, a, {{"epochs", "1"}});
  ASSERT_TRUE(s.ok()) << s.message();
  FILE* tmp = std::fopen((path + ".tmp").c_str(), "rb");
  EXPECT_EQ(tmp, nullptr) << "the temporary file must be renamed away";
  if (tmp) std::fclose(tmp);

  std::vector<uint8_t> bytes;
  ASSERT_TRUE(read_file_bytes(path, kMaxModelFileBytes, &bytes).ok());
  EXPECT_EQ(bytes, save_model_bytes(a, {{"epochs", "1"}}));

  // Saving again replaces the file.
  Model c = trained_looking_model(5);
  ASSERT_TRUE(save_model_file(path, c, {}).ok());
  Model b;
  std::map<std::string, std::string> meta;
  s = load_model_file(path, &b, &meta);
  ASSERT_TRUE(s.ok()) << s.message();
  EXPECT_EQ(b.params(), c.params());
  EXPECT_EQ(meta.count("epochs"), 0u);
  std::remove(path.c_str());
}

TEST(ModelFile, ReadFileBytesRefusals) {
  std::vector<uint8_t> out{1, 2, 3};
  Status s = read_file_bytes(temp_path("does_not_exist.safetensors"), 1000, &out);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("does not exist"), std::string::npos) << s.message();
  EXPECT_EQ(out.size(), 3u);

  const std::string path = temp_path("small.bin");
  FILE* f = std::fopen(path.c_str(), "wb");
  ASSERT_NE(f, nullptr);
  std::fwrite("0123456789", 1, 10, f);
  std::fclose(f);
  s = read_file_bytes(path, 9, &out);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("limit"), std::string::npos) << s.message();
  s = read_file_bytes(path, 10, &out);
  ASSERT_TRUE(s.ok()) << s.message();
  EXPECT_EQ(std::string(out.begin(), out.end()), "0123456789");

  // A file that is not a model.
  Model m = build("f10", 1);
  const std::vector<float> before = m.params();
  s = load_model_file(path, &m);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find(path), std::string::npos) << s.message();
  EXPECT_EQ(m.params(), before);
  std::remove(path.c_str());

  s = read_file_bytes(::testing::TempDir(), 1000, &out);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("directory"), std::string::npos) << s.message();
}

TEST(ModelFile, SaveToAnImpossiblePathFails) {
  Model a = build("f10", 1);
  Status s = save_model_file(temp_path("no_such_dir/x/model.safetensors"), a, {});
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("cannot write"), std::string::npos) << s.message();
}

}  // namespace
}  // namespace dl
