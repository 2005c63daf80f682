#pragma once
// The one LibTorch header the engine's translation units share as a precompiled
// header (see engine/CMakeLists.txt). Including it costs ~15 s per file without PCH.
#include <torch/torch.h>
