// test_images.cpp — see test_images.h.
#include "test_images.h"

#include <vector>

namespace app {

namespace {

// Gunzips (when the bytes start with the gzip magic) and parses one IDX file.
dl::Status parse(const uint8_t* bytes, size_t size, const std::string& what, dl::IdxArray* out) {
  if (size >= 2 && bytes[0] == 0x1f && bytes[1] == 0x8b) {
    std::vector<uint8_t> raw;
    dl::Status st = dl::gunzip(bytes, size, size_t(64) << 20, &raw);
    if (!st.ok()) return dl::Status::Error(what + ": " + st.message());
    return dl::parse_idx(raw.data(), raw.size(), what, out);
  }
  return dl::parse_idx(bytes, size, what, out);
}

}  // namespace

dl::Status TestImages::Load(const uint8_t* images_gz, size_t images_size, const uint8_t* labels_gz,
                            size_t labels_size) {
  dl::IdxArray images, labels;
  dl::Status st = parse(images_gz, images_size, "mnist/t10k-images-idx3-ubyte.gz", &images);
  if (st.ok()) st = parse(labels_gz, labels_size, "mnist/t10k-labels-idx1-ubyte.gz", &labels);
  dl::Dataset d;
  if (st.ok()) st = dl::make_dataset(images, labels, "the MNIST test set", &d);
  if (!st.ok()) {
    problem = st.message();
    return st;
  }
  data = std::make_shared<const dl::Dataset>(std::move(d));
  loaded = true;
  problem.clear();
  ++version;
  return st;
}

}  // namespace app
