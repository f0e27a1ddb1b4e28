// ASAN_POISON_MEMORY_REGION and ASAN_UNPOISON_MEMORY_REGION: AddressSanitizer's
// (the debug preset), no-ops in other builds. Private to sim/. The pools that
// keep freed memory for reuse poison it meanwhile, so that a use after free
// is still reported, and a block freed again is found poisoned
// (DETSIM_ASAN_IS_POISONED: always false in other builds).
#pragma once

#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/asan_interface.h>
#define DETSIM_ASAN_IS_POISONED(address) (__asan_address_is_poisoned(address) != 0)
#else
#define DETSIM_ASAN_IS_POISONED(address) ((void)(address), false)
#define ASAN_POISON_MEMORY_REGION(address, size) ((void)(address), (void)(size))
#define ASAN_UNPOISON_MEMORY_REGION(address, size) ((void)(address), (void)(size))
#endif
