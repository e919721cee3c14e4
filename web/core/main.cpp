// main.cpp — DigitLab's app: the window, the GL context, the ImGui backends, input events, and the
// main loop around app::frame(). The same file builds the browser app (Emscripten + WebGL 2, SDL2
// built from source) and the desktop app (SDL2 + OpenGL 3). The only platform branch is the main
// loop at the end; everything else that differs lives behind platform.h.
#include <SDL.h>
#include <SDL_opengl.h>

#include <cstdio>

#include "app.h"
#include "imgui.h"
#include "imgui_impl_opengl3.h"
#include "imgui_impl_sdl.h"
#include "platform.h"
#include "training_app.h"
#include "ui_common.h"

#ifdef __EMSCRIPTEN__
#include <emscripten.h>
#endif

namespace {

struct Runtime {
  SDL_Window* window = nullptr;
  SDL_GLContext gl = nullptr;
  float mouse_x = 0, mouse_y = 0;  // last pointer position, for an Up that has none
  int fb_w = 0, fb_h = 0;          // framebuffer size of the last frame
  float merged[2 * 256];           // samples the browser merged into one move (platform::merged_moves)
  app::State state;
};

void handle_key(app::State& s, const SDL_KeyboardEvent& k) {
  if (ImGui::GetIO().WantTextInput) return;  // typing a path
  const bool ctrl = (k.keysym.mod & (KMOD_CTRL | KMOD_GUI)) != 0;
  switch (k.keysym.sym) {
    case SDLK_z:
      if (ctrl) s.commands.undo = true;
      break;
    case SDLK_BACKSPACE:
    case SDLK_u: s.commands.undo = true; break;
    case SDLK_DELETE:
    case SDLK_c:
      if (!ctrl) s.commands.clear = true;
      break;
    // The Layers view's stepping (a presenter's clicker sends Page Up/Down). Taken from SDL's events
    // rather than ImGui's key state: a press and its release within one frame would be lost there.
    case SDLK_RIGHT:
    case SDLK_PAGEDOWN: s.commands.layer_step += 1; break;
    case SDLK_LEFT:
    case SDLK_PAGEUP: s.commands.layer_step -= 1; break;
    case SDLK_HOME: s.commands.layer_step = -1000; break;
    case SDLK_END: s.commands.layer_step = 1000; break;
    default: break;
  }
}

// One iteration of the main loop: events, one app frame, present.
void step(void* arg) {
  Runtime& rt = *static_cast<Runtime*>(arg);
  app::State& s = rt.state;
  SDL_Event e;
  bool input = false;
  s.input_ms = app::now_ms();
  int win_w = 0, win_h = 0;
  SDL_GetWindowSize(rt.window, &win_w, &win_h);
  while (SDL_PollEvent(&e)) {
    input = true;
    ImGui_ImplSDL2_ProcessEvent(&e);
    switch (e.type) {
      case SDL_QUIT: s.running = false; break;
      case SDL_MOUSEMOTION:
        rt.mouse_x = static_cast<float>(e.motion.x);
        rt.mouse_y = static_cast<float>(e.motion.y);
        if (e.motion.state & SDL_BUTTON_LMASK) {  // a stroke: every sample counts, not one a frame
          const int n = platform::merged_moves(rt.mouse_x, rt.mouse_y, win_w, win_h, rt.merged, 256);
          for (int i = 0; i < n; ++i)
            s.pointer_events.push_back({app::PointerEvent::Move, rt.merged[2 * i], rt.merged[2 * i + 1]});
        }
        s.pointer_events.push_back({app::PointerEvent::Move, rt.mouse_x, rt.mouse_y});
        break;
      case SDL_MOUSEBUTTONDOWN:
      case SDL_MOUSEBUTTONUP:
        if (e.button.button == SDL_BUTTON_LEFT) {
          rt.mouse_x = static_cast<float>(e.button.x);
          rt.mouse_y = static_cast<float>(e.button.y);
          const auto kind = e.type == SDL_MOUSEBUTTONDOWN ? app::PointerEvent::Down : app::PointerEvent::Up;
          s.pointer_events.push_back({kind, rt.mouse_x, rt.mouse_y});
        }
        break;
      case SDL_WINDOWEVENT:
        if (e.window.event == SDL_WINDOWEVENT_FOCUS_LOST)  // a stroke must not outlive the focus
          s.pointer_events.push_back({app::PointerEvent::Up, rt.mouse_x, rt.mouse_y});
        break;
      case SDL_KEYDOWN: handle_key(s, e.key); break;
      case SDL_DROPFILE:
        app::load_model_file(s, e.drop.file);
        SDL_free(e.drop.file);
        break;
      default: break;
    }
  }

  int fb_w = 0, fb_h = 0;
  SDL_GetWindowSize(rt.window, &win_w, &win_h);
  SDL_GL_GetDrawableSize(rt.window, &fb_w, &fb_h);
  s.dpr = win_w > 0 ? static_cast<float>(fb_w) / static_cast<float>(win_w) : 1.0f;
  s.time = SDL_GetTicks64() / 1000.0;
  if (fb_w != rt.fb_w || fb_h != rt.fb_h) {
    rt.fb_w = fb_w;
    rt.fb_h = fb_h;
    input = true;
  }
  // ImGui needs a couple of frames after any input to settle hover and layout; after that, a frame
  // is drawn only when something changed (the canvas keeps showing the last one).
  if (input) app::request_redraw(s);
  app::background(s);
  if (!app::wants_frame(s)) {
    platform::idle();
    return;
  }

  const double frame_start = app::now_ms();
  ImGui_ImplOpenGL3_NewFrame();
  ImGui_ImplSDL2_NewFrame();
  app::frame(s);
  if (s.commands.pick_model) {
    s.commands.pick_model = false;
    platform::open_file_picker();
  }

  glViewport(0, 0, fb_w, fb_h);
  glClearColor(0.07f, 0.08f, 0.10f, 1.0f);
  glClear(GL_COLOR_BUFFER_BIT);
  ImGui_ImplOpenGL3_RenderDrawData(ImGui::GetDrawData());
  SDL_GL_SwapWindow(rt.window);
  platform::frame_presented(s);
  const double took = app::now_ms() - frame_start;
  s.frame_ms = s.frame_ms > 0 ? 0.8 * s.frame_ms + 0.2 * took : took;
}

}  // namespace

int main(int argc, char** argv) {
  // On the heap: with Emscripten, main() returns into the browser while the loop keeps running.
  Runtime* rt = new Runtime();
  platform::Assets assets;
  platform::load_assets(argc, argv, &assets);

  if (SDL_Init(SDL_INIT_VIDEO | SDL_INIT_TIMER) != 0) {
    std::fprintf(stderr, "digitlab-app: SDL could not start: %s\n", SDL_GetError());
    return 1;
  }
  platform::set_gl_attributes();
  SDL_GL_SetAttribute(SDL_GL_DOUBLEBUFFER, 1);
  SDL_GL_SetAttribute(SDL_GL_DEPTH_SIZE, 0);
  SDL_GL_SetAttribute(SDL_GL_STENCIL_SIZE, 0);
  const Uint32 flags = SDL_WINDOW_OPENGL | SDL_WINDOW_RESIZABLE | SDL_WINDOW_ALLOW_HIGHDPI;
  // In the browser the page's CSS sizes the canvas (full window) and SDL follows it.
  rt->window = SDL_CreateWindow("DigitLab", SDL_WINDOWPOS_CENTERED, SDL_WINDOWPOS_CENTERED, 1280, 800, flags);
  if (rt->window == nullptr) {
    std::fprintf(stderr, "digitlab-app: could not open a window: %s\n", SDL_GetError());
    return 1;
  }
  rt->gl = SDL_GL_CreateContext(rt->window);
  if (rt->gl == nullptr) {
    std::fprintf(stderr, "digitlab-app: no OpenGL context: %s\n", SDL_GetError());
    return 1;
  }
  SDL_GL_MakeCurrent(rt->window, rt->gl);
  SDL_GL_SetSwapInterval(1);

  IMGUI_CHECKVERSION();
  ImGui::CreateContext();
  ImGui_ImplSDL2_InitForOpenGL(rt->window, rt->gl);
  ImGui_ImplOpenGL3_Init(platform::glsl_version());

  app::State& s = rt->state;
  app::init(s, std::move(assets.font));
  if (!assets.model.empty()) {
    app::load_model_bytes(s, assets.model.data(), assets.model.size(), assets.model_name);
  } else {
    s.model.error = assets.problem;
  }
  s.has_file_picker = platform::has_file_picker();
  platform::start(&s);
  app::training_start_thread(s);  // after start(): a run kept in browser storage is restored first

#ifdef __EMSCRIPTEN__
  emscripten_set_main_loop_arg(step, rt, 0, true);
#else
  while (s.running) step(rt);
  SDL_Window* window = rt->window;
  SDL_GLContext gl = rt->gl;
  delete rt;  // its GL textures go while the context is still current
  ImGui_ImplOpenGL3_Shutdown();
  ImGui_ImplSDL2_Shutdown();
  ImGui::DestroyContext();
  SDL_GL_DeleteContext(gl);
  SDL_DestroyWindow(window);
  SDL_Quit();
#endif
  return 0;
}
