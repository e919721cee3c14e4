// fuzz_idx.cpp — libFuzzer target for the IDX reader and the gzip front of it.
//
// Any bytes must be refused with a message or parsed into an array whose data matches its
// dimensions exactly; never a crash, a hang or an allocation larger than the input. Gzip input
// (magic 1f 8b) goes through gunzip with a 1 MiB cap first, so bombs must stop at the cap.
#include <cstdint>
#include <cstdlib>
#include <vector>

#include "dataset.h"

namespace {

void check_parse(const uint8_t* data, size_t size) {
  dl::IdxArray a;
  dl::Status s = dl::parse_idx(data, size, "fuzz.idx", &a);
  if (!s.ok()) {
    if (s.message().empty() || !a.dims.empty() || !a.data.empty()) std::abort();  // refusals say why, touch nothing
    return;
  }
  if (a.dims.empty() || a.dims.size() > 4) std::abort();
  uint64_t n = 1;
  for (int d : a.dims) {
    if (d < 0) std::abort();
    n *= static_cast<uint64_t>(d);
  }
  if (n != a.data.size() || a.data.size() + 4 + 4 * a.dims.size() != size) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  check_parse(data, size);
  if (size >= 2 && data[0] == 0x1f && data[1] == 0x8b) {
    constexpr size_t kMax = size_t{1} << 20;
    std::vector<uint8_t> raw;
    dl::Status s = dl::gunzip(data, size, kMax, &raw);
    if (!s.ok()) {
      if (s.message().empty()) std::abort();
      return 0;
    }
    if (raw.size() > kMax) std::abort();
    check_parse(raw.data(), raw.size());
  }
  return 0;
}
