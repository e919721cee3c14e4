// resources.h — what a network will allocate and compute, worked out from its spec alone, before
// anything is allocated, and the budgets it must fit (issue 12; STYLE.md point 12).
//
// plan_resources() walks the parsed spec exactly as Model::build lays out the layers and counts,
// in checked 64-bit arithmetic, every buffer a model of that spec allocates when planned for a
// batch size on a number of threads:
//   parameters   the parameter block, its gradient block (same layout) and the BatchNorm buffers
//   activations  every layer's output and its gradient, (batch, layer output)
//   scratch      per layer: a convolution's buffers as conv_plan.h sizes them for the kernels its
//                cost model chooses (im2col columns, the kernels' padded planes and blocks, Winograd's
//                transformed tiles and filters, weight-gradient partials; per thread), pooling
//                argmax and dropout masks (per image), batch statistics; the logits' gradient
//   training     (Use::Training only) the optimizer's moments and decay mask, the divergence
//                snapshot and the copies a checkpoint makes while it is written, the trainer's
//                logits gradient and the batch's input images (plain and augmented)
// and refuses, with a sentence a person can act on, a network that needs more than the budget,
// one buffer larger than kMaxBufferBytes (so every size and index fits 32-bit size_t and int, as
// in WebAssembly), or more than kMaxMacsPerImage multiply-adds per image (time, not memory).
//
// Model::build and Model::plan call it before allocating; whoever takes a batch size, a thread
// count or a spec from a person (the CLI's options, the page's Train view and API, a saved run,
// a checkpoint) calls it with Use::Training first, so the refusal names what to change.
// tests/resources_test.cpp checks that its counts equal what a built model really allocates.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "spec.h"
#include "status.h"

namespace dl {

constexpr uint64_t kMiB = uint64_t{1} << 20;

// The budgets (README, "Limits"). The page's is for each model in it, its training included; the
// command line's (and the desktop app's) for a model and its training in one process.
constexpr uint64_t kPageBudgetBytes = 256 * kMiB;
constexpr uint64_t kCliBudgetBytes = 2048 * kMiB;
#if defined(__EMSCRIPTEN__)
constexpr uint64_t kDefaultBudgetBytes = kPageBudgetBytes;  // 32-bit WebAssembly: the page
#else
constexpr uint64_t kDefaultBudgetBytes = kCliBudgetBytes;
#endif
// No single buffer may be larger, whatever the budget: its size in bytes then fits a 32-bit size_t
// and its element count an int, which the kernels' index arithmetic relies on.
constexpr uint64_t kMaxBufferBytes = 1024 * kMiB;
// One forward pass of one image at most this many multiply-adds (R2: 32 million; this is about a
// tenth of a second in WebAssembly): a model file must not take minutes per prediction.
constexpr int64_t kMaxMacsPerImage = 1000000000;

enum class Use {
  Inference,  // a model planned for a batch: parameters, gradients, activations, scratch
  Training,   // also the optimizer, snapshot and checkpoint copies, the trainer's buffers
};

// A tensor a model of the spec will have, as Model::build names and shapes it ("conv1.weight",
// {32, 1, 5, 5}); buffer: a BatchNorm statistic (the buffer block) rather than a parameter.
struct PlannedTensor {
  std::string name;
  std::vector<int> shape;
  bool buffer = false;
};

struct Resources {
  int batch = 0, threads = 0;
  Use use = Use::Inference;
  int64_t params = 0;          // trained parameters (floats)
  int64_t buffers = 0;         // BatchNorm running statistics (floats)
  int64_t macs_per_image = 0;  // multiply-adds of one forward pass of one image
  // Bytes, by kind; total is their sum.
  uint64_t parameter_bytes = 0, activation_bytes = 0, scratch_bytes = 0, training_bytes = 0, total = 0;
  uint64_t largest = 0;      // bytes of the largest single buffer
  std::string largest_name;  // what it is, e.g. "conv2's im2col scratch"
  // The parameter tensors, then the buffer tensors, in Model::build's order: what a model file of
  // this spec must hold, checked before anything is built.
  std::vector<PlannedTensor> tensors;
};

// Plans a network from its parsed layers (parse_spec) at `batch` images and `threads` threads.
// Fails, with a sentence, when a size overflows, a buffer exceeds kMaxBufferBytes, the total
// exceeds budget_bytes, or a forward pass exceeds kMaxMacsPerImage. *out is filled either way
// (as far as the sizes could be computed), so a caller can print the figures.
Status plan_resources(const std::vector<LayerSpec>& layers, int batch, int threads, Use use, uint64_t budget_bytes,
                      Resources* out = nullptr);
// The same from a spec or preset name (parsed first; its errors come back as they are).
Status plan_resources(const std::string& spec, int batch, int threads, Use use, uint64_t budget_bytes,
                      Resources* out = nullptr);

// The largest batch in [1, limit] that fits the budget, or 0 when not even one image does.
int max_batch(const std::vector<LayerSpec>& layers, int threads, Use use, uint64_t budget_bytes, int limit);

// Whether the heap can give `bytes` now: one malloc of that size, freed at once. A browser tab may
// refuse to grow the WebAssembly memory long before the budget, and then std::vector aborts the
// page; this makes it a sentence first. (Natively, with overcommit, it rarely fails.)
Status probe_memory(uint64_t bytes, const std::string& what);

// "256 MiB", "16,406.3 MiB": a byte count for messages.
std::string mib_text(uint64_t bytes);
// "the page's limit of 256 MiB", "the command line's limit of 2,048 MiB", "the limit of 3 MiB".
std::string budget_text(uint64_t budget_bytes);

}  // namespace dl
