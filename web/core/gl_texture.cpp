// gl_texture.cpp — see gl_texture.h. SDL's GL header declares the GL 1.1/ES 2 entry points used
// here on every platform (libGL natively, Emscripten's WebGL library in the browser).
#include "gl_texture.h"

#include <SDL_opengl.h>

#include <cassert>
#include <cstdint>

namespace app {

GlTexture::~GlTexture() {
  if (id_ != 0) {
    GLuint id = id_;
    glDeleteTextures(1, &id);
  }
}

ImTextureID GlTexture::Id() const { return reinterpret_cast<ImTextureID>(static_cast<intptr_t>(id_)); }

void GlTexture::Update(const uint8_t* rgba, int width, int height, bool nearest) {
  assert(width > 0 && height > 0 && "GlTexture::Update: give the image size");
  GLint last_texture = 0;
  glGetIntegerv(GL_TEXTURE_BINDING_2D, &last_texture);
  if (id_ == 0) {
    GLuint id = 0;
    glGenTextures(1, &id);
    id_ = id;
    glBindTexture(GL_TEXTURE_2D, id_);
    const GLint filter = nearest ? GL_NEAREST : GL_LINEAR;
    glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MIN_FILTER, filter);
    glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MAG_FILTER, filter);
    glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_WRAP_S, GL_CLAMP_TO_EDGE);
    glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_WRAP_T, GL_CLAMP_TO_EDGE);
    glPixelStorei(GL_UNPACK_ALIGNMENT, 1);
    glTexImage2D(GL_TEXTURE_2D, 0, GL_RGBA, width, height, 0, GL_RGBA, GL_UNSIGNED_BYTE, rgba);
    width_ = width;
    height_ = height;
  } else {
    assert(width == width_ && height == height_ && "GlTexture: the size is fixed at creation");
    glBindTexture(GL_TEXTURE_2D, id_);
    glPixelStorei(GL_UNPACK_ALIGNMENT, 1);
    glTexSubImage2D(GL_TEXTURE_2D, 0, 0, 0, width, height, GL_RGBA, GL_UNSIGNED_BYTE, rgba);
  }
  glBindTexture(GL_TEXTURE_2D, static_cast<GLuint>(last_texture));
}

}  // namespace app
