// resources.cpp — see resources.h. The walk over the layers mirrors Model::build (model.cpp) and
// each layer's plan() (layer_*.cpp); tests/resources_test.cpp holds the two together by comparing
// these counts with what a built and planned model allocates.
#include "resources.h"

#include <cstdio>
#include <cstdlib>

#include "conv_plan.h"
#include "numbers.h"
#include "shape.h"

namespace dl {

namespace {

// Checked 64-bit arithmetic: an overflow sticks and makes the result UINT64_MAX.
struct Checked {
  bool overflow = false;
  uint64_t mul(uint64_t a, uint64_t b) {
    uint64_t r = 0;
    const bool over = __builtin_mul_overflow(a, b, &r);
    return keep(over, r);
  }
  uint64_t mul(uint64_t a, uint64_t b, uint64_t c) { return mul(mul(a, b), c); }
  uint64_t add(uint64_t a, uint64_t b) {
    uint64_t r = 0;
    const bool over = __builtin_add_overflow(a, b, &r);
    return keep(over, r);
  }
  // The result of a step, or UINT64_MAX (sticking) when it overflowed.
  uint64_t keep(bool overflowed, uint64_t r) {
    overflow = overflow || overflowed;
    return overflowed ? UINT64_MAX : r;
  }
};

std::string spec_text(const std::vector<LayerSpec>& layers) {
  std::string s;
  for (const LayerSpec& L : layers) s += (s.empty() ? "" : " ") + L.token;
  return s;
}

// Every allocation of the plan, by kind, with the largest one named.
struct Tally {
  Checked c;
  uint64_t parameter = 0, activation = 0, scratch = 0, training = 0;
  uint64_t largest = 0;
  std::string largest_name;
  void buffer(uint64_t* kind, uint64_t bytes, const std::string& name) {
    *kind = c.add(*kind, bytes);
    if (bytes > largest) {
      largest = bytes;
      largest_name = name;
    }
  }
  void floats(uint64_t* kind, uint64_t count, const std::string& name) { buffer(kind, c.mul(count, 4), name); }
};

// The figures for one batch size; no message.
Resources count(const std::vector<LayerSpec>& layers, int batch, int threads, Use use, Checked* overflow) {
  Tally t;
  Resources r;
  r.batch = batch;
  r.threads = threads;
  r.use = use;
  const uint64_t B = static_cast<uint64_t>(batch > 0 ? batch : 0);
  uint64_t P = 0, NB = 0, macs = 0;
  uint64_t c = 1, h = kImageSide, w = kImageSide;  // the current shape, as in Model::build
  int n_conv = 0, n_pool = 0, n_drop = 0, n_fc = 0, n_bn = 0, n_relu = 0;
  int last_dense = -1;
  for (size_t i = 0; i < layers.size(); ++i)
    if (layers[i].type == LayerSpec::Dense) last_dense = static_cast<int>(i);
  // Every layer's output: the activation and its gradient, (batch, out) each.
  auto output = [&](const std::string& name, uint64_t size) {
    t.floats(&t.activation, t.c.mul(B, size), "the activations of " + name);
    t.floats(&t.activation, t.c.mul(B, size), "the activation gradients of " + name);
  };
  std::vector<PlannedTensor> params, buffers;  // as each layer's param_tensors / buffer_tensors
  auto dim = [](uint64_t d) { return d > 0x7fffffff ? 0x7fffffff : static_cast<int>(d); };
  auto batchnorm = [&](uint64_t channels, uint64_t size) {
    const std::string name = "bn" + std::to_string(++n_bn);
    P = t.c.add(P, t.c.mul(2, channels));
    NB = t.c.add(NB, t.c.mul(2, channels));
    params.push_back({name + ".weight", {dim(channels)}, false});
    params.push_back({name + ".bias", {dim(channels)}, false});
    buffers.push_back({name + ".running_mean", {dim(channels)}, true});
    buffers.push_back({name + ".running_var", {dim(channels)}, true});
    t.floats(&t.scratch, t.c.mul(2, channels), name + "'s batch statistics");
    output(name, size);
  };
  for (size_t i = 0; i < layers.size(); ++i) {
    const LayerSpec& L = layers[i];
    switch (L.type) {
      case LayerSpec::Conv: {
        const std::string name = "conv" + std::to_string(++n_conv);
        const uint64_t k = static_cast<uint64_t>(L.kernel), s = static_cast<uint64_t>(L.stride > 0 ? L.stride : 1);
        const uint64_t pad = static_cast<uint64_t>(L.pad > 0 ? L.pad : 0), F = static_cast<uint64_t>(L.units);
        const uint64_t oh = (h + 2 * pad >= k) ? (h + 2 * pad - k) / s + 1 : 0;
        const uint64_t ow = (w + 2 * pad >= k) ? (w + 2 * pad - k) / s + 1 : 0;
        const uint64_t K = t.c.mul(c, k, k), N = t.c.mul(oh, ow);
        P = t.c.add(P, t.c.add(t.c.mul(F, K), L.batchnorm ? 0 : F));
        params.push_back({name + ".weight", {dim(F), dim(c), dim(k), dim(k)}, false});
        if (!L.batchnorm) params.push_back({name + ".bias", {dim(F)}, false});
        macs = t.c.add(macs, t.c.mul(F, N, K));
        // The kernels and their buffers, as Conv2D::plan allocates them (conv_plan.h). The spec
        // parser bounds every dimension (filters <= 1024, kernel, stride, padding <= 28, 64 layers),
        // so the geometry fits int; the batch and thread count are the caller's and are checked in
        // 64 bits there.
        if (oh > 0 && ow > 0 && oh <= 0x7fffffff && ow <= 0x7fffffff && h <= 0x7fffffff && w <= 0x7fffffff &&
            c <= 0x7fffffff) {
          const ConvGeometry g{dim(c),  dim(h), dim(w), L.kernel, static_cast<int>(s), static_cast<int>(pad),
                               dim(oh), dim(ow)};
          const ConvPlan p = plan_conv(g, L.units, batch, threads, ConvAlgo::Auto);
          if (p.overflow) t.c.overflow = true;
          t.floats(&t.scratch, p.cols, name + "'s im2col scratch");
          t.floats(&t.scratch, p.work, name + "'s kernel scratch");
          t.floats(&t.scratch, p.dgrad, name + "'s weight-gradient partials");
          t.floats(&t.scratch, p.affine, name + "'s BatchNorm affine");
          t.floats(&t.scratch, p.wino_fwd, name + "'s Winograd buffers");
          t.floats(&t.scratch, p.wino_bwd, name + "'s input-gradient Winograd buffers");
        } else {
          t.c.overflow = true;
        }
        c = F;
        h = oh;
        w = ow;
        const uint64_t size = t.c.mul(c, h, w);
        output(name, size);
        if (L.batchnorm) batchnorm(c, size);
        output("relu" + std::to_string(++n_relu), size);
        break;
      }
      case LayerSpec::Pool: {
        const std::string name = "pool" + std::to_string(++n_pool);
        const uint64_t k = static_cast<uint64_t>(L.kernel), s = static_cast<uint64_t>(L.stride > 0 ? L.stride : 1);
        h = h >= k ? (h - k) / s + 1 : 0;
        w = w >= k ? (w - k) / s + 1 : 0;
        const uint64_t size = t.c.mul(c, h, w);
        macs = t.c.add(macs, t.c.mul(size, k, k));
        t.buffer(&t.scratch, t.c.mul(B, size, 4), name + "'s argmax");  // int32 per output
        output(name, size);
        break;
      }
      case LayerSpec::Dropout: {
        const std::string name = "drop" + std::to_string(++n_drop);
        const uint64_t size = t.c.mul(c, h, w);
        t.floats(&t.scratch, t.c.mul(B, size), name + "'s mask");
        output(name, size);
        break;
      }
      case LayerSpec::Dense: {
        const uint64_t in = t.c.mul(c, h, w);
        if (h != 1 || w != 1) output("flatten", in);
        const std::string name = "fc" + std::to_string(++n_fc);
        const uint64_t U = static_cast<uint64_t>(L.units);
        P = t.c.add(P, t.c.add(t.c.mul(U, in), L.batchnorm ? 0 : U));
        params.push_back({name + ".weight", {dim(U), dim(in)}, false});
        if (!L.batchnorm) params.push_back({name + ".bias", {dim(U)}, false});
        macs = t.c.add(macs, t.c.mul(U, in));
        c = U;
        h = w = 1;
        output(name, U);
        if (L.batchnorm) batchnorm(U, U);
        if (static_cast<int>(i) != last_dense) output("relu" + std::to_string(++n_relu), U);
        break;
      }
    }
  }
  t.floats(&t.parameter, P, "the parameter block");
  t.floats(&t.parameter, P, "the gradient block");
  t.floats(&t.parameter, NB, "the BatchNorm statistics");
  t.floats(&t.scratch, t.c.mul(B, kClasses), "the logits' gradient");
  if (use == Use::Training) {
    t.floats(&t.training, P, "the optimizer's first moments");
    t.floats(&t.training, P, "the optimizer's second moments");
    t.floats(&t.training, P, "the optimizer's decay mask");
    t.floats(&t.training, t.c.mul(B, kClasses), "the trainer's logits gradient");
    t.floats(&t.training, t.c.mul(B, kImageSize), "the batch's images");
    t.floats(&t.training, t.c.mul(B, kImageSize), "the batch's augmented images");
    // The divergence snapshot (parameters, statistics, two moment blocks) and a checkpoint being
    // written (the same tensors gathered, then serialised): three copies of those blocks.
    const uint64_t state = t.c.add(t.c.mul(3, P), NB);
    for (const char* what : {"the divergence snapshot", "a checkpoint's tensors", "a checkpoint's bytes"})
      t.floats(&t.training, state, what);
  }
  r.params = static_cast<int64_t>(P > INT64_MAX ? INT64_MAX : P);
  r.buffers = static_cast<int64_t>(NB > INT64_MAX ? INT64_MAX : NB);
  r.macs_per_image = static_cast<int64_t>(macs > INT64_MAX ? INT64_MAX : macs);
  r.parameter_bytes = t.parameter;
  r.activation_bytes = t.activation;
  r.scratch_bytes = t.scratch;
  r.training_bytes = t.training;
  r.total = t.c.add(t.c.add(t.parameter, t.activation), t.c.add(t.scratch, t.training));
  r.largest = t.largest;
  r.largest_name = t.largest_name;
  r.tensors = std::move(params);
  r.tensors.insert(r.tensors.end(), buffers.begin(), buffers.end());
  if (t.c.overflow) overflow->overflow = true;
  return r;
}

bool fits(const Resources& r, const Checked& c, uint64_t budget) {
  return !c.overflow && r.largest <= kMaxBufferBytes && r.total <= budget;
}

}  // namespace

std::string mib_text(uint64_t bytes) {
  if (bytes % kMiB == 0) return with_commas(bytes / kMiB) + " MiB";
  const double mib = static_cast<double>(bytes) / static_cast<double>(kMiB);
  if (mib < 10) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.1f MiB", mib < 0.1 ? 0.1 : mib);
    return buf;
  }
  return with_commas(static_cast<uint64_t>(mib + 0.5)) + " MiB";
}

std::string budget_text(uint64_t budget_bytes) {
  if (budget_bytes == kPageBudgetBytes) return "the page's limit of " + mib_text(budget_bytes);
  if (budget_bytes == kCliBudgetBytes) return "the command line's limit of " + mib_text(budget_bytes);
  return "the limit of " + mib_text(budget_bytes);
}

Status probe_memory(uint64_t bytes, const std::string& what) {
  if (bytes == 0) return Status::Ok();
  if (bytes > SIZE_MAX)
    return Status::Error(what + " needs " + mib_text(bytes) + ", more than this platform can address");
  void* p = std::malloc(static_cast<size_t>(bytes));
  if (!p)
    return Status::Error(what + " needs " + mib_text(bytes) +
                         " and the memory has no room for that now (close other tabs or programs, or reload the page)");
  std::free(p);
  return Status::Ok();
}

int max_batch(const std::vector<LayerSpec>& layers, int threads, Use use, uint64_t budget_bytes, int limit) {
  int lo = 0, hi = limit;  // lo fits (0 = nothing known to fit), hi + 1 does not
  while (lo < hi) {
    const int mid = lo + (hi - lo + 1) / 2;
    Checked c;
    const Resources r = count(layers, mid, threads, use, &c);
    if (fits(r, c, budget_bytes)) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

Status plan_resources(const std::vector<LayerSpec>& layers, int batch, int threads, Use use, uint64_t budget_bytes,
                      Resources* out) {
  Checked c;
  const Resources r = count(layers, batch, threads, use, &c);
  if (out) *out = r;
  const std::string net = "the network '" + spec_text(layers) + "'";
  if (batch < 1) return Status::Error("the batch size must be at least 1, not " + std::to_string(batch));
  if (threads < 1) return Status::Error("the thread count must be at least 1, not " + std::to_string(threads));
  if (layers.empty()) return Status::Error("the network has no layers");
  if (c.overflow)
    return Status::Error(net + " needs more memory than 64-bit arithmetic can count; use a smaller network");
  if (fits(r, c, budget_bytes)) {
    if (r.macs_per_image <= kMaxMacsPerImage) return Status::Ok();
    return Status::Error(net + " needs " + with_commas(static_cast<uint64_t>(r.macs_per_image)) +
                         " multiply-adds per image, more than the " + with_commas(kMaxMacsPerImage) +
                         " DigitLab allows (a prediction would take too long); use fewer filters or units, "
                         "smaller kernels or less padding");
  }

  const std::string doing = use == Use::Training ? "training " + net : net;
  std::string where = " at batch " + std::to_string(batch);
  if (threads > 1) where += " on " + std::to_string(threads) + " threads";
  std::string advice = "use a smaller network (fewer filters or units, smaller kernels, less padding)";
  if (batch > 1) {
    const int mb = max_batch(layers, threads, use, budget_bytes, batch - 1);
    if (mb >= 1) advice = "a batch of at most " + std::to_string(mb) + " fits";
  }
  if (r.largest > kMaxBufferBytes)
    return Status::Error(doing + where + " needs " + r.largest_name + " of " + mib_text(r.largest) +
                         ", more than the " + mib_text(kMaxBufferBytes) + " one buffer may take; " + advice);
  return Status::Error(doing + " needs " + mib_text(r.total) + where + " (the largest part: " + r.largest_name + ", " +
                       mib_text(r.largest) + "), more than " + budget_text(budget_bytes) + "; " + advice);
}

Status plan_resources(const std::string& spec, int batch, int threads, Use use, uint64_t budget_bytes, Resources* out) {
  std::vector<LayerSpec> layers;
  Status s = parse_spec(spec, &layers);
  if (!s) return s;
  return plan_resources(layers, batch, threads, use, budget_bytes, out);
}

}  // namespace dl
