#include <brigade/util/secret.hpp>

#include <catch2/catch.hpp>

#include <algorithm>

using brigade::shared_secret;
using brigade::wipe;
using brigade::WipedString;

TEST_CASE("secret: wipe overwrites the bytes in place, then empties the string", "[secret]") {
  std::string secret(200, 's');
  const char* bytes = secret.data();
  wipe(secret);
  CHECK(secret.empty());
  REQUIRE(secret.capacity() >= 200);  // the same buffer, still the string's
  CHECK(secret.data() == bytes);
  CHECK(std::all_of(bytes, bytes + 200, [](char c) { return c == '\0'; }));
}

TEST_CASE("secret: shared and wiped strings keep their value while held", "[secret]") {
  std::string text = "hunter2\n";
  auto shared = shared_secret(std::move(text));
  CHECK(*shared == "hunter2\n");
  auto copy = shared;
  shared.reset();
  CHECK(*copy == "hunter2\n");
  WipedString kept("key");
  CHECK(kept.text == "key");
}
