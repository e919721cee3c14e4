// instruments_json.cpp — the Layers view's instruments in the automation API's JSON: the panel on
// screen, its buttons and map cells, the knock-outs, the probes and the map (state().layerView), and
// the answers that layers.probes(), layers.embedding() and layers.ablationAccuracy() resolve with.
// Field names are documented in the README ("Automation API"). Accuracies are fractions (0..1).
#include <cstdio>

#include "app_state.h"
#include "json_writer.h"
#include "state_json.h"

namespace app {

namespace {

using namespace json;  // the writer's str, num, key, array and rect (json_writer.h)

const char* panel_name(LayerView::Panel p) {
  switch (p) {
    case LayerView::Panel::Probes: return "probes";
    case LayerView::Panel::Map: return "map";
    case LayerView::Panel::Activations: break;
  }
  return "activations";
}

const char* probes_phase(ProbesPanel::Phase p) {
  switch (p) {
    case ProbesPanel::Phase::Loading: return "loading";
    case ProbesPanel::Phase::Running: return "running";
    case ProbesPanel::Phase::Done: return "done";
    case ProbesPanel::Phase::Failed: return "failed";
    case ProbesPanel::Phase::Idle: break;
  }
  return "idle";
}

const char* map_phase(MapPanel::Phase p) {
  switch (p) {
    case MapPanel::Phase::Running: return "running";
    case MapPanel::Phase::Done: return "done";
    case MapPanel::Phase::Failed: return "failed";
    case MapPanel::Phase::Idle: break;
  }
  return "idle";
}

const char* knockouts_phase(Knockouts::Phase p) {
  switch (p) {
    case Knockouts::Phase::Computing: return "computing";
    case Knockouts::Phase::Ready: return "done";
    case Knockouts::Phase::Failed: return "failed";
    case Knockouts::Phase::Idle: break;
  }
  return "idle";
}

void text_or_null(std::string* out, const std::string& t) {
  if (t.empty()) out->append("null");
  else str(out, t);
}

void point_or_null(std::string* out, bool valid, const float* xy) {
  if (!valid) {
    out->append("null");
    return;
  }
  array(out, 2, [&](size_t i) { return xy[i]; });
}

}  // namespace

void append_instruments_json(const State& s, std::string* out) {
  const LayerView& v = s.layers;
  key(out, "panel");
  str(out, panel_name(v.panel));
  key(out, "knockOut");  // knock-out mode: a click on a map switches it off or on
  out->append(v.knock_mode ? "true" : "false");
  key(out, "buttons");  // window coordinates; the page adds the canvas offset
  out->append("{\"activations\":");
  rect(out, v.panel_buttons[0]);
  out->append(",\"probes\":");
  rect(out, v.panel_buttons[1]);
  out->append(",\"map\":");
  rect(out, v.panel_buttons[2]);
  out->append(",\"knockOut\":");
  rect(out, v.knock_button);
  out->append(",\"computeProbes\":");
  rect(out, v.probes.compute_button);
  out->append(",\"allOff\":");
  rect(out, v.knockouts.all_off_button);
  out->append(",\"allOn\":");
  rect(out, v.knockouts.all_on_button);
  out->append(",\"resetAll\":");
  rect(out, v.knockouts.reset_button);
  out->append(",\"pca\":");
  rect(out, v.map.pca_button);
  out->append(",\"tsne\":");
  rect(out, v.map.tsne_button);
  out->push_back('}');
  key(out, "cells");  // the current step's maps (or a vector's first 512 units) as drawn last frame
  out->push_back('[');
  for (size_t i = 0; i < v.cells.size(); ++i) {
    if (i) out->push_back(',');
    rect(out, v.cells[i]);
  }
  out->push_back(']');

  key(out, "knockouts");
  out->push_back('{');
  const int count = v.knockouts.Count(s);
  key(out, "count");
  num(out, count);
  key(out, "off");  // [step, channel] of every unit switched off
  out->push_back('[');
  if (count > 0) {
    const dl::Model& m = s.model.model;
    bool first = true;
    for (int l = 0; l < m.num_layers(); ++l) {
      if (m.units_off(l) == 0) continue;
      for (int c = 0; c < m.layer(l).out().c; ++c) {
        if (!m.unit_off(l, c)) continue;
        if (!first) out->push_back(',');
        first = false;
        out->push_back('[');
        num(out, l + 1);
        out->push_back(',');
        num(out, c);
        out->push_back(']');
      }
    }
  }
  out->push_back(']');
  const Knockouts::Phase kp = v.knockouts.phase(s);
  key(out, "phase");
  str(out, knockouts_phase(kp));
  key(out, "progress");
  num(out, v.knockouts.progress());
  key(out, "accuracy");  // with the units off as they are now
  if (kp == Knockouts::Phase::Ready) num(out, count ? v.knockouts.accuracy() : v.knockouts.baseline());
  else out->append("null");
  key(out, "baseline");  // every unit on
  if (v.knockouts.baseline_ready()) num(out, v.knockouts.baseline());
  else out->append("null");
  out->push_back('}');

  const ProbesPanel& p = v.probes;
  key(out, "probes");
  out->append("{\"phase\":");
  str(out, probes_phase(p.phase()));
  out->append(",\"progress\":");
  num(out, p.progress());
  out->append(",\"images\":");
  num(out, p.images());
  out->append(",\"seconds\":");
  num(out, p.seconds());
  out->append(",\"message\":");
  text_or_null(out, p.message());
  out->push_back('}');

  const MapPanel& mp = v.map;
  key(out, "map");
  out->append("{\"phase\":");
  str(out, map_phase(mp.phase()));
  out->append(",\"progress\":");
  num(out, mp.progress());
  out->append(",\"step\":");
  num(out, mp.step());
  out->append(",\"method\":");
  str(out, dl::embedding_method_name(mp.method()));
  out->append(",\"seconds\":");
  num(out, mp.seconds());
  out->append(",\"message\":");
  text_or_null(out, mp.message());
  // Map point (x, y) is drawn at plot.x + (x - xmin) / (xmax - xmin) * plot.width,
  // plot.y + (ymax - y) / (ymax - ymin) * plot.height.
  out->append(",\"plot\":");
  rect(out, mp.plot);
  out->append(",\"bounds\":{\"xmin\":");
  num(out, mp.bounds[0]);
  out->append(",\"xmax\":");
  num(out, mp.bounds[1]);
  out->append(",\"ymin\":");
  num(out, mp.bounds[2]);
  out->append(",\"ymax\":");
  num(out, mp.bounds[3]);
  out->append("},\"marker\":");
  float xy[2];
  point_or_null(out, mp.Marker(v, xy), xy);
  out->push_back('}');
}

void write_probes_json(const State& s, std::string* out) {
  const ProbesPanel& p = s.layers.probes;
  out->clear();
  out->append("{\"phase\":");
  str(out, probes_phase(p.phase()));
  out->append(",\"progress\":");
  num(out, p.progress());
  out->append(",\"seconds\":");
  num(out, p.seconds());
  out->append(",\"images\":");
  num(out, p.images());
  out->append(",\"error\":");
  text_or_null(out, p.phase() == ProbesPanel::Phase::Failed ? p.message() : std::string());
  out->append(",\"results\":");
  if (p.phase() != ProbesPanel::Phase::Done) {
    out->append("null}");
    return;
  }
  out->push_back('[');
  for (size_t i = 0; i < p.results().size(); ++i) {
    const dl::ProbeResult& r = p.results()[i];
    if (i) out->push_back(',');
    out->append("{\"step\":");
    num(out, r.step);
    out->append(",\"name\":");
    str(out, r.name);
    out->append(",\"kind\":");
    str(out, r.kind);
    out->append(",\"accuracy\":");
    num(out, r.accuracy);
    out->append(",\"trainAccuracy\":");
    num(out, r.train_accuracy);
    out->append(",\"features\":");
    num(out, r.features);
    out->push_back('}');
  }
  out->append("]}");
}

void write_embedding_json(const State& s, std::string* out) {
  const MapPanel& mp = s.layers.map;
  out->clear();
  out->append("{\"phase\":");
  str(out, map_phase(mp.phase()));
  out->append(",\"progress\":");
  num(out, mp.progress());
  out->append(",\"step\":");
  num(out, mp.step());
  out->append(",\"method\":");
  str(out, dl::embedding_method_name(mp.method()));
  out->append(",\"seconds\":");
  num(out, mp.seconds());
  out->append(",\"error\":");
  text_or_null(out, mp.phase() == MapPanel::Phase::Failed ? mp.message() : std::string());
  const dl::EmbeddingRun* run = mp.map();
  if (!run) {
    out->append(",\"points\":null,\"labels\":null,\"drawing\":null}");
    return;
  }
  // The forward passes and the projection apart: "PCA in 0.2 s" is the second.
  out->append(",\"featuresSeconds\":");
  num(out, run->features_seconds());
  out->append(",\"projectionSeconds\":");
  num(out, run->projection_seconds());
  out->append(",\"points\":[");
  const std::vector<float>& pts = run->points();
  for (int i = 0; i < run->count(); ++i) {
    if (i) out->push_back(',');
    out->push_back('[');
    num(out, pts[2 * i]);
    out->push_back(',');
    num(out, pts[2 * i + 1]);
    out->push_back(']');
  }
  out->append("],\"labels\":");
  array(out, static_cast<size_t>(run->count()), [&](size_t i) { return run->labels()[i]; });
  out->append(",\"drawing\":");
  float xy[2];
  point_or_null(out, mp.Marker(s.layers, xy), xy);
  out->push_back('}');
}

void write_ablation_json(const State& s, std::string* out) {
  const Knockouts& k = s.layers.knockouts;
  const Knockouts::Phase ph = k.phase(s);
  const int count = k.Count(s);
  out->clear();
  out->append("{\"phase\":");
  str(out, knockouts_phase(ph));
  out->append(",\"progress\":");
  num(out, k.progress());
  out->append(",\"units\":");
  num(out, count);
  out->append(",\"error\":");
  text_or_null(out, ph == Knockouts::Phase::Failed ? k.error() : std::string());
  if (ph != Knockouts::Phase::Ready) {
    out->append("}");
    return;
  }
  const auto& per = count ? k.per_class() : k.baseline_per_class();
  out->append(",\"accuracy\":");
  num(out, count ? k.accuracy() : k.baseline());
  out->append(",\"perClass\":");
  array(out, per.size(), [&](size_t i) { return per[i]; });
  out->append(",\"baseline\":");
  num(out, k.baseline());
  out->append(",\"baselinePerClass\":");
  array(out, k.baseline_per_class().size(), [&](size_t i) { return k.baseline_per_class()[i]; });
  out->append(",\"seconds\":");
  num(out, count ? k.seconds() : 0.0);
  out->push_back('}');
}

}  // namespace app
