#pragma once
/// Small file helpers. Writes are atomic: a temp file in the same directory,
/// fsync, then rename, so a crash never leaves a half-written output.
#include <filesystem>
#include <string>
#include <string_view>

namespace iorec::core {

/// Reads a whole file. Throws InputError naming the path if it cannot be read.
std::string ReadFile(const std::filesystem::path& path);

/// Writes `content` to `path` atomically; creates parent directories.
/// Throws Error naming the path on failure (e.g. disk full).
void WriteFileAtomic(const std::filesystem::path& path, std::string_view content);

}  // namespace iorec::core
