// resources_test.cpp — plan_resources (engine/resources.h): its counts equal what a built and planned
// model really allocates (for every layer kind, batch sizes and thread counts), its refusals name
// what to change, and Model::build / Model::plan refuse before allocating (issue 12, findings 2, 4).
#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "layer_types.h"
#include "model.h"
#include "resources.h"
#include "spec.h"

namespace dl {
namespace {

std::vector<LayerSpec> layers_of(const std::string& spec) {
  std::vector<LayerSpec> layers;
  EXPECT_TRUE(parse_spec(spec, &layers).ok()) << spec;
  return layers;
}

// The model's own allocations (Use::Inference) match the count exactly.
TEST(Resources, CountsWhatAModelAllocates) {
  const char* specs[] = {
      "f10", "f128 f10", "c8k5 p2 c16k5 p2 f10", "c4k3p0b p3s2 d.25 f16b d.5 f10", "c3k5s2p1 c5k3s1p0b p2 f32 f10",
      "R2",  "digitlab"};
  for (const char* spec : specs) {
    for (int threads : {1, 3}) {
      Model m;
      ASSERT_TRUE(Model::build(spec, 1, &m).ok()) << spec;
      m.set_threads(threads);
      const int T = m.threads();  // 1 where this build has no threads
      for (int batch : {1, 7, 32}) {
        ASSERT_TRUE(m.plan(batch).ok()) << spec;
        Resources r;
        ASSERT_TRUE(plan_resources(layers_of(spec), batch, T, Use::Inference, kCliBudgetBytes, &r).ok()) << spec;
        EXPECT_EQ(r.total, m.allocated_bytes()) << spec << " at batch " << batch << " on " << T << " threads";
        EXPECT_EQ(r.params, m.num_params()) << spec;
        EXPECT_EQ(r.buffers, static_cast<int64_t>(m.buffers().size())) << spec;
        EXPECT_EQ(r.macs_per_image, m.macs_per_image()) << spec;
        // The planned tensors are the model's, in its order.
        std::vector<TensorInfo> all = m.param_tensors();
        all.insert(all.end(), m.buffer_tensors().begin(), m.buffer_tensors().end());
        ASSERT_EQ(r.tensors.size(), all.size()) << spec;
        for (size_t i = 0; i < all.size(); ++i) {
          EXPECT_EQ(r.tensors[i].name, all[i].name) << spec;
          EXPECT_EQ(r.tensors[i].shape, all[i].shape) << spec << " " << all[i].name;
          EXPECT_EQ(r.tensors[i].buffer, i >= m.param_tensors().size()) << spec << " " << all[i].name;
        }
      }
    }
  }
}

// The convolution kernels (conv_plan.h): a layer on each of them — the direct first layer, Winograd
// for 3x3 and 5x5 stride 1, im2col (stride 2, many filters) — allocates in plan() exactly what
// plan_resources counts, on 1 and 2 threads, and neither an inference pass nor a training step
// (forward, backward with the input gradient) allocates more.
TEST(Resources, ConvolutionKernelsAllocateWhatIsCounted) {
  const char* specs[] = {"c8k5 c16k3 p2 c32k3 c32k5 p2 f10",
                         "c8k3 c12k5 c24k3p0b p2 f10",
                         "c32k5s2 c16k3 f10",
                         "c32k3p0 c64k3 p2 c48k5 f10",
                         "R1",
                         "R2",
                         "digitlab"};
  std::vector<std::string> kernels;  // every forward kernel seen
  for (const char* spec : specs) {
    for (int threads : {1, 2}) {
      Model m;
      ASSERT_TRUE(Model::build(spec, 1, &m).ok()) << spec;
      m.set_threads(threads);
      const int T = m.threads();
      for (int batch : {1, 5, 64}) {
        ASSERT_TRUE(m.plan(batch).ok()) << spec;
        Resources r;
        ASSERT_TRUE(plan_resources(layers_of(spec), batch, T, Use::Inference, kCliBudgetBytes, &r).ok()) << spec;
        EXPECT_EQ(r.total, m.allocated_bytes()) << spec << " at batch " << batch << " on " << T << " threads";
        std::vector<float> x(static_cast<size_t>(batch) * kImageSize), dlogits(static_cast<size_t>(batch) * kClasses);
        for (size_t i = 0; i < x.size(); ++i) x[i] = static_cast<float>((i * 7919) % 256) / 255.0f;
        for (size_t i = 0; i < dlogits.size(); ++i) dlogits[i] = (i % 10 == 3) ? -0.9f : 0.1f;
        std::vector<float> dx(x.size());
        m.forward(x.data(), batch);  // inference (fused BatchNorm and ReLU)
        Rng rng(7);
        m.forward(x.data(), batch, true, &rng);  // training
        m.zero_grads();
        m.backward(dlogits.data(), dx.data());  // every layer's input gradient, the first's too
        EXPECT_EQ(r.total, m.allocated_bytes()) << spec << " after a training step at batch " << batch;
        for (int i = 0; i < m.num_layers(); ++i)
          if (const auto* c = dynamic_cast<const Conv2D*>(&m.layer(i))) kernels.push_back(c->forward_kernel());
      }
    }
  }
  // The specs above reach every kernel on this platform (the cost model differs natively with
  // AVX-512 and in WebAssembly, so the 3x3 variant is either of two).
  auto seen = [&](const std::string& k) { return std::find(kernels.begin(), kernels.end(), k) != kernels.end(); };
  EXPECT_TRUE(seen("direct"));
  EXPECT_TRUE(seen("im2col"));
  EXPECT_TRUE(seen("F(2x2,3x3)") || seen("F(4x4,3x3)"));
  EXPECT_TRUE(seen("F(2x2,5x5)"));
}

TEST(Resources, TrainingAddsTheOptimizerSnapshotsAndBatchBuffers) {
  Resources inference, training;
  const std::vector<LayerSpec> l = layers_of("R1");
  ASSERT_TRUE(plan_resources(l, 32, 1, Use::Inference, kPageBudgetBytes, &inference).ok());
  ASSERT_TRUE(plan_resources(l, 32, 1, Use::Training, kPageBudgetBytes, &training).ok());
  const uint64_t P = static_cast<uint64_t>(training.params), NB = static_cast<uint64_t>(training.buffers);
  // Moments and decay mask (3P), trainer logits gradient (32x10), two batch image buffers
  // (2 x 32 x 784), three copies of the parameters, moments and statistics (3 x (3P + NB)).
  EXPECT_EQ(training.training_bytes, 4 * (3 * P + 320 + 2 * 32 * 784 + 3 * (3 * P + NB)));
  EXPECT_EQ(training.total, inference.total + training.training_bytes);
  // The README's figure for R2 at batch 64 (112 MiB measured) is within the page's budget.
  Resources r2;
  EXPECT_TRUE(plan_resources("R2", 64, 1, Use::Training, kPageBudgetBytes, &r2).ok());
  EXPECT_LT(r2.total, kPageBudgetBytes);
}

// Finding 2: conv2's im2col scratch is 4,295,002,880 floats; the refusal names it and its size.
TEST(Resources, Finding2_TheIm2colScratchIsCountedIn64Bits) {
  Resources r;
  const Status s = plan_resources("c620k10p23 c1k28p28 f10", 1, 1, Use::Inference, kPageBudgetBytes, &r);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(r.largest, uint64_t{4295002880} * 4);
  EXPECT_EQ(r.largest_name, "conv2's im2col scratch");
  EXPECT_NE(s.message().find("conv2's im2col scratch of 16,384 MiB"), std::string::npos) << s.message();
  Model m;
  EXPECT_FALSE(Model::build("c620k10p23 c1k28p28 f10", 1, &m).ok());
}

// Finding 4: 1024 x 4,194,304 floats wrapped to 0 in a 32-bit size_t; now the batch is refused,
// natively and in WebAssembly alike, with the largest batch that fits.
TEST(Resources, Finding4_BatchTimesPerImageIsCheckedAndTheLargestBatchNamed) {
  const std::vector<LayerSpec> l = layers_of("c1k1p28 c256k1p22 p16 f10");
  Resources r;
  const Status s = plan_resources(l, 1024, 1, Use::Training, kPageBudgetBytes, &r);
  ASSERT_FALSE(s.ok());
  const int fits = max_batch(l, 1, Use::Training, kPageBudgetBytes, 1024);
  EXPECT_EQ(fits, 3);  // 67 MiB an image: conv2's and relu2's activations and their gradients
  EXPECT_NE(s.message().find("a batch of at most " + std::to_string(fits) + " fits"), std::string::npos) << s.message();
  // At 1024 images one buffer alone (conv2's activations, 16 GiB) is over the limit of one buffer;
  // at 8 the total is over the page's budget.
  EXPECT_NE(s.message().find("the activations of conv2 of 16,384 MiB"), std::string::npos) << s.message();
  const Status s8 = plan_resources(l, 8, 1, Use::Training, kPageBudgetBytes);
  EXPECT_NE(s8.message().find("more than the page's limit of 256 MiB; a batch of at most " + std::to_string(fits)),
            std::string::npos)
      << s8.message();
  EXPECT_TRUE(plan_resources(l, fits, 1, Use::Training, kPageBudgetBytes).ok());
  EXPECT_FALSE(plan_resources(l, fits + 1, 1, Use::Training, kPageBudgetBytes).ok());

  // The model refuses the plan and keeps its old one; forward on the planned batch still works.
  Model m;
  ASSERT_TRUE(Model::build("c1k1p28 c256k1p22 p16 f10", 1, &m, kPageBudgetBytes).ok());
  ASSERT_TRUE(m.plan(2).ok());
  const Status p = m.plan(1024);
  ASSERT_FALSE(p.ok());
  EXPECT_EQ(m.planned_batch(), 2);
  std::vector<float> x(2 * kImageSize, 0.5f);
  EXPECT_NE(m.forward(x.data(), 2), nullptr);
  EXPECT_LE(m.allocated_bytes(), kPageBudgetBytes);
}

TEST(Resources, RefusesOverflowHugeBuffersAndTooManyMultiplyAdds) {
  // 18 of 1024x1024x27x27 weights: 55 GB of parameters.
  std::string spec;
  for (int i = 0; i < 19; ++i) spec += "c1024k27 ";
  spec += "f10";
  Resources r;
  Status s = plan_resources(spec, 1, 1, Use::Inference, kCliBudgetBytes, &r);
  ASSERT_FALSE(s.ok());
  EXPECT_GT(r.params, int64_t{13} * 1000 * 1000 * 1000);
  // Threads multiply the scratch: batch 1 fits on one thread, not on 256.
  EXPECT_TRUE(plan_resources("c64k5 c64k5 f10", 1, 1, Use::Inference, kPageBudgetBytes).ok());
  s = plan_resources("c64k5 c64k5 c64k5 c64k5 f10", 1, 256, Use::Inference, kPageBudgetBytes);
  EXPECT_FALSE(s.ok());
  EXPECT_NE(s.message().find("on 256 threads"), std::string::npos) << s.message();
  // Time: a network within the memory budget that needs billions of multiply-adds per image.
  s = plan_resources("c1024k3 c1024k3 f10", 1, 1, Use::Inference, kCliBudgetBytes);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("multiply-adds per image"), std::string::npos) << s.message();
  // Nonsense arguments are sentences too.
  EXPECT_FALSE(plan_resources("R1", 0, 1, Use::Inference, kPageBudgetBytes).ok());
  EXPECT_FALSE(plan_resources("R1", 1, 0, Use::Inference, kPageBudgetBytes).ok());
  EXPECT_FALSE(plan_resources(std::vector<LayerSpec>{}, 1, 1, Use::Inference, kPageBudgetBytes).ok());
}

TEST(Resources, EveryPresetTrainsInThePageAtBatch64) {
  for (const Preset& p : presets()) {
    Resources r;
    const Status s = plan_resources(p.spec, 64, 4, Use::Training, kPageBudgetBytes, &r);
    EXPECT_TRUE(s.ok()) << p.name << ": " << s.message();
  }
}

TEST(Resources, MessagesUseMiB) {
  EXPECT_EQ(mib_text(256 * kMiB), "256 MiB");
  EXPECT_EQ(mib_text(uint64_t{17180011520}), "16,384 MiB");
  EXPECT_EQ(mib_text(1536 * 1024), "1.5 MiB");
  EXPECT_EQ(budget_text(kCliBudgetBytes), "the command line's limit of 2,048 MiB");
}

}  // namespace
}  // namespace dl
