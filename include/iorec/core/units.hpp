#pragma once
/// Size strings such as "64K", "1M", "4MiB" to bytes.
#include <cstdint>
#include <optional>
#include <string_view>

namespace iorec::core {

/// Parses "123", "64K", "1M", "2G", "4KiB", "16MB" (binary multiples, case-insensitive).
/// Returns nullopt when the text is not a size.
std::optional<uint64_t> ParseSize(std::string_view text);

}  // namespace iorec::core
