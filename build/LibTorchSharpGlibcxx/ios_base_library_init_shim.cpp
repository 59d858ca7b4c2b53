// Supplies std::ios_base_library_init() (mangled _ZSt21ios_base_library_initv) to a libLibTorchSharp.so built with
// GCC 13 when the system libstdc++ is GCC 12's (Debian 12, Ubuntu 22.04), which lacks it. Compiled at build time by
// build/LibTorchSharpGlibcxx.targets and loaded as a DT_NEEDED of the patched copy, so its initialiser runs first.
//
// Since GCC 13, <iostream> no longer gives every translation unit its own static std::ios_base::Init; the streams are
// constructed once inside libstdc++ and objects just reference ios_base_library_init() to pull that in. GCC 12's
// libstdc++ has no such function and constructs the streams only when someone owns an ios_base::Init, so this shim
// owns one, as every GCC 12 <iostream> user did.
#include <ios>

namespace std {
void ios_base_library_init();
}

namespace {
const std::ios_base::Init standard_streams;
}

__attribute__((visibility("default"))) void std::ios_base_library_init() {}
