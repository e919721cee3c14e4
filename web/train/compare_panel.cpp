// compare_panel.cpp — see compare_panel.h.
#include "compare_panel.h"

#include <algorithm>
#include <cstdio>

#include "imgui.h"
#include "plot.h"

namespace app {

void Compare::Draw(float width, float height) const {
  if (done.empty() && !running) return;
  const ImVec4 title(0.55f, 0.62f, 0.75f, 1.0f);
  ImGui::TextColored(title, "Compare: the influence of hidden layers");
  ImGui::TextColored(ImVec4(0.55f, 0.58f, 0.63f, 1.0f),
                     "same budget: %s, lr %g, batch %d, %g epoch(s), %s images, seed %llu%s%s",
                     dl::optimizer_name(base.optimizer), static_cast<double>(base.lr), base.batch,
                     static_cast<double>(base.epochs), base.subset > 0 ? std::to_string(base.subset).c_str() : "all",
                     static_cast<unsigned long long>(base.seed), running ? "; training " : "", current.c_str());
  static const ImU32 kColors[] = {IM_COL32(200, 200, 200, 255), IM_COL32(250, 170, 90, 255),
                                  IM_COL32(240, 110, 110, 255), IM_COL32(110, 160, 240, 255),
                                  IM_COL32(110, 220, 140, 255), IM_COL32(200, 130, 240, 255),
                                  IM_COL32(240, 220, 100, 255)};
  PlotSeries series[8];
  int n = 0;
  float lo = 0.9f, x_max = 0.01f;
  for (const CompareEntry& e : done) {
    if (n == 8) break;
    PlotSeries& p = series[n];
    if (!e.validation.empty()) {
      p.x = &e.validation[0].epoch;
      p.y = &e.validation[0].accuracy;
      p.count = static_cast<int>(e.validation.size());
      p.stride = sizeof(ValPoint);
      for (const ValPoint& v : e.validation) {
        lo = std::min(lo, v.accuracy);
        x_max = std::max(x_max, v.epoch);
      }
    }
    p.color = kColors[n % 7];
    p.label = e.preset.c_str();
    ++n;
  }
  PlotAxes a;
  a.x_max = x_max;
  a.y_min = std::max(0.0f, static_cast<float>(static_cast<int>(lo * 20.0f)) / 20.0f);
  a.y_max = 1.0f;
  a.x_label = "epochs";
  a.y_format = "%.2f";
  LinePlot("Validation accuracy", ImVec2(width, height), a, series, n);
  if (ImGui::BeginTable("compare", 6, ImGuiTableFlags_Borders | ImGuiTableFlags_SizingStretchProp, ImVec2(width, 0))) {
    ImGui::TableSetupColumn("preset");
    ImGui::TableSetupColumn("hidden layers");
    ImGui::TableSetupColumn("parameters");
    ImGui::TableSetupColumn("FLOPs/image");
    ImGui::TableSetupColumn("time (s)");
    ImGui::TableSetupColumn("test accuracy");
    ImGui::TableHeadersRow();
    for (const CompareEntry& e : done) {
      ImGui::TableNextRow();
      ImGui::TableNextColumn();
      ImGui::Text("%s", e.preset.c_str());
      ImGui::TableNextColumn();
      ImGui::Text("%d", e.hidden_layers);
      ImGui::TableNextColumn();
      ImGui::Text("%lld", static_cast<long long>(e.params));
      ImGui::TableNextColumn();
      ImGui::Text("%.2fM", e.flops / 1e6);
      ImGui::TableNextColumn();
      ImGui::Text("%.1f", e.seconds);
      ImGui::TableNextColumn();
      ImGui::Text("%.2f%%", 100.0 * e.test_accuracy);
    }
    ImGui::EndTable();
  }
}

}  // namespace app
