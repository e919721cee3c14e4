// fuzz_safetensors.cpp — libFuzzer target for the safetensors reader.
//
// Any input must be refused with a message or parsed; never a crash, a hang or a huge allocation
// (run with -rss_limit_mb). What parses must survive a write/read round trip unchanged: the
// reader accepts only files whose tensors tile the data area, which is what the writer produces.
#include <cstdint>
#include <cstdlib>
#include <cstring>

#include "model_io.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  dl::SafeTensorsFile file;
  dl::Status s = dl::parse_safetensors(data, size, &file);
  if (!s.ok()) {
    if (s.message().empty()) std::abort();  // every refusal says why
    return 0;
  }
  const std::vector<uint8_t> bytes = dl::serialize_safetensors(file);
  dl::SafeTensorsFile again;
  if (!dl::parse_safetensors(bytes.data(), bytes.size(), &again).ok()) std::abort();
  if (again.metadata != file.metadata || again.tensors.size() != file.tensors.size()) std::abort();
  for (const auto& kv : file.tensors) {
    auto it = again.tensors.find(kv.first);
    if (it == again.tensors.end() || it->second.shape != kv.second.shape ||
        it->second.data.size() != kv.second.data.size())
      std::abort();
    // Compare bits, not floats: NaN payloads must survive too.
    if (!kv.second.data.empty() &&
        std::memcmp(it->second.data.data(), kv.second.data.data(), 4 * kv.second.data.size()) != 0)
      std::abort();
  }
  return 0;
}
