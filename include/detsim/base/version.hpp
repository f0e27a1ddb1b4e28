// detsim's version, for traces and reports.
#pragma once

namespace detsim {
inline constexpr const char* version = "0.1.0";
}  // namespace detsim
