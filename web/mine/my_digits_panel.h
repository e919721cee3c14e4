// my_digits_panel.h — the Draw view's part of "Teach it your handwriting" (my_digits_app.h):
//   - DrawCorrection: "Wrong? It's a …" with ten digit buttons under the answer, at least 44 window
//     units square (a finger), on one row or two of five; the answer's own button is green and
//     confirms it (the drawing joins My digits with the label the network gave);
//   - Draw: the My digits section: counts per label, thumbnails grouped by label (× removes one),
//     Teach it with its progress and before → after, Undo, Download, Export, Import, Clear all
//     (with a confirmation).
// The thumbnails are one RGBA atlas texture (28x28 cells), rebuilt only when the digits change.
#pragma once
#include <cstdint>
#include <memory>
#include <vector>

#include "gl_texture.h"

namespace app {

struct State;

class MyDigitsPanel {
 public:
  static constexpr float kMinButton = 44.0f;  // window units (CSS pixels): a finger's size

  void DrawCorrection(State& s, float width);
  void Draw(State& s, float width);
  float last_height = 0;  // of Draw, last frame (the Draw view's layout makes room for it)

 private:
  void DrawSection(State& s, float width);
  void UpdateAtlas(const State& s);
  void DrawThumbnails(State& s, float width);
  void DrawTeach(State& s, float width);

  static constexpr int kAtlasCols = 32;
  std::unique_ptr<GlTexture> atlas_;  // replaced when the number of rows changes (its size is fixed)
  std::vector<uint8_t> rgba_;  // (rows * 28, kAtlasCols * 28, 4)
  int atlas_version_ = -1;
  int atlas_rows_ = 0;
  int shown_teach_ = 0;  // TeachResult::id whose figures were last scrolled into view
};

}  // namespace app
