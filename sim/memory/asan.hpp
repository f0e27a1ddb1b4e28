// ASAN_POISON_MEMORY_REGION and ASAN_UNPOISON_MEMORY_REGION: AddressSanitizer's
// (the debug preset), no-ops in other builds. Private to sim/. The pools that
// keep freed memory for reuse poison it meanwhile, so that a use after free
// is still reported.
#pragma once

#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/asan_interface.h>
#else
#define ASAN_POISON_MEMORY_REGION(address, size) ((void)(address), (void)(size))
#define ASAN_UNPOISON_MEMORY_REGION(address, size) ((void)(address), (void)(size))
#endif
