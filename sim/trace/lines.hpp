// The line formats of traces/SCHEMA.md, shared by to_jsonl() and the
// streaming recorder. Private to sim/.
#pragma once

#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>
#include <vector>

#include "detsim/trace/trace.hpp"

namespace detsim::detail {

void append_header_line(std::string& out, const TraceHeader& header);
void append_site_line(std::string& out, std::uint32_t id, const TraceSite& site);
// `quoted_strings` are Trace::strings already escaped and quoted (escaping
// once per string, not once per event that mentions it).
void append_event_line(std::string& out, const TraceEvent& event, const std::vector<std::string>& quoted_strings);
void append_footer_line(std::string& out, const TraceFooter& footer);
std::string quote(std::string_view text);
// Closes `file` (the temporary written so far) and renames it to `path`;
// throws TraceError, removing the temporary, if anything failed.
void close_and_rename(std::FILE* file, bool written, const std::string& temporary, const std::string& path);

}  // namespace detsim::detail
