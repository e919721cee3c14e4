// test_images.h — the MNIST test set inside the app, for the layer view's gallery and for the top
// images of a channel. The page fetches t10k-images-idx3-ubyte.gz and t10k-labels-idx1-ubyte.gz
// from mnist/ next to it (loader.js) and hands the bytes over; they are decompressed and checked by
// the engine's IDX reader. Without them the layer view works on the drawing alone and says how to
// add them.
#pragma once
#include <cstdint>
#include <memory>
#include <string>

#include "dataset.h"
#include "status.h"

namespace app {

struct TestImages {
  // The images (count, 784) in [0, 1], shared with the Layers view's background jobs (analysis_jobs.h),
  // which keep a set they started with even if another one is loaded meanwhile.
  std::shared_ptr<const dl::Dataset> data = std::make_shared<const dl::Dataset>();
  const dl::Dataset& set() const { return *data; }
  bool loaded = false;
  std::string problem;  // why there are none ("" while not tried or after a success)
  int version = 0;      // bumps on every load

  // images_gz, labels_gz: the two files' bytes (gzipped or raw IDX). On failure nothing changes but
  // `problem`.
  dl::Status Load(const uint8_t* images_gz, size_t images_size, const uint8_t* labels_gz, size_t labels_size);
};

}  // namespace app
