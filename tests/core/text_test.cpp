#include "iorec/core/text.hpp"

#include <gtest/gtest.h>

#include "iorec/core/error.hpp"

namespace iorec::core {
namespace {

TEST(TextTest, FindsTheFirstIllFormedByte) {
  EXPECT_EQ(FirstInvalidUtf8(""), std::nullopt);
  EXPECT_EQ(FirstInvalidUtf8("plain ascii"), std::nullopt);
  EXPECT_EQ(FirstInvalidUtf8("été 日本 \xF0\x9F\x98\x80"), std::nullopt);  // 2, 3, 4 bytes
  EXPECT_EQ(FirstInvalidUtf8("ab\xFF"), 2u);
  EXPECT_EQ(FirstInvalidUtf8("a\xC3"), 1u);             // cut short
  EXPECT_EQ(FirstInvalidUtf8("\xC0\xAF"), 0u);          // overlong '/'
  EXPECT_EQ(FirstInvalidUtf8("\xE0\x80\xAF"), 0u);      // overlong
  EXPECT_EQ(FirstInvalidUtf8("x\xED\xA0\x80"), 1u);     // surrogate U+D800
  EXPECT_EQ(FirstInvalidUtf8("\xF4\x90\x80\x80"), 0u);  // above U+10FFFF
  EXPECT_EQ(FirstInvalidUtf8("\xC3\xA9\x80"), 2u);      // stray continuation byte
}

TEST(TextTest, PrintableEscapesWhatCannotBePrinted) {
  EXPECT_EQ(Printable("été"), "été");
  EXPECT_EQ(Printable("a\xFF"
                      "b"),
            "a\\xFFb");
  EXPECT_EQ(Printable("line\nnext\t\x7F"), "line\\x0Anext\\x09\\x7F");
  EXPECT_EQ(EscapeInvalidUtf8("line\nnext \xFE"), "line\nnext \\xFE");
  EXPECT_EQ(Utf8Problem("ok"), "");
  EXPECT_EQ(Utf8Problem("ab\xFF"), "is not valid UTF-8 text (byte 0xFF at offset 2)");
}

TEST(TextTest, InputErrorMessagesAreAlwaysUtf8) {
  const InputError e(std::vector<std::string>{"f\xFF.json: bad", "ok é"});
  EXPECT_EQ(e.problems()[0], "f\\xFF.json: bad");
  EXPECT_EQ(e.problems()[1], "ok é");
  EXPECT_EQ(FirstInvalidUtf8(e.what()), std::nullopt);
}

}  // namespace
}  // namespace iorec::core
