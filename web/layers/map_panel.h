// map_panel.h — the Layers view's Map panel: the first 2,000 test images at one step projected to 2-D
// (dl::EmbeddingRun, engine/embedding.h: PCA, exact and fast, or t-SNE, computed in the background with
// progress), one colour per digit with a legend, and the current input (the drawing, or a picked test
// image) as a large marker that moves while the person draws. Clicking a point makes that test image
// the input (point i is test image i).
//
// The map is of the network without knock-outs; the marker is the input through the model as it is on
// the Draw view (knock-outs included), so switching units off shows the drawing drift on the map.
// For t-SNE a new input has no exact place: the engine puts it at the mean of its 10 nearest test
// images in feature space, and the panel says so.
#pragma once
#include <memory>
#include <string>
#include <vector>

#include "analysis_jobs.h"
#include "embedding.h"
#include "ui_common.h"

namespace app {

struct State;
class LayerView;

class MapPanel {
 public:
  // The map of `step` (0..num_layers: the input .. the logits) by `method` for the model on the Draw
  // view, computed in the background unless it is there; "" or the sentence why not.
  std::string Request(State& s, int step, dl::EmbeddingMethod method);
  // Every main-loop iteration: collects a finished map, forgets a replaced model's. True when something
  // changed on screen.
  bool Poll(State& s, JobRunner& jobs);
  void Draw(State& s, LayerView& view, float width, float height);

  enum class Phase { Idle, Running, Done, Failed };
  Phase phase() const { return phase_; }
  float progress() const { return job_ ? job_->progress() : phase_ == Phase::Done ? 1.0f : 0.0f; }
  int step() const { return step_; }
  dl::EmbeddingMethod method() const { return method_; }
  double seconds() const { return seconds_; }
  const std::string& message() const { return message_; }
  // The finished map (phase() == Done), or null.
  const dl::EmbeddingRun* map() const { return phase_ == Phase::Done && shown_ ? &shown_->run() : nullptr; }
  // Where the view's current input lands on the finished map; false without a map or an input.
  bool Marker(const LayerView& view, float* xy) const;

  // Where the panel was drawn (for the automation API): the plot, its data bounds, the method buttons.
  Rect plot;
  float bounds[4] = {0, 1, 0, 1};  // xmin, xmax, ymin, ymax of the plot's data coordinates
  Rect pca_button, tsne_button;

 private:
  void Start(State& s, JobRunner& jobs);
  // The title, the method, the legend and what the map shows, for step `want`; true when the map
  // is ready to draw.
  bool DrawInfo(State& s, LayerView& view, int want, float width);
  void DrawPlot(State& s, LayerView& view, float side);  // a square of `side`, at the cursor

  std::shared_ptr<MapJob> job_;    // computing the wanted map
  std::shared_ptr<MapJob> shown_;  // the finished map (it keeps what place() reads)
  Phase phase_ = Phase::Idle;
  bool pending_ = false;  // Request()ed, to be started by Poll
  int step_ = 0;
  dl::EmbeddingMethod method_ = dl::EmbeddingMethod::Pca;
  int model_version_ = -1;
  double seconds_ = 0;
  std::string message_;
  // The marker, cached per input run and map (filled by the const Marker: a cache, not state).
  mutable int marker_runs_ = -1;
  mutable const void* marker_map_ = nullptr;
  mutable bool marker_valid_ = false;
  mutable float marker_[2] = {0, 0};
  mutable std::vector<float> features_;  // (layout().features()) of the current input
};

}  // namespace app
