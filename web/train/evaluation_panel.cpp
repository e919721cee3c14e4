// evaluation_panel.cpp — see evaluation_panel.h.
#include "evaluation_panel.h"

#include <algorithm>
#include <cstdio>

#include "training_panel.h"
#include "ui_items.h"

namespace app {

namespace {
constexpr int kGalleryMax = 48;  // images shown for one confusion cell
constexpr int kMistakesShown = 12;
}  // namespace

void DrawDigit(const float* image, float side) {
  ImDrawList* dl = ImGui::GetWindowDrawList();
  const ImVec2 a = ImGui::GetCursorScreenPos();
  const float px = side / 28.0f;
  dl->AddRectFilled(a, ImVec2(a.x + side, a.y + side), IM_COL32(10, 11, 14, 255));
  for (int y = 0; y < 28; ++y) {
    for (int x = 0; x < 28; ++x) {
      const float v = image[y * 28 + x];
      if (v < 0.04f) continue;
      const int c = static_cast<int>(v * 255.0f);
      dl->AddRectFilled(ImVec2(a.x + x * px, a.y + y * px), ImVec2(a.x + (x + 1) * px, a.y + (y + 1) * px),
                        IM_COL32(c, c, c, 255));
    }
  }
  ImGui::Dummy(ImVec2(side, side));
}

void EvaluationPanel::Draw(const TrainingSession& s, float width, TrainLayout* L) {
  // width is reassigned below: the right-hand part of a wide layout is narrower.
  L->confusion = WRect{};
  if (s.Evaluating()) { ImGui::TextColored(kMutedText, "Evaluating on the test set\xe2\x80\xa6"); }
  if (!s.HasEvaluation()) return;
  const dl::Evaluation& e = s.evaluation();
  const dl::Dataset& test = s.Test();
  const float line = ImGui::GetTextLineHeight();
  ImGui::TextColored(kTitleText, "Test set (after step %d)", s.evaluation_step());
  ImGui::Text("accuracy %.2f%% (%d of %d), loss %.4f", 100.0 * e.accuracy(), e.correct, e.count, e.loss);

  // The confusion matrix: rows are the true digit, columns the prediction.
  // Wide: the matrix on the left, the per-digit accuracy, the gallery and the mistakes on its right.
  const float cell = std::min(line * 2.1f, (width - line * 1.5f) / 10.0f);
  const float matrix_w = line * 1.2f + cell * 10.0f;
  const bool side = width - matrix_w - line > line * 22.0f;
  const float rest_w = side ? width - matrix_w - line : width;
  ImGui::BeginGroup();
  ImGui::TextColored(kTitleText, "Confusion matrix");
  ImGui::TextColored(kMutedText, "row: true digit, column: answer");
  ImDrawList* dl = ImGui::GetWindowDrawList();
  const ImVec2 o = ImGui::GetCursorScreenPos();
  const ImVec2 m0(o.x + line * 1.2f, o.y + line * 1.2f);
  int row_max = 1;
  for (int t = 0; t < dl::kClasses; ++t)
    for (int p = 0; p < dl::kClasses; ++p)
      if (t != p) row_max = std::max(row_max, e.confusion[t][p]);
  for (int k = 0; k < dl::kClasses; ++k) {
    char d[2] = {static_cast<char>('0' + k), 0};
    dl->AddText(ImVec2(m0.x + k * cell + cell * 0.4f, o.y), ImGui::GetColorU32(ImGuiCol_TextDisabled), d);
    dl->AddText(ImVec2(o.x, m0.y + k * cell + cell * 0.25f), ImGui::GetColorU32(ImGuiCol_TextDisabled), d);
  }
  for (int t = 0; t < dl::kClasses; ++t) {
    for (int p = 0; p < dl::kClasses; ++p) {
      const int n = e.confusion[t][p];
      const ImVec2 a(m0.x + p * cell, m0.y + t * cell), b(a.x + cell - 1, a.y + cell - 1);
      ImU32 col;
      if (t == p) {
        col = IM_COL32(40, 110, 70, 255);
      } else {
        const int k = n == 0 ? 0 : 60 + 195 * n / row_max;
        col = n == 0 ? IM_COL32(28, 31, 38, 255) : IM_COL32(k, k / 3, 40, 255);
      }
      if (t == sel_true && p == sel_pred)
        dl->AddRect(ImVec2(a.x - 2, a.y - 2), ImVec2(b.x + 2, b.y + 2), IM_COL32(255, 255, 255, 255), 0, 0, 2);
      dl->AddRectFilled(a, b, col);
      char num[12];
      std::snprintf(num, sizeof(num), "%d", n);
      const ImVec2 ts = ImGui::CalcTextSize(num);
      // A count wider than its cell (1,135 ones) is drawn smaller rather than left out.
      const float fit = ts.x < cell * 0.92f ? 1.0f : cell * 0.92f / ts.x;
      const ImVec2 sz(ts.x * fit, ts.y * fit);
      dl->AddText(ImGui::GetFont(), ImGui::GetFontSize() * fit,
                  ImVec2(a.x + (cell - sz.x) * 0.5f, a.y + (cell - sz.y) * 0.5f), IM_COL32(230, 232, 236, 255), num);
      ImGui::SetCursorScreenPos(a);
      ImGui::PushID(t * 10 + p);
      if (ImGui::InvisibleButton("cell", ImVec2(cell - 1, cell - 1))) {
        sel_true = t;
        sel_pred = p;
      }
      ImGui::PopID();
    }
  }
  L->confusion = WRect{m0.x, m0.y, cell * 10, cell * 10};
  ImGui::SetCursorScreenPos(ImVec2(o.x, m0.y + cell * 10 + line * 0.3f));
  ImGui::Dummy(ImVec2(matrix_w, 0));
  ImGui::EndGroup();
  if (side) ImGui::SameLine(0, line);
  ImGui::BeginGroup();
  width = rest_w;
  // Per-digit accuracy.
  if (ImGui::BeginTable("perclass", 11, ImGuiTableFlags_SizingStretchSame | ImGuiTableFlags_BordersInnerV,
                        ImVec2(width, 0))) {
    ImGui::TableNextRow();
    ImGui::TableNextColumn();
    ImGui::TextColored(kMutedText, "digit");
    for (int c = 0; c < dl::kClasses; ++c) {
      ImGui::TableNextColumn();
      ImGui::Text("%d", c);
    }
    ImGui::TableNextRow();
    ImGui::TableNextColumn();
    ImGui::TextColored(kMutedText, "%%");
    for (int c = 0; c < dl::kClasses; ++c) {
      ImGui::TableNextColumn();
      ImGui::Text("%.1f", 100.0 * e.class_accuracy(c));
    }
    ImGui::EndTable();
  }

  // The gallery behind the selected cell.
  const float thumb = line * 2.6f;
  const int per_row = std::max(1, static_cast<int>(width / (thumb + 4)));
  if (sel_true >= 0) {
    ImGui::TextColored(kTitleText, "True %d, answered %d: %d images%s", sel_true, sel_pred, e.confusion[sel_true][sel_pred],
                       e.confusion[sel_true][sel_pred] > kGalleryMax ? " (the first 48)" : "");
    int shown = 0;
    if (sel_true != sel_pred) {
      for (const dl::Mistake& m : e.mistakes) {
        if (m.label != sel_true || m.predicted != sel_pred) continue;
        if (shown % per_row) ImGui::SameLine(0, 4);
        DrawDigit(test.image(m.index), thumb);
        if (ImGui::IsItemHovered())
          ImGui::SetTooltip("test image %d: %.0f%% sure it is a %d", m.index, 100 * m.confidence, m.predicted);
        if (++shown >= kGalleryMax) break;
      }
    } else {
      // Right answers are not in the mistakes list: the first test images of that digit that are
      // not mistakes.
      for (int i = 0; i < e.count && shown < kGalleryMax; ++i) {
        if (test.labels[i] != sel_true) continue;
        bool wrong = false;
        for (const dl::Mistake& m : e.mistakes)
          if (m.index == i) {
            wrong = true;
            break;
          }
        if (wrong) continue;
        if (shown % per_row) ImGui::SameLine(0, 4);
        DrawDigit(test.image(i), thumb);
        ++shown;
      }
    }
  }

  // The most confident mistakes.
  ImGui::Spacing();
  ImGui::TextColored(kTitleText, "Most confident mistakes");
  const float big = line * 3.2f;
  const int cols = std::max(1, static_cast<int>(width / (big + line * 4.5f)));
  const int n = std::min<int>(kMistakesShown, static_cast<int>(e.mistakes.size()));
  for (int i = 0; i < n; ++i) {
    const dl::Mistake& m = e.mistakes[i];
    if (i % cols) ImGui::SameLine(0, line);
    ImGui::BeginGroup();
    DrawDigit(test.image(m.index), big);
    ImGui::SameLine();
    ImGui::BeginGroup();
    ImGui::Text("true %d", m.label);
    ImGui::Text("said %d", m.predicted);
    ImGui::TextColored(kMutedText, "%.0f%%", 100 * m.confidence);
    ImGui::EndGroup();
    ImGui::EndGroup();
  }
  if (n == 0) ImGui::TextColored(kMutedText, "none");
  ImGui::EndGroup();
}

}  // namespace app
