// bench.cpp — DigitLab's side of the peer benchmarks, on exactly the peers' definitions (the
// peers' README states them; README.md has the figures): batch-64 Adam training throughput,
// batch-1 inference latency (median), batch-256 inference throughput. Prints one JSON object per line:
//   {"peer": "digitlab-native", "arch": "r1", "metric": "train_throughput", "value": ..., "unit": "images/s", "threads": 1}
// The same source runs natively, as WebAssembly under Node (peer "digitlab-wasm-simd") and as
// WebAssembly in a browser page (bench/page.html; compare.mjs runs it in headless Chromium and names
// it "digitlab-chromium-wasm-simd").
// Timings are medians of several repetitions; compare only figures from the same run.
#include <malloc.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "dataset.h"
#include "gemm.h"
#include "layer_types.h"
#include "model.h"
#include "model_io.h"
#include "train.h"

namespace {

using Clock = std::chrono::steady_clock;
double seconds_since(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.empty() ? 0.0 : v[v.size() / 2];
}

struct Options {
  std::string peer;
  std::vector<std::string> archs = {"r1", "r2", "digitlab"};
  std::vector<int> threads = {1};
  std::string model_file;  // the shipped model, for arch "digitlab" inference
  std::string mnist_dir;   // the MNIST .gz files (default: $MNIST_DIR)
  int repeats = 3;
  bool quick = false;
  bool profile = false;  // per-layer forward/backward times of one batch-64 training step (stderr)
  int profile_batch = 64;
  bool gemm = false;          // GFLOP/s of the GEMM kernels on the layers' shapes (stderr + JSON lines)
  bool profile_eval = false;  // profile the evaluation-mode forward instead of a training step
  std::string conv = "auto";  // force the convolutions' kernel: auto, im2col, direct, f2x3, f4x3, f2x5
};

// Forces every convolution of the model onto one kernel (--conv), for A/B measurements.
bool set_conv_algorithm(dl::Model& model, const std::string& name) {
  using A = dl::Conv2D::Algo;
  A a;
  if (name == "auto") a = A::Auto;
  else if (name == "im2col") a = A::Im2col;
  else if (name == "direct") a = A::Direct;
  else if (name == "f2x3") a = A::F2x3;
  else if (name == "f4x3") a = A::F4x3;
  else if (name == "f2x5") a = A::F2x5;
  else return false;
  for (int i = 0; i < model.num_layers(); ++i)
    if (auto* c = dynamic_cast<dl::Conv2D*>(&model.layer(i))) c->set_algorithm(a);
  return true;
}

void emit(const Options& o, const std::string& arch, const char* metric, double value, const char* unit, int threads) {
  std::printf(
      "{\"peer\": \"%s\", \"arch\": \"%s\", \"metric\": \"%s\", \"value\": %.6g, \"unit\": \"%s\", \"threads\": %d}\n",
      o.peer.c_str(), arch.c_str(), metric, value, unit, threads);
  std::fflush(stdout);
}

// Where a training step's time goes: each layer's forward and backward on a batch of B (64 unless
// --profile-batch), timed on its own (median of several calls), with GFLOP/s from the layer's
// multiply-accumulates (backward of a layer with weights and an input gradient does twice the
// forward's work).
void profile_layers(dl::Model& model, const float* images, const std::string& arch, int repeats, int B, bool train) {
  dl::Rng rng(3);
  model.forward(images, B, train, &rng);
  std::fprintf(
      stderr,
      "# profile %s (batch %d, threads %d, %s): layer, forward ms, backward ms, forward GFLOP/s, backward GFLOP/s\n",
      arch.c_str(), B, model.threads(), train ? "training" : "evaluation");
  double total_f = 0, total_b = 0;
  std::vector<float> out, dout, dinp;
  for (int i = 0; i < model.num_layers(); ++i) {
    dl::Layer& layer = model.layer(i);
    const float* inp = i == 0 ? images : model.activation(i - 1);
    out.assign(static_cast<size_t>(B) * layer.out().size(), 0.0f);
    dout.assign(out.size(), 0.0f);
    for (auto& v : dout) v = rng.uniform(-1.0f, 1.0f);
    dinp.assign(static_cast<size_t>(B) * layer.in().size(), 0.0f);
    dl::ForwardContext ctx;
    ctx.train = train;
    ctx.rng = &rng;
    std::vector<double> tf, tb;
    for (int r = 0; r < repeats + 1; ++r) {
      auto t0 = Clock::now();
      layer.forward(inp, out.data(), B, ctx);
      if (r) tf.push_back(seconds_since(t0) * 1e3);
      t0 = Clock::now();
      layer.backward(inp, out.data(), dout.data(), i == 0 ? nullptr : dinp.data(), B, nullptr);
      if (r) tb.push_back(seconds_since(t0) * 1e3);
    }
    const double f = median(tf), b = median(tb);
    total_f += f;
    total_b += b;
    const double flops = 2.0 * static_cast<double>(layer.macs()) * B;
    const double bflops = flops * (i == 0 ? 1 : 2);
    const auto* conv = dynamic_cast<const dl::Conv2D*>(&layer);
    std::fprintf(stderr, "#   %-10s %-12s %8.3f %8.3f %7.2f %7.2f %s\n", layer.name().c_str(),
                 layer.out().str().c_str(), f, b, flops > 0 ? flops / f * 1e-6 : 0.0,
                 flops > 0 ? bflops / b * 1e-6 : 0.0, conv ? conv->forward_kernel() : "");
  }
  std::fprintf(stderr, "#   total forward %.3f ms, backward %.3f ms (the Adam update and the loss are not in these)\n",
               total_f, total_b);
  // The whole forward pass as Model::forward runs it (with the fused layers), median.
  std::vector<double> tm;
  for (int r = 0; r < repeats + 1; ++r) {
    dl::Rng r2(4);
    auto t0 = Clock::now();
    model.forward(images, B, train, &r2);
    if (r) tm.push_back(seconds_since(t0) * 1e3);
  }
  std::fprintf(stderr, "#   Model::forward (fused) %.3f ms\n", median(tm));
}

// GFLOP/s of gemm_nn / gemm_nt / gemm_tn on the shapes the layers use, and of a square product
// (the best case for the packed kernel).
void bench_gemm(const Options& o) {
  struct Case {
    const char* what;
    bool ta, tb;
    int M, N, K;
  };
  const Case cases[] = {
      {"square 256", false, false, 256, 256, 256},  {"r2 conv2 fwd", false, false, 32, 784, 800},
      {"r2 conv2 dW", false, true, 32, 800, 784},   {"r2 conv2 dcol", true, false, 800, 784, 32},
      {"r2 conv3 fwd", false, false, 64, 196, 800}, {"r1 conv1 fwd", false, false, 8, 784, 25},
      {"r1 conv2 fwd", false, false, 16, 196, 200}, {"r2 dense fwd", false, true, 64, 256, 3136},
      {"r2 dense dW", true, false, 256, 3136, 64},
  };
  dl::Rng rng(9);
  for (const Case& c : cases) {
    std::vector<float> A(static_cast<size_t>(c.M) * c.K), B(static_cast<size_t>(c.K) * c.N),
        C(static_cast<size_t>(c.M) * c.N);
    for (auto& v : A) v = rng.uniform(-1.0f, 1.0f);
    for (auto& v : B) v = rng.uniform(-1.0f, 1.0f);
    const int lda = c.ta ? c.M : c.K, ldb = c.tb ? c.K : c.N;
    const double flops = 2.0 * c.M * c.N * c.K;
    const int reps = std::max(1, static_cast<int>(2e8 / flops));
    std::vector<double> rates;
    for (int r = 0; r < o.repeats + 1; ++r) {
      auto t0 = Clock::now();
      for (int i = 0; i < reps; ++i) {
        if (c.ta) dl::gemm_tn(c.M, c.N, c.K, A.data(), lda, B.data(), ldb, C.data(), c.N, false);
        else if (c.tb) dl::gemm_nt(c.M, c.N, c.K, A.data(), lda, B.data(), ldb, C.data(), c.N, false);
        else dl::gemm_nn(c.M, c.N, c.K, A.data(), lda, B.data(), ldb, C.data(), c.N, false);
      }
      if (r) rates.push_back(flops * reps / seconds_since(t0) * 1e-9);
    }
    std::fprintf(stderr, "# gemm %-14s M %4d N %4d K %4d: %6.2f GFLOP/s\n", c.what, c.M, c.N, c.K, median(rates));
    std::string arch = std::string("gemm ") + c.what;
    emit(o, arch, "gemm_gflops", median(rates), "GFLOP/s", 1);
  }
}

// Heap bytes in use (malloc's own count): the engine allocates everything when a model is planned,
// so the difference across building and training a model is the memory that training takes.
double heap_in_use() {
#if defined(__GLIBC__) && (__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 33))
  return static_cast<double>(mallinfo2().uordblks);
#else
  return static_cast<double>(mallinfo().uordblks);
#endif
}

// r1 / r2 are the peers' names for the presets R1 / R2; any other preset name or spec is used as is.
std::string spec_of(const std::string& arch) {
  if (arch == "r1") return "R1";
  if (arch == "r2") return "R2";
  return arch;
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
#ifdef __EMSCRIPTEN__
  o.peer = "digitlab-wasm-simd";
#else
  o.peer = "digitlab-native";
#endif
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto next = [&]() -> std::string { return i + 1 < argc ? argv[++i] : ""; };
    if (a == "--arch") {
      o.archs.clear();
      std::string s = next();
      for (size_t p = 0; p <= s.size();) {
        size_t q = s.find(',', p);
        if (q == std::string::npos) q = s.size();
        o.archs.push_back(s.substr(p, q - p));
        p = q + 1;
      }
    } else if (a == "--threads") {
      o.threads.clear();
      std::string s = next();
      for (size_t p = 0; p <= s.size();) {
        size_t q = s.find(',', p);
        if (q == std::string::npos) q = s.size();
        o.threads.push_back(std::atoi(s.substr(p, q - p).c_str()));
        p = q + 1;
      }
    } else if (a == "--model") o.model_file = next();
    else if (a == "--peer") o.peer = next();
    else if (a == "--mnist") o.mnist_dir = next();
    else if (a == "--repeats") o.repeats = std::max(1, std::atoi(next().c_str()));
    else if (a == "--quick") o.quick = true;
    else if (a == "--profile") o.profile = true;
    else if (a == "--profile-batch") {
      o.profile = true;
      o.profile_batch = std::clamp(std::atoi(next().c_str()), 1, 1024);
    } else if (a == "--gemm") o.gemm = true;
    else if (a == "--profile-eval") {
      o.profile = true;
      o.profile_eval = true;
    } else if (a == "--conv") o.conv = next();
    else {
      std::fprintf(stderr,
                   "usage: bench [--arch r1,r2,digitlab] [--threads 1,2] [--model FILE] [--mnist DIR] [--peer NAME] "
                   "[--repeats N] [--quick] [--profile] [--profile-batch B] [--profile-eval] [--conv "
                   "auto|im2col|direct|f2x3|f4x3|f2x5] [--gemm]\n");
      return 2;
    }
  }

  // 16 real MNIST batches of 64 when MNIST_DIR is set (as the peers do), random images otherwise.
  std::vector<float> images(16 * 64 * dl::kImageSize);
  std::vector<uint8_t> labels(16 * 64);
  std::vector<float> test256(256 * dl::kImageSize);
  const char* dir = o.mnist_dir.empty() ? std::getenv("MNIST_DIR") : o.mnist_dir.c_str();
  dl::Dataset train, test;
  if (dir && dl::load_mnist(dir, "train", &train).ok() && dl::load_mnist(dir, "test", &test).ok()) {
    std::copy(train.images.begin(), train.images.begin() + images.size(), images.begin());
    std::copy(train.labels.begin(), train.labels.begin() + labels.size(), labels.begin());
    std::copy(test.images.begin(), test.images.begin() + test256.size(), test256.begin());
  } else {
    std::fprintf(stderr, "# MNIST_DIR not set or unreadable: timing random images\n");
    dl::Rng rng(1);
    for (auto& v : images) v = rng.uniform();
    for (auto& v : labels) v = static_cast<uint8_t>(rng.below(10));
    for (auto& v : test256) v = rng.uniform();
  }

  if (o.gemm) {
    bench_gemm(o);
    return 0;
  }

  for (const std::string& arch : o.archs) {
    for (int threads : o.threads) {
      dl::Model model;
      // The command line's memory budget, in WebAssembly too: the peers' batch-256 measure needs
      // 374 MiB for R2, over the page's 256 MiB, and this program is a benchmark, not the page.
      dl::Status st = arch == "digitlab" && !o.model_file.empty()
                          ? dl::load_model_file(o.model_file, &model, nullptr, dl::kCliBudgetBytes)
                          : dl::Model::build(spec_of(arch), 1, &model, dl::kCliBudgetBytes);
      if (!st) {
        std::fprintf(stderr, "bench: %s\n", st.message().c_str());
        return 1;
      }
      model.set_threads(threads);
      if (!set_conv_algorithm(model, o.conv)) {
        std::fprintf(stderr, "bench: unknown --conv %s\n", o.conv.c_str());
        return 2;
      }
      if (o.profile) {
        profile_layers(model, images.data(), arch, o.repeats * 10, o.profile_batch, !o.profile_eval);
        continue;
      }

      // Training throughput: Adam lr 1e-3, batch 64, dropout on.
      {
        const double heap0 = heap_in_use();
        dl::Model m;
        dl::Model::build(model.spec(), 1, &m, dl::kCliBudgetBytes);
        m.set_threads(threads);
        set_conv_algorithm(m, o.conv);
        dl::Trainer trainer(&m, dl::OptimizerConfig{}, 1);
        const int warm = 3, steps = o.quick ? 4 : (arch == "r1" ? 60 : 12);
        std::vector<double> rates;
        int b = 0;
        for (int i = 0; i < warm; ++i, b = (b + 1) % 16)
          trainer.step(&images[b * 64 * dl::kImageSize], &labels[b * 64], 64, 1e-3f);
        for (int r = 0; r < o.repeats; ++r) {
          auto t0 = Clock::now();
          for (int i = 0; i < steps; ++i, b = (b + 1) % 16)
            trainer.step(&images[b * 64 * dl::kImageSize], &labels[b * 64], 64, 1e-3f);
          rates.push_back(steps * 64 / seconds_since(t0));
        }
        emit(o, arch, "train_throughput", median(rates), "images/s", threads);
        // Model, gradients, Adam moments, activations and scratch for batch 64: all of it is
        // allocated before the first step and stays, so this is the peak while training.
        emit(o, arch, "train_memory", (heap_in_use() - heap0) / (1024.0 * 1024.0), "MiB", threads);
      }
      // Batch-1 latency: one test image, eval mode; each call timed on its own.
      {
        const int calls = o.quick ? 50 : 300;
        std::vector<double> us;
        for (int i = 0; i < 20; ++i) model.forward(test256.data(), 1);
        for (int i = 0; i < calls; ++i) {
          auto t0 = Clock::now();
          const float* z = model.forward(test256.data(), 1);
          volatile float sink = z[0];
          (void)sink;
          us.push_back(seconds_since(t0) * 1e6);
        }
        emit(o, arch, "infer_b1_latency_median", median(us), "us", threads);
      }
      // Batch-256 throughput: the first 256 test images as one batch.
      {
        const int runs = o.quick ? 2 : 5;
        model.forward(test256.data(), 256);
        std::vector<double> rates;
        for (int r = 0; r < o.repeats; ++r) {
          auto t0 = Clock::now();
          for (int i = 0; i < runs; ++i) model.forward(test256.data(), 256);
          rates.push_back(runs * 256 / seconds_since(t0));
        }
        emit(o, arch, "infer_b256_throughput", median(rates), "images/s", threads);
      }
    }
  }
  return 0;
}
