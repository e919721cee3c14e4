// feature_maps.h — a layer's feature maps (or a vector, or a set of kernels) as one texture atlas.
//
// C maps of H x W values are laid out in a grid of `cols` columns inside one RGBA texture, each map
// a cell of exactly H x W texels (sharp pixels: the layer view shows what the network computed, not a
// smoothed picture). The panel draws each cell with ImGui::Image and the cell's UVs, so all maps of
// a layer are one texture and one draw call. The texture is created once per shape and updated in
// place (glTexSubImage2D) whenever the values change: while a person draws, or while training runs.
#pragma once
#include <cstdint>
#include <memory>
#include <vector>

#include "gl_texture.h"
#include "imgui.h"

namespace app {

enum class Normalisation { PerLayer, PerMap };
enum class Colouring { Heat, Grey };  // heat: heatmap.h's diverging scale; grey: images, ink white

class FeatureAtlas {
 public:
  // values: (count) floats read as `maps` maps of h x w (count <= maps*h*w; cells past count are
  // drawn dark grey, for a vector that does not fill its last row). cols: grid columns (0: about
  // square). Heat: each value is divided by its map's or the layer's largest magnitude.
  void Update(const float* values, int count, int maps, int h, int w, int cols, Normalisation norm,
              Colouring colouring = Colouring::Heat);

  bool Valid() const { return texture_ && texture_->Valid(); }
  ImTextureID Id() const { return texture_->Id(); }
  int Maps() const { return maps_; }
  int Cols() const { return cols_; }
  int Rows() const { return rows_; }
  int MapH() const { return h_; }
  int MapW() const { return w_; }
  void MapUv(int m, ImVec2* uv0, ImVec2* uv1) const;
  float Min() const { return min_; }  // over all values
  float Max() const { return max_; }
  float Scale(int m) const { return scale_[m]; }  // the magnitude that maps to full colour
  bool Signed() const { return min_ < 0; }

 private:
  std::unique_ptr<GlTexture> texture_;
  std::vector<uint8_t> rgba_;  // (rows*h, cols*w, 4)
  std::vector<float> scale_;   // (maps)
  int maps_ = 0, h_ = 0, w_ = 0, cols_ = 0, rows_ = 0;
  float min_ = 0, max_ = 0;
};

}  // namespace app
