#pragma once
/// Text checks for names and values that reach JSON outputs and messages.
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace iorec::core {

/// Byte offset of the first byte that is not part of well-formed UTF-8 (overlong forms,
/// surrogates and code points above U+10FFFF are ill-formed), or nullopt when `text` is valid.
std::optional<size_t> FirstInvalidUtf8(std::string_view text);

/// `text` for an error message: valid UTF-8 is kept, other bytes and control characters
/// become \xNN, so a message can always be printed and stored.
std::string Printable(std::string_view text);

/// `text` with only the bytes that are not well-formed UTF-8 written as \xNN (newlines kept).
std::string EscapeInvalidUtf8(std::string_view text);

/// "" when `text` is valid UTF-8, else "is not valid UTF-8 text (byte 0xFF at offset 3)".
std::string Utf8Problem(std::string_view text);

}  // namespace iorec::core
