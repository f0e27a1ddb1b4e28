// The self-contained HTML report (detsim/trace/export.hpp).
#include <ostream>
#include <string>

#include "detsim/trace/export.hpp"
#include "trace/export_layout.hpp"

namespace detsim {
namespace {

std::string escape_html(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out += c;
    }
  }
  return out;
}

}  // namespace

void write_html_report(const Trace& trace, std::ostream& out, const HtmlReportOptions& options) {
  const std::string title = options.title.empty() ? "detsim: " + trace.header.program : options.title;
  out << "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>" << escape_html(title)
      << "</title></head><body><h1>" << escape_html(title) << "</h1>\n";
  out << "</body></html>\n";
}

}  // namespace detsim
